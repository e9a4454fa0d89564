"""The example consumer reads envelopes published with the protocol's own encoding.

Run by `make test` (python3 -m pytest examples/python).
"""
import json
import os
import subprocess
import sys
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import consumer  # noqa: E402

consumer.ensure_generated()
import envelope_pb2  # noqa: E402


def envelope(topic, sequence, login, name):
    env = envelope_pb2.Envelope(topic=topic, sequence=sequence, schema_version=1)
    env.file_event.connection = topic.split("/")[1]
    env.file_event.event_ids.append(f"event-{sequence}")
    env.file_event.box_event_type = "UPLOAD"
    env.file_event.actor.login = login
    env.file_event.file.name = name
    env.file_event.file.size = 6_000_000_000
    env.file_event.coalesced_count = 1
    return env


def test_consumer_prints_events_of_its_prefix_only():
    context = zmq.Context()
    publisher = context.socket(zmq.PUB)
    port = publisher.bind_to_random_port("tcp://127.0.0.1")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "consumer.py"), "--endpoint", f"tcp://127.0.0.1:{port}",
         "--prefix", "box/acme/", "--count", "2", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wanted = [envelope("box/acme/created", 1, "ana@acme.com", "plan.docx"),
              envelope("box/acme/deleted", 1, "bo@acme.com", "old.xlsx")]
    other = envelope("box/other/created", 1, "x@other.com", "nope.txt")
    deadline = time.monotonic() + 20
    try:
        # The subscriber joins asynchronously: keep publishing until it has read its two messages.
        while proc.poll() is None and time.monotonic() < deadline:
            publisher.send_multipart([other.topic.encode(), other.SerializeToString()])
            for env in wanted:
                publisher.send_multipart([env.topic.encode(), env.SerializeToString()])
            time.sleep(0.02)
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
        publisher.close(linger=0)
        context.term()
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    assert all(line["topic"].startswith("box/acme/") for line in lines)
    assert lines[0]["fileEvent"]["file"]["size"] == "6000000000"  # 64-bit sizes as strings in JSON


def test_describe_is_readable():
    line = consumer.describe(envelope("box/acme/created", 5, "ana@acme.com", "plan.docx"))
    assert line == "box/acme/created #5 UPLOAD by ana@acme.com: plan.docx"
