public import Hummingbird
public import Logging
public import Prometheus
public import ServiceLifecycle
import NIOCore
import Synchronization

/// Serves a process's metrics in the Prometheus text format at `GET /metrics`, and `GET /healthz`.
///
/// One per process, run in the process's service group. Port 0 binds an ephemeral port; `boundPort`
/// tells which once the server runs (tests and `boxbridge up` read it).
public final class MetricsEndpoint: Service, Sendable {
    private let host: String
    private let port: Int
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let bound = Mutex<Int?>(nil)
    private let health: @Sendable () -> Bool

    /// - Parameters:
    ///   - registry: the registry swift-metrics was bootstrapped with (`MetricsBootstrap`).
    ///   - health: answers `/healthz`: 200 when true, 503 when false.
    public init(
        host: String,
        port: Int,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        health: @escaping @Sendable () -> Bool = { true }
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
        self.health = health
    }

    /// The port the endpoint listens on, once running.
    public var boundPort: Int? { bound.withLock { $0 } }

    public func run() async throws {
        let router = Router()
        let registry = self.registry
        let health = self.health
        router.get("metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer)
            )
        }
        router.get("healthz") { _, _ -> Response in
            let healthy = health()
            return Response(
                status: healthy ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: healthy ? "ok\n" : "unhealthy\n"))
            )
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "boxbridge"),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port
                self.bound.withLock { $0 = port }
                self.logger.info(
                    "metrics endpoint listening",
                    metadata: [LogKey.metricsAddress: "\(self.host):\(port ?? -1)"]
                )
            },
            logger: logger
        )
        try await app.run()
    }
}
