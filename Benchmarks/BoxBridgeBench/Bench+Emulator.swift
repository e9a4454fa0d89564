import ArgumentParser
import BoxEmulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// `boxbridge-bench emulator`: resident memory with a 1,000,000-event backlog and the latency of
/// 500-event pages over real HTTP (issue 3: under 500 MB, under 20 ms a page).
struct EmulatorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Measure the Box emulator: resident memory with a large backlog, 500-event page latency over HTTP.",
        discussion: "Targets: VmHWM under 500 MB with a 1,000,000-event backlog; p99 page latency under 20 ms."
    )

    @Option(help: "Events in the backlog.")
    var backlog = 1_000_000

    @Option(help: "Pages of 500 events to fetch (spread over the whole backlog, both stream types).")
    var pages = 400

    @Option(help: "Workload seed.")
    var seed: UInt64 = 42

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    static let memoryTargetMB = 500.0
    static let latencyTargetMs = 20.0

    func run() async throws {
        var config = EmulatorConfiguration()
        config.backlogSize = backlog
        config.seed = seed
        config.users = 2_000
        config.groups = 40
        config.rateLimitPerMinute = 10_000_000
        config.startTime = 1_790_000_000
        var logger = Logger(label: "bench.emulator")
        logger.logLevel = .error
        let pages = self.pages
        let backlog = self.backlog
        let result = try await EmulatorServer.withRunning(config, logger: logger) { emu -> (lat: [Double], bytes: Int, rssStart: Double) in
            let rssStart = EmulatorBench.memory("VmRSS")
            // In-process cost of building one 500-event page (no HTTP), to tell server from transport time.
            var build: [Double] = []
            for i in 0..<50 {
                let start = ContinuousClock.now
                let page = emu.core.pager.page(.init(stream: .adminLogs, start: .index(UInt64(i * 9_973 * 50 % max(1, backlog - 500))),
                                                     limit: 500, eventTypes: nil), log: emu.core.log)
                var n = 0
                for index in page.indices { n += emu.core.log.event(index).bytes.count }
                let d = ContinuousClock.now - start
                build.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3)
                precondition(n > 0)
            }
            build.sort()
            print(String(format: "  in-process page build: p50 %.2f ms, max %.2f ms", build[25], build[49]))
            let session = URLSession(configuration: .ephemeral)
            var tokenRequest = URLRequest(url: URL(string: emu.baseURL + "/oauth2/token")!)
            tokenRequest.httpMethod = "POST"
            tokenRequest.httpBody = Data("grant_type=client_credentials&client_id=emulator-client-id&client_secret=emulator-client-secret&box_subject_type=enterprise&box_subject_id=1234567".utf8)
            let (tokenData, _) = try await session.data(for: tokenRequest)
            let token = (try JSONSerialization.jsonObject(with: tokenData) as? [String: Any])?["access_token"] as? String ?? ""
            var latencies: [Double] = []
            var bytes = 0
            for i in 0..<(pages + 10) {
                // Positions spread over the backlog: every page is generated, nothing is cached.
                let index = UInt64((i * 7_919 * 500) % max(1, backlog - 500))
                let stream = i % 2 == 0 ? "admin_logs" : "admin_logs_streaming"
                let position = i % 2 == 0 ? EventLog.position(ofIndex: index)
                    : EventLog.position(ofIndex: UInt64(backlog) - UInt64(500 + (i * 500) % min(backlog, 200_000)))
                var request = URLRequest(url: URL(string: emu.baseURL + "/2.0/events?stream_type=\(stream)&limit=500&stream_position=\(position)")!)
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                let start = ContinuousClock.now
                let (data, response) = try await session.data(for: request)
                let elapsed = ContinuousClock.now - start
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw ValidationError("page \(i) failed: \(String(decoding: data.prefix(300), as: UTF8.self))")
                }
                if i >= 10 {  // warm-up excluded
                    latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
                    bytes += data.count
                }
            }
            return (latencies, bytes, rssStart)
        }
        let sorted = result.lat.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        let hwm = EmulatorBench.memory("VmHWM")
        let rss = EmulatorBench.memory("VmRSS")
        let p50 = pct(0.5), p99 = pct(0.99)
        if json {
            print("{\"bench\":\"emulator\",\"backlog\":\(backlog),\"pages\":\(sorted.count),\"vmrss_mb\":\(rss),\"vmhwm_mb\":\(hwm),\"page_p50_ms\":\(p50),\"page_p99_ms\":\(p99),\"avg_page_bytes\":\(sorted.isEmpty ? 0 : result.bytes / sorted.count),\"memory_target_mb\":\(EmulatorBench.memoryTargetMB),\"latency_target_ms\":\(EmulatorBench.latencyTargetMs)}")
        } else {
            print("emulator: backlog \(backlog) events, \(sorted.count) pages of 500 over HTTP (avg \(sorted.isEmpty ? 0 : result.bytes / sorted.count) bytes)")
            print(String(format: "  resident memory: VmRSS %.1f MB at start, %.1f MB now, VmHWM %.1f MB   (target < %.0f MB) %@",
                         result.rssStart, rss, hwm, EmulatorBench.memoryTargetMB, hwm < EmulatorBench.memoryTargetMB ? "OK" : "MISSED"))
            print(String(format: "  page latency: p50 %.2f ms, p99 %.2f ms   (target < %.0f ms) %@",
                         p50, p99, EmulatorBench.latencyTargetMs, p99 < EmulatorBench.latencyTargetMs ? "OK" : "MISSED"))
        }
    }

    /// A /proc/self/status figure in MB (0 where /proc is missing).
    static func memory(_ key: String) -> Double {
        Double(ProcessMemory.bytes(key)) / 1_048_576
    }
}
