#!/usr/bin/env python3
"""Subscribe to boxbridge topics and print each event: the bus consumed from protocol/ alone.

Needs pyzmq and protobuf (pip install pyzmq protobuf) and Python code generated from the
protocol with protoc (this script generates it into ./generated on first use):

    protoc -I protocol --python_out=examples/python/generated protocol/*.proto

Usage:
    consumer.py [--endpoint tcp://127.0.0.1:7302] [--prefix box/acme/] [--count N] [--json]

Each message on the bus has two frames: the topic, and a serialized boxbridge.v1.Envelope.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED = os.path.join(HERE, "generated")
PROTOCOL = os.path.normpath(os.path.join(HERE, "..", "..", "protocol"))


def ensure_generated():
    """Generates the Python protobuf modules from protocol/*.proto when they are missing or older."""
    protos = [os.path.join(PROTOCOL, f) for f in sorted(os.listdir(PROTOCOL)) if f.endswith(".proto")]
    outputs = [os.path.join(GENERATED, os.path.basename(p)[:-6] + "_pb2.py") for p in protos]
    fresh = all(os.path.exists(o) for o in outputs) and \
        min(os.path.getmtime(o) for o in outputs) >= max(os.path.getmtime(p) for p in protos)
    if not fresh:
        os.makedirs(GENERATED, exist_ok=True)
        subprocess.run(["protoc", "-I", PROTOCOL, f"--python_out={GENERATED}", *protos], check=True)
    sys.path.insert(0, GENERATED)


def describe(envelope):
    """One readable line for an envelope."""
    kind = envelope.WhichOneof("payload")
    head = f"{envelope.topic} #{envelope.sequence}"
    if kind == "file_event":
        event = envelope.file_event
        actor = event.actor.login or event.actor.id or "-"
        path = event.file.path or event.file.name
        count = f" x{event.coalesced_count}" if event.coalesced_count > 1 else ""
        return f"{head} {event.box_event_type}{count} by {actor}: {path}"
    if kind == "alert":
        return f"{head} ALERT {envelope.alert.rule}: {envelope.alert.summary}"
    if kind == "health":
        return f"{head} HEALTH {envelope.health.message}"
    if kind == "quarantined":
        return f"{head} QUARANTINED {envelope.quarantined.event_id}: {envelope.quarantined.reason}"
    return f"{head} (payload unknown to this reader)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:7302", help="the broker's publish endpoint")
    parser.add_argument("--prefix", default="box/", help="topic prefix to subscribe to, e.g. box/acme/")
    parser.add_argument("--count", type=int, default=0, help="exit after this many messages (0: run until Ctrl-C)")
    parser.add_argument("--json", action="store_true", help="print each envelope in protobuf's JSON mapping")
    args = parser.parse_args()

    ensure_generated()
    import zmq
    from google.protobuf import json_format
    import envelope_pb2

    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    socket.connect(args.endpoint)
    socket.setsockopt_string(zmq.SUBSCRIBE, args.prefix)
    received = 0
    try:
        while args.count == 0 or received < args.count:
            frames = socket.recv_multipart()
            if len(frames) != 2:
                print(f"skipping a message with {len(frames)} frames", file=sys.stderr)
                continue
            envelope = envelope_pb2.Envelope.FromString(frames[1])
            if args.json:
                print(json_format.MessageToJson(envelope, indent=None), flush=True)
            else:
                print(describe(envelope), flush=True)
            received += 1
    except KeyboardInterrupt:
        pass
    finally:
        socket.close(linger=0)
        context.term()


if __name__ == "__main__":
    main()
