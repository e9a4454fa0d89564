public import Logging
public import ServiceLifecycle
import Foundation

/// The broker as a running thing: opens the journal, binds, and runs the socket thread.
///
/// `start()` does the fallible work (journal recovery, binding) synchronously so errors surface to
/// the caller; the loop then runs on its own thread until `stop()`.
public final class BrokerServer: @unchecked Sendable {
    public let options: BrokerOptions
    let logger: Logger
    let now: @Sendable () -> Int64
    private let lock = NSLock()
    private var loop: BrokerLoop?
    private var outcome: Result<Void, any Error>?
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    /// - Parameter now: wall-clock milliseconds since 1970 (injected for tests).
    public init(options: BrokerOptions, logger: Logger, now: @escaping @Sendable () -> Int64 = BrokerServer.wallClockMillis) {
        self.options = options
        self.logger = logger
        self.now = now
    }

    @Sendable public static func wallClockMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Recovers the journal, binds every endpoint and starts the socket thread.
    @discardableResult
    public func start() throws -> BrokerEndpoints {
        let loop = try BrokerLoop(options: options, logger: logger, now: now)
        lock.lock()
        self.loop = loop
        lock.unlock()
        let thread = Thread { [self] in
            let result = Result { try loop.run() }
            if case .failure(let error) = result {
                logger.critical("broker stopped on an error", metadata: ["error": "\(error)"])
            }
            lock.lock()
            outcome = result
            let waiting = waiters
            waiters = []
            lock.unlock()
            for waiter in waiting { waiter.resume(with: result) }
        }
        thread.name = "boxbridge-broker"
        thread.stackSize = 4 << 20
        thread.start()
        return loop.endpoints
    }

    /// The endpoints bound by `start()`.
    public var endpoints: BrokerEndpoints? {
        lock.lock()
        defer { lock.unlock() }
        return loop?.endpoints
    }

    /// Asks the loop to finish (acknowledging what is already written) and waits for it.
    public func stop() async throws {
        let loop = lock.withLock { self.loop }
        loop?.requestStop()
        if loop != nil { try await waitUntilStopped() }
    }

    /// Waits until the socket thread has ended; rethrows the error that ended it.
    public func waitUntilStopped() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            if let outcome {
                lock.unlock()
                continuation.resume(with: outcome)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

/// `boxbridge broker` as a swift-service-lifecycle `Service`: runs until graceful shutdown.
public struct BrokerService: Service {
    public let server: BrokerServer

    public init(options: BrokerOptions, logger: Logger) {
        server = BrokerServer(options: options, logger: logger)
    }

    public func run() async throws {
        try server.start()
        let server = self.server
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await server.waitUntilStopped()
            } onGracefulShutdown: {
                Task { try? await server.stop() }
            }
        } onCancel: {
            Task { try? await server.stop() }
        }
    }
}
