import Foundation
import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// The Box emulator as a swift-service-lifecycle `Service`: nothing listens until `run()`.
///
/// In tests: `let server = try EmulatorServer(configuration: config)`, run it in a task (or use
/// `EmulatorServer.withRunning(_:_:)`), then `try await server.boundPort()` gives the port chosen for 0.
public final class EmulatorServer: Service, @unchecked Sendable {
    public let core: EmulatorCore
    public let logger: Logger
    private let port = Locked<(value: Int?, waiters: [CheckedContinuation<Int, any Error>], finished: Bool)>((nil, [], false))

    public var configuration: EmulatorConfiguration { core.configuration }

    public init(configuration: EmulatorConfiguration, logger: Logger = Logger(label: "boxbridge.emulator")) throws {
        self.core = try EmulatorCore(configuration: configuration, logger: logger)
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await core.prepare()
            let app = Application(
                responder: EmulatorResponder(core: core),
                configuration: .init(address: .hostname(core.configuration.host, port: core.configuration.port),
                                     serverName: "boxbridge-emulator"),
                onServerRunning: { [weak self] channel in
                    self?.serverStarted(port: channel.localAddress?.port ?? 0)
                },
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                if core.groundTruth != nil {
                    group.addTask { [core] in
                        // In slices, so a large backlog never holds a cooperative thread for long.
                        while !Task.isCancelled {
                            if core.groundTruth?.catchUp(log: core.log, maxLines: 5_000) == true {
                                await Task.yield()
                            } else {
                                try? await Task.sleep(nanoseconds: 250_000_000)
                            }
                        }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
            core.flushGroundTruth()
            core.groundTruth?.close()
            finish(error: nil)
        } catch {
            finish(error: error)
            throw error
        }
    }

    /// The TCP port the server listens on, once it does (waits until then).
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
            let ready: Int?? = port.withLock { state in
                if let v = state.value { return .some(v) }
                if state.finished { return .some(nil) }
                state.waiters.append(c)
                return nil
            }
            switch ready {
            case .some(.some(let v)): c.resume(returning: v)
            case .some(.none): c.resume(throwing: EmulatorStartError(reason: "the emulator stopped before listening"))
            case .none: break
            }
        }
    }

    private func serverStarted(port value: Int) {
        let waiters = port.withLock { state -> [CheckedContinuation<Int, any Error>] in
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    private func finish(error: (any Error)?) {
        let waiters = port.withLock { state -> [CheckedContinuation<Int, any Error>] in
            state.finished = true
            defer { state.waiters = [] }
            return state.value == nil ? state.waiters : []
        }
        for w in waiters { w.resume(throwing: error ?? EmulatorStartError(reason: "the emulator stopped before listening")) }
    }

    /// Starts an emulator, runs `body` with it listening, then shuts it down (for tests).
    public static func withRunning<T: Sendable>(
        _ configuration: EmulatorConfiguration, logger: Logger = Logger(label: "boxbridge.emulator"),
        _ body: (RunningEmulator) async throws -> T
    ) async throws -> T {
        let server = try EmulatorServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        do {
            let port = try await server.boundPort()
            let result = try await body(RunningEmulator(server: server, port: port))
            await group.triggerGracefulShutdown()
            _ = await task.result
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw error
        }
    }
}

/// A listening emulator handed to `EmulatorServer.withRunning`'s body.
public struct RunningEmulator: Sendable {
    public let server: EmulatorServer
    public let port: Int
    public var core: EmulatorCore { server.core }
    /// `http://127.0.0.1:PORT` (API paths are `/2.0/…`, token at `/oauth2/token`).
    public var baseURL: String { "http://\(server.configuration.host == "0.0.0.0" ? "127.0.0.1" : server.configuration.host):\(port)" }
}
