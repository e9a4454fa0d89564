public import BoxBridgeConfig
public import BusClient
import Foundation
public import Logging
public import ServiceLifecycle
public import Subscriber

/// Builds the `boxbridge alert` process, shared by the CLI and the tests: a `SubscriberRunner`
/// on `box/` and `ops/` driving an `AlertSink`, plus the webhook deliverer when one is configured.
public struct AlertProcess: Sendable {
    /// The subscriber id the broker sees (progress, lag).
    public static let subscriberName = "alert"
    /// File events of every connection, and collector health (the service-account health alert).
    public static let topicPrefixes = ["box/", "ops/"]

    public let sink: AlertSink
    public let webhook: WebhookDeliverer?
    public let runner: SubscriberRunner

    /// Every long-running part, for one `ServiceGroup`. The webhook comes first: a group shuts
    /// down in reverse order, so the runner applies its last batch while the webhook still runs.
    public var services: [any Service] { (webhook.map { [$0] } ?? []) + [runner] }

    /// - Parameter stdout: receives the JSON lines of `[alert.outputs] stdout` (the CLI's writer).
    public init(
        config: BridgeConfig, client: BusClient, subscriberOptions: SubscriberOptions = .init(),
        webhookBackoff: WebhookBackoff = .init(), stdout: @escaping @Sendable (String) -> Void, logger: Logger
    ) throws {
        let section = config.alert
        try DurableFile.createDirectory(section.statePath)
        var webhookOptions = WebhookDeliverer.Options(outputs: section.outputs, statePath: section.statePath)
        webhookOptions?.backoff = webhookBackoff
        webhook = try webhookOptions.map { try WebhookDeliverer(options: $0, logger: logger) }
        sink = AlertSink(
            ruleSet: AlertRuleSet(section: section), options: .init(section: section),
            client: section.outputs.bus ? client : nil, webhook: webhook, stdout: stdout, logger: logger)
        runner = SubscriberRunner(
            name: Self.subscriberName, topicPrefixes: Self.topicPrefixes, client: client, sink: sink,
            options: subscriberOptions, logger: logger)
    }
}
