import Foundation
import Testing
import ZeroMQ

/// The three transports every pattern is checked over.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc, ipc, tcp

    var testDescription: String { rawValue }

    /// A fresh endpoint to bind; tcp uses an ephemeral port (read the real one from `bind`).
    func endpoint() -> String {
        let unique = UUID().uuidString.prefix(8).lowercased()
        switch self {
        case .inproc: return "inproc://test-\(unique)"
        case .ipc: return "ipc://\(FileManager.default.temporaryDirectory.path)/zmqtest-\(unique).sock"
        case .tcp: return "tcp://127.0.0.1:*"
        }
    }

    /// Removes the ipc socket file, if any.
    func cleanUp(_ endpoint: String) {
        if self == .ipc { try? FileManager.default.removeItem(atPath: String(endpoint.dropFirst("ipc://".count))) }
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs blocking libzmq work on its own thread, so tests never block Swift's cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

extension Socket {
    /// Receives one message, waiting at most `timeout`; throws when none arrives.
    func receive(within timeout: Duration, _ what: String = "a message") throws -> Message {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let message = try receive(dontWait: true) { return message }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw TestTimeout(what: what) }
            _ = try wait(for: .readable, timeout: min(left, .milliseconds(50)))
        }
    }

    /// Receives everything already queued.
    func drain() throws -> [Message] {
        var messages: [Message] = []
        while let message = try receive(dontWait: true) { messages.append(message) }
        return messages
    }
}

/// Defeats PUB/SUB's slow-joiner race without a fixed sleep: publishes `probe` until the
/// subscriber gets one (proving its subscription reached the publisher), then drains probes.
func awaitSubscription(
    publisher: Socket, subscriber: Socket, probe: Message, timeout: Duration = .seconds(5)
) throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        try publisher.send(probe, dontWait: true)
        if !(try subscriber.wait(for: .readable, timeout: .milliseconds(10))).isEmpty {
            // Probes sent before the last one may still be in flight: drain until quiet.
            while (try? subscriber.receive(within: .milliseconds(50))) != nil {}
            return
        }
    }
    throw TestTimeout(what: "the subscription to reach the publisher")
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func eventually(
    _ what: String, timeout: Duration = .seconds(5), _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: what) }
        Thread.sleep(forTimeInterval: 0.005)
    }
}
