import BoxBridgeConfig
import BoxBridgeProtocol
import Crypto
import Foundation
import Hummingbird
import Logging
import Subscriber
import Synchronization
import TestSupport
import Testing

@testable import Alert

/// A webhook receiver on a real loopback port: fails the first `failures` POSTs with 503, holds
/// the first one until released, and records what it got.
final class Receiver: Sendable {
    struct Request: Sendable {
        var body: String
        var alertID: String?
        var signature: String?
    }

    let failures: Int
    private let state = Mutex<(requests: [Request], port: Int?)>(([], nil))
    private let gate: AsyncStream<Void>
    private let release: AsyncStream<Void>.Continuation

    init(failures: Int) {
        self.failures = failures
        (gate, release) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var requests: [Request] { state.withLock { $0.requests } }
    var port: Int? { state.withLock { $0.port } }
    func open() { release.yield() }

    func run() async throws {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let index = self.state.withLock { state -> Int in
                state.requests.append(.init(
                    body: String(buffer: body), alertID: request.headers[.init("x-boxbridge-alert-id")!],
                    signature: request.headers[.init("x-boxbridge-signature")!]))
                return state.requests.count
            }
            if index == 1 {
                var iterator = self.gate.makeAsyncIterator()
                _ = await iterator.next()
            }
            return Response(status: index <= self.failures ? .serviceUnavailable : .ok)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.state.withLock { $0.port = channel.localAddress?.port } },
            logger: quietLogger)
        try await app.runService()
    }
}

@Suite("Webhook", .timeLimit(.minutes(1)))
struct WebhookTests {
    @Test("backoff doubles per failure, half fixed and half jitter, capped")
    func backoffTable() {
        let backoff = WebhookBackoff(base: .milliseconds(500), cap: .seconds(60))
        #expect(backoff.delay(afterFailedAttempts: 1, jitter: 0) == .milliseconds(250))
        #expect(backoff.delay(afterFailedAttempts: 1, jitter: 1) == .milliseconds(500))
        #expect(backoff.delay(afterFailedAttempts: 3, jitter: 0) == .seconds(1))
        #expect(backoff.delay(afterFailedAttempts: 3, jitter: 1) == .seconds(2))
        #expect(backoff.delay(afterFailedAttempts: 20, jitter: 1) == .seconds(60))
        #expect(backoff.delay(afterFailedAttempts: 20, jitter: 0) == .seconds(30))
    }

    @Test("the queue is bounded (oldest dropped, counted) and skips ids already queued or delivered")
    func queueBoundsAndDedupe() {
        var queue = WebhookQueue(limit: 2)
        queue.enqueue([(id: "a", json: "{}"), (id: "b", json: "{}")])
        queue.enqueue([(id: "a", json: "{}")])
        #expect(queue.items.map(\.id) == ["a", "b"])
        queue.finishHead()
        queue.enqueue([(id: "a", json: "{}")])
        #expect(queue.items.map(\.id) == ["b"], "a delivered id is not posted again")
        #expect(queue.enqueue([(id: "c", json: "{}"), (id: "d", json: "{}")]) == 1)
        #expect(queue.items.map(\.id) == ["c", "d"])
        #expect(queue.dropped == 1)
    }

    @Test("a failing webhook is retried with backoff until it succeeds, and never holds the stream")
    func retriesWithoutHoldingTheStream() async throws {
        let receiver = Receiver(failures: 2)
        let server = Task { try await receiver.run() }
        defer { server.cancel() }
        #expect(await eventually { receiver.port != nil })
        let port = try #require(receiver.port)

        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let secret = ConfigSecret("s3cret")
        let deliverer = try WebhookDeliverer(
            options: .init(
                url: "http://127.0.0.1:\(port)/hook", secret: secret, maxAttempts: 5, timeout: .seconds(10),
                backoff: .init(base: .milliseconds(20), cap: .milliseconds(100)), queuePath: directory.path + "/webhook-queue.json"),
            logger: quietLogger, jitter: { 0.5 })
        let delivery = Task { try await deliverer.run() }
        defer { delivery.cancel() }
        let sink = AlertSink(
            ruleSet: AlertRuleSet(section: AlertSection()), options: .init(statePath: directory.path + "/state"),
            client: nil, webhook: deliverer, logger: quietLogger)
        _ = try await sink.loadCursors()

        // The first POST hangs in the receiver; the stream keeps flowing meanwhile.
        try await sink.apply(SubscriberBatch(
            envelopes: [envelope(event("e1", .sharedLink, exposure: .public, linkAccess: .open))],
            nextCursors: ["box/acme/shared-link": 2]))
        #expect(await eventually { receiver.requests.count == 1 })
        for index in 2...20 {
            try await sink.apply(SubscriberBatch(
                envelopes: [envelope(event("n\(index)", .created), sequence: UInt64(index))],
                nextCursors: ["box/acme/created": UInt64(index + 1)]))
        }
        #expect(await sink.cursors["box/acme/created"] == 21, "batches were applied while the webhook was stuck")
        #expect(receiver.requests.count == 1)
        #expect(await deliverer.pending == 1)

        receiver.open()
        #expect(await eventually { await deliverer.pending == 0 })
        let requests = receiver.requests
        #expect(requests.count == 3, "503, 503, then 200")
        let ids = Set(requests.compactMap(\.alertID))
        #expect(ids.count == 1)
        let body = try #require(requests.last?.body)
        #expect(body.hasPrefix("{\"id\":\"\(ids.first!)\""))
        #expect(body.contains("\"rule\":\"public-link-created\""))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array("s3cret".utf8)))
        #expect(requests.last?.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
    }

    @Test("queued deliveries survive a restart of the deliverer")
    func queuePersists() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let options = WebhookDeliverer.Options(url: "http://127.0.0.1:9/hook", queuePath: directory.path + "/q.json")
        let first = try WebhookDeliverer(options: options, logger: quietLogger)
        try await first.enqueue([(id: "x1", json: "{\"id\":\"x1\"}"), (id: "x2", json: "{\"id\":\"x2\"}")])
        let second = try WebhookDeliverer(options: options, logger: quietLogger)
        #expect(await second.pending == 2)
    }
}
