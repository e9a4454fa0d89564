# boxbridge: multi-stage build. The build stage compiles a release binary with the Swift
# standard library linked statically; the runtime stage is Debian slim with only the shared C
# libraries the binary loads (libzmq5, libssl3, libsqlite3, libcurl for FoundationNetworking).
#
#   docker build -t boxbridge .
#   docker run --rm -v $PWD/bridge.conf:/etc/boxbridge/bridge.conf:ro -v boxbridge-var:/var/lib/boxbridge boxbridge broker
#
# Every role is a subcommand: broker, collector, index, alert, archive, emulator, up.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      pkg-config libzmq3-dev libssl-dev libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest names every target's folder (tests and benchmarks too), so all of them are copied
# before resolving.
COPY Package.swift ./
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
COPY protocol ./protocol
RUN swift package resolve
RUN swift build -c release --static-swift-stdlib --product boxbridge \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/boxbridge" /out/boxbridge

FROM debian:bookworm-slim AS runtime
# bridge.conf's relative paths (var/journal, var/index.sqlite, ...) resolve against its folder, so
# /etc/boxbridge/var points at the writable data volume /var/lib/boxbridge.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libzmq5 libssl3 libsqlite3-0 zlib1g libcurl4 libxml2 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 boxbridge \
 && useradd --system --uid 10001 --gid boxbridge --home-dir /var/lib/boxbridge --shell /usr/sbin/nologin boxbridge \
 && install -d -o boxbridge -g boxbridge -m 0700 /var/lib/boxbridge \
 && install -d -m 0755 /etc/boxbridge \
 && ln -s /var/lib/boxbridge /etc/boxbridge/var
COPY --from=build /out/boxbridge /usr/local/bin/boxbridge
COPY bridge.conf /etc/boxbridge/bridge.conf
COPY protocol /usr/share/boxbridge/protocol
USER boxbridge
WORKDIR /var/lib/boxbridge
# Mount your own bridge.conf over /etc/boxbridge/bridge.conf (read-only is fine); secrets come from
# the environment or mounted files named in it, never from the image.
# ZeroMQ bus (ingest, publish, control), each role's metrics/health port, the demo emulator.
# The shipped bridge.conf binds metrics to 127.0.0.1; publish them with [metrics] host = "0.0.0.0"
# (deploy/bridge.conf does).
EXPOSE 7301 7302 7303 9301 9302 9303 9304 9305 7380
# Each process serves /healthz beside /metrics; BOXBRIDGE_HEALTH_PORT selects the role's port.
ENV BOXBRIDGE_HEALTH_PORT=9301
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${BOXBRIDGE_HEALTH_PORT}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/boxbridge"]
# By default the whole demo system (`boxbridge up`); name a role to run one process per container,
# as deploy/compose.yaml does (`broker`, `collector`, `index`, `alert`, `archive run`).
CMD ["up", "--config", "/etc/boxbridge/bridge.conf", "--no-status"]
