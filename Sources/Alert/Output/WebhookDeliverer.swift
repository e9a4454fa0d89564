import AsyncHTTPClient
public import BoxBridgeConfig
import Crypto
import BoxBridgeRuntime
import Foundation
public import Logging
import Metrics
import NIOCore
public import ServiceLifecycle

/// Posts alerts to the configured webhook off the stream's path.
///
/// `enqueue` only appends to a bounded queue persisted in `<state_path>/webhook-queue.json` and
/// returns; `run()` delivers in order, retrying a failing POST with `WebhookBackoff` up to
/// `maxAttempts`, so a slow or dead receiver never holds the subscriber. A restart resumes the
/// persisted queue. Each POST carries `X-Boxbridge-Alert-Id` (receivers deduplicate by it: a
/// crash right after a delivered POST repeats that one POST) and, with a secret,
/// `X-Boxbridge-Signature: sha256=<hex HMAC-SHA256 of the body>`.
public actor WebhookDeliverer: Service {
    public struct Options: Sendable {
        public var url: String
        public var secret: ConfigSecret?
        public var maxAttempts: Int
        public var timeout: Duration
        public var queueLimit: Int
        public var backoff: WebhookBackoff
        /// Where the queue persists.
        public var queuePath: String

        public init(
            url: String, secret: ConfigSecret? = nil, maxAttempts: Int = 5, timeout: Duration = .seconds(10),
            queueLimit: Int = 10_000, backoff: WebhookBackoff = .init(), queuePath: String
        ) {
            self.url = url
            self.secret = secret
            self.maxAttempts = max(1, maxAttempts)
            self.timeout = timeout
            self.queueLimit = queueLimit
            self.backoff = backoff
            self.queuePath = queuePath
        }

        /// From `[alert.outputs]`, nil when no webhook is configured.
        public init?(outputs: AlertOutputs, statePath: String) {
            guard let url = outputs.webhookURL else { return nil }
            self.init(
                url: url, secret: outputs.webhookSecret, maxAttempts: outputs.webhookMaxAttempts,
                timeout: outputs.webhookTimeout, queueLimit: outputs.webhookQueueLimit,
                queuePath: statePath + "/webhook-queue.json")
        }
    }

    public let options: Options
    private let logger: Logger
    private let jitter: @Sendable () -> Double
    private var queue: WebhookQueue
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    private let delivered = Counter(label: "boxbridge_alert_webhook_delivered_total")
    private let failedAttempts = Counter(label: "boxbridge_alert_webhook_failed_attempts_total")
    private let givenUp = Counter(label: "boxbridge_alert_webhook_given_up_total")
    private let droppedCounter = Counter(label: "boxbridge_alert_webhook_dropped_total")
    private let queueGauge = Gauge(label: "boxbridge_alert_webhook_queue")

    /// Loads the persisted queue (nothing is sent until `run()`).
    public init(options: Options, logger: Logger, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) throws {
        self.options = options
        self.logger = logger
        self.jitter = jitter
        if let data = try DurableFile.read(options.queuePath) {
            do {
                queue = try JSONDecoder().decode(WebhookQueue.self, from: data)
            } catch {
                throw AlertIOError(operation: "decode", path: options.queuePath, errno: 0, detail: "not a webhook queue: \(error)")
            }
            queue.limit = options.queueLimit
        } else {
            queue = WebhookQueue(limit: options.queueLimit)
        }
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        if queue.head != nil { wakeContinuation.yield() }
    }

    /// Queues alerts durably and returns at once; already queued or delivered ids are skipped.
    public func enqueue(_ alerts: [(id: String, json: String)]) throws {
        guard !alerts.isEmpty else { return }
        let before = queue
        let dropped = queue.enqueue(alerts)
        guard queue != before else { return }
        if dropped > 0 {
            droppedCounter.increment(by: dropped)
            logger.warning("webhook queue full: dropped the oldest alerts", metadata: ["alert.dropped": "\(dropped)", "alert.queue_limit": "\(queue.limit)"])
        }
        try persist()
        wakeContinuation.yield()
    }

    /// Alerts waiting for delivery.
    public var pending: Int { queue.items.count }
    /// Alerts dropped because the queue was full, since the queue file was created.
    public var dropped: UInt64 { queue.dropped }

    /// Delivers until cancelled or gracefully shut down; what is left stays queued on disk.
    public func run() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        await cancelWhenGracefulShutdown {
            await self.deliverLoop(http: http)
        }
        try? await http.shutdown()
    }

    private func deliverLoop(http: HTTPClient) async {
        var iterator = wake.makeAsyncIterator()
        while !Task.isCancelled {
            guard let item = queue.head else {
                if await iterator.next() == nil { return }
                continue
            }
            let outcome = await post(item, http: http)
            switch outcome {
            case .delivered:
                delivered.increment()
                queue.finishHead()
            case .failed(let reason):
                failedAttempts.increment()
                queue.failHead()
                let attempts = item.attempts + 1
                if attempts >= options.maxAttempts {
                    givenUp.increment()
                    logger.error(
                        "webhook gave up on an alert", metadata: [LogKey.alertID: "\(item.id)", LogKey.alertAttempts: "\(attempts)", LogKey.error: "\(reason)"])
                    queue.finishHead()
                } else {
                    let delay = options.backoff.delay(afterFailedAttempts: attempts, jitter: jitter())
                    logger.info(
                        "webhook delivery failed; retrying",
                        metadata: [LogKey.alertID: "\(item.id)", LogKey.alertAttempts: "\(attempts)", LogKey.retryDelay: "\(delay)", LogKey.error: "\(reason)"])
                    do { try persist() } catch { logger.error("could not persist the webhook queue", metadata: [LogKey.error: "\(error)"]) }
                    do { try await Task.sleep(for: delay) } catch { return }
                    continue
                }
            }
            do { try persist() } catch { logger.error("could not persist the webhook queue", metadata: [LogKey.error: "\(error)"]) }
        }
    }

    enum Outcome {
        case delivered
        case failed(String)
    }

    private func post(_ item: WebhookQueue.Item, http: HTTPClient) async -> Outcome {
        var request = HTTPClientRequest(url: options.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "boxbridge")
        request.headers.add(name: "x-boxbridge-alert-id", value: item.id)
        let body = Array(item.json.utf8)
        if let secret = options.secret {
            let key = SymmetricKey(data: Array(secret.reveal().utf8))
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
            request.headers.add(name: "x-boxbridge-signature", value: "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let nanos = options.timeout.components.seconds * 1_000_000_000 + options.timeout.components.attoseconds / 1_000_000_000
            let response = try await http.execute(request, timeout: .nanoseconds(nanos))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(Int(response.status.code)) else { return .failed("HTTP \(response.status.code)") }
            return .delivered
        } catch {
            return .failed("\(error)")
        }
    }

    private func persist() throws {
        queueGauge.record(queue.items.count)
        try DurableFile.write(try JSONEncoder().encode(queue), to: options.queuePath)
    }
}
