import ArgumentParser
import BoxAPI
import BoxEmulator
import Foundation
import Logging

/// `boxbridge-bench backfill`: a large Box backlog read through the scheduler against the emulator,
/// beside a naive client that polls at a fixed interval and retries 429s like Box's SDKs.
///
/// The ceiling is what Box's limit allows: R calls a minute × 500 events a call. Issue 4's targets:
/// ratio ≥ 0.95 with 429s ≤ 0.1 % of calls when the configured limit is right; ratio ≥ 0.80 and
/// nothing lost when the configured limit is twice the real one.
struct BackfillBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Backfill a large backlog from the Box emulator at its rate limit; compare with a naive client.",
        discussion: """
            Each scenario starts a fresh in-process emulator with the backlog and the limit R \
            (calls per user per sliding minute), then reads admin_logs from position 0 to the end \
            with limit=500. Scenarios: 'right' (scheduler configured with R), 'double' (configured \
            with 2R), 'naive-right' and 'naive-double' (one call every 60/R or 30/R seconds, \
            Retry-After honoured, at most 5 attempts, no pacing or slowdown). The emulator's limit is \
            a sliding 60 s window that starts empty, so a run shorter than a few minutes can beat \
            the steady ceiling in its first minute: the ratio is above 1 when it does.
            """
    )

    @Option(help: "Events in the emulator's backlog.")
    var events = 1_000_000

    @Option(
        name: .customLong("rate"),
        help: "The emulator's real limit R, in calls per minute (Box's is 1,000; 1M events take 2,000 calls).")
    var rate = 1_000

    @Option(help: "Events per page (Box's maximum is 500).")
    var limit = 500

    @Option(help: "Safety margin of the scheduler's bucket (share of the configured limit left unused).")
    var safetyMargin = 0.02

    @Option(parsing: .upToNextOption, help: "Scenarios to run: right, double, naive-right, naive-double.")
    var scenarios: [String] = ["right", "double", "naive-right", "naive-double"]

    @Option(help: "Give up a scenario after this many seconds.")
    var maxSeconds = 600.0

    @Flag(help: "Print one JSON object per scenario instead of a table.")
    var json = false

    func validate() throws {
        let known: Set<String> = ["right", "double", "naive-right", "naive-double"]
        for scenario in scenarios where !known.contains(scenario) {
            throw ValidationError("unknown scenario '\(scenario)'; use \(known.sorted().joined(separator: ", "))")
        }
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1...500") }
        guard rate >= 1 else { throw ValidationError("--rate must be at least 1") }
    }

    struct Result: Codable {
        var scenario: String
        var configuredCallsPerMinute: Int
        var realCallsPerMinute: Int
        var events: Int
        var expectedEvents: Int
        var seconds: Double
        var eventsPerSecond: Double
        var calls: Int
        var rateLimited: Int
        var ceilingEventsPerSecond: Double
        var ratio: Double
        /// The ratio after the first minute, once the emulator's sliding window is full (nil for short runs).
        var steadyRatio: Double?
        var lost: Int
        var target: String
        var met: Bool
    }

    func run() async throws {
        var results: [Result] = []
        if !json {
            print("backfill: \(events) events, real limit R = \(rate) calls/min, limit=\(limit), ceiling = R × \(limit) = \(rate * limit) events/min")
            print("(the emulator's sliding 60 s window starts empty, so a run's first minute can beat the ceiling;")
            print(" 'steady' is the ratio after the first minute)")
            print(String(repeating: "-", count: 125))
            print(row(["scenario", "configured", "seconds", "events/s", "calls", "429s", "429 %", "ratio", "steady", "lost", "target"]))
        }
        for scenario in scenarios {
            let result = try await runScenario(scenario)
            results.append(result)
            if json {
                let data = try JSONEncoder().encode(result)
                print(String(decoding: data, as: UTF8.self))
            } else {
                let share = result.calls > 0 ? Double(result.rateLimited) / Double(result.calls) * 100 : 0
                let verdict = result.target.isEmpty ? "" : result.target + (result.met ? "  MET" : "  NOT MET")
                let cells: [String] = [
                    result.scenario, "\(result.configuredCallsPerMinute)", fmt(result.seconds, 1), fmt(result.eventsPerSecond, 0),
                    "\(result.calls)", "\(result.rateLimited)", fmt(share, 3), fmt(result.ratio, 3),
                    result.steadyRatio.map { fmt($0, 3) } ?? "-", "\(result.lost)", verdict,
                ]
                print(row(cells))
            }
        }
    }

    private func runScenario(_ scenario: String) async throws -> Result {
        var emulatorConfiguration = EmulatorConfiguration()
        emulatorConfiguration.backlogSize = events
        emulatorConfiguration.rateLimitPerMinute = rate
        emulatorConfiguration.users = 200
        var quiet = Logger(label: "bench.backfill")
        quiet.logLevel = .critical
        let naive = scenario.hasPrefix("naive")
        let configured = scenario.hasSuffix("double") ? 2 * rate : rate
        return try await EmulatorServer.withRunning(emulatorConfiguration, logger: quiet) { running in
            let credentials = BoxCredentials.clientCredentials(
                clientID: emulatorConfiguration.clientID, clientSecret: Secret(emulatorConfiguration.clientSecret),
                subject: .enterprise(emulatorConfiguration.enterpriseID))
            let schedulerConfiguration: SchedulerConfiguration
            if naive {
                // Box's SDKs: no pacing, no slowdown; Retry-After honoured, 5 attempts.
                schedulerConfiguration = SchedulerConfiguration(
                    callsPerMinute: 10_000_000, safetyMargin: 0, burstSeconds: 1, decreaseFactor: 0.999_999,
                    minimumRateFraction: 1, recoveryPerSecond: 0,
                    retry: RetryPolicy(maxRateLimitedRetries: 4))
            } else {
                schedulerConfiguration = SchedulerConfiguration(callsPerMinute: Double(configured), safetyMargin: safetyMargin)
            }
            let scheduler = RequestScheduler(credential: "bench", configuration: schedulerConfiguration, logger: quiet)
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: running.baseURL), credentials: credentials, scheduler: scheduler,
                requestTimeout: .seconds(30), logger: quiet)
            try await client.authenticate()

            let interval = Duration.secondsDouble(60 / Double(configured))
            let clock = ContinuousClock()
            let start = clock.now
            let deadline = start + .seconds(maxSeconds)
            var position = StreamPosition.beginning
            var received = 0
            var receivedAfterFirstMinute: Int?
            var cadence = PollCadence(idleInterval: .seconds(5), easeStart: .milliseconds(100))
            while received < events, clock.now < deadline {
                let callStart = clock.now
                if receivedAfterFirstMinute == nil, callStart - start >= .seconds(60) { receivedAfterFirstMinute = received }
                do {
                    let page = try await client.events(EventsQuery(streamType: .adminLogs, position: position, limit: limit))
                    received += page.entries.count
                    position = page.nextStreamPosition
                    if naive {
                        try await clock.sleep(until: callStart + interval)
                    } else {
                        let delay = cadence.record(count: page.entries.count, limit: limit)
                        if delay > .zero, received < events { try await Task.sleep(for: delay) }
                    }
                } catch let error as BoxAPIError where error.isRetryable {
                    // The SDK gave up after its attempts; a polling loop simply polls again.
                    if naive { try await clock.sleep(until: callStart + interval) }
                }
            }
            let seconds = (clock.now - start).secondsDouble
            let stats = await scheduler.stats()
            let perSecond = Double(received) / seconds
            let ceiling = Double(rate) * Double(limit) / 60
            let ratio = perSecond / ceiling
            var steady: Double?
            if let base = receivedAfterFirstMinute, seconds > 90 {
                steady = Double(received - base) / (seconds - 60) / ceiling
            }
            let share = stats.totalCalls > 0 ? Double(stats.rateLimited) / Double(stats.totalCalls) : 0
            let lost = max(0, events - received)
            var target = ""
            var met = false
            switch scenario {
            case "right":
                target = "ratio ≥ 0.95, 429s ≤ 0.1 %"
                met = ratio >= 0.95 && share <= 0.001 && lost == 0
            case "double":
                target = "ratio ≥ 0.80, nothing lost"
                met = ratio >= 0.80 && lost == 0
            default:
                break
            }
            return Result(
                scenario: scenario, configuredCallsPerMinute: configured, realCallsPerMinute: rate, events: received,
                expectedEvents: events, seconds: seconds, eventsPerSecond: perSecond, calls: stats.totalCalls,
                rateLimited: stats.rateLimited, ceilingEventsPerSecond: ceiling, ratio: ratio, steadyRatio: steady, lost: lost, target: target,
                met: met)
        }
    }
}

/// Column widths of the table, in the order of `row`'s cells.
private let columnWidths = [14, 11, 9, 10, 8, 7, 8, 7, 7, 6, 0]

private func row(_ cells: [String]) -> String {
    zip(cells, columnWidths).map { pad($0, $1) }.joined()
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

private func fmt(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

extension Duration {
    fileprivate static func secondsDouble(_ value: Double) -> Duration { .nanoseconds(Int64(value * 1e9)) }
    fileprivate var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
