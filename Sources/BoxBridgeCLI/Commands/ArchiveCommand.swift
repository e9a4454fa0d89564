import Archive
import ArgumentParser
import BoxBridgeConfig
import BoxBridgeRuntime
import BusClient
import Foundation
import Logging
import ServiceLifecycle

/// `boxbridge archive`: the tamper-evident archive subscriber and the tools that inspect it.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Run the tamper-evident archive subscriber; `archive verify` and `archive export` inspect it.",
        discussion: """
            The archive keeps every envelope of the bus (box/: file events, and quarantined events \
            with their raw bodies; ops/: health; alerts/: raised alerts), normalized and with its raw \
            Box JSON, in per-connection, per-UTC-day gzip segments \
            (<path>/<connection>/<YYYY-MM-DD>/segment-<n>.jsonl.gz). Each sealed segment's SHA-256 \
            is chained to the previous one in <connection>/MANIFEST.jsonl.
            """,
        subcommands: [ArchiveRunCommand.self, ArchiveVerifyCommand.self, ArchiveExportCommand.self],
        defaultSubcommand: ArchiveRunCommand.self
    )
}

/// `boxbridge archive run`: the subscriber process.
struct ArchiveRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Archive every event from the broker until SIGTERM/SIGINT.",
        discussion: """
            Reads [archive] (path, compression_level, retention_days), [broker] endpoints, [security] \
            CURVE keys, [logging] and [metrics] (archive_port) from bridge.conf. The archive resumes \
            where its own files say it stopped: each batch is fsynced together with its position, so \
            a kill -9 loses and doubles nothing, and sealed segments come out byte for byte as in an \
            uninterrupted run. Retention by age runs at start and hourly. SIGTERM/SIGINT stop it \
            gracefully (what was received is committed first).
            """
    )

    @Option(help: "bridge.conf to read (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(help: "Archive folder (overrides [archive] path).")
    var path: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides [logging] level).")
    var logLevel: String?

    @Option(help: "Port of the /metrics and /healthz endpoint (overrides [metrics] archive_port; 0 = any free port).")
    var metricsPort: Int?

    @Option(help: "Seal a segment once its uncompressed lines reach this many bytes (default 64 MiB).")
    var segmentBytes: Int?

    func run() async throws {
        var loaded: BridgeConfig?
        if FileManager.default.fileExists(atPath: config) {
            do {
                loaded = try BridgeConfig.load(path: config)
            } catch {
                FileOutput.standardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
        }
        let bridge = loaded ?? BridgeConfig()
        ProcessPlumbing.bootstrapLogging(loaded, levelOverride: logLevel)
        let logger = Logger(label: "boxbridge.archive")
        let metrics = ProcessPlumbing.metricsEndpoint(loaded, port: \.archivePort, portOverride: metricsPort, logger: logger)
        let client = try BusClient(endpoints: BusEndpoints(config: bridge))
        var sink = ArchiveSinkOptions(
            root: path ?? bridge.archive.path, compressionLevel: Int32(bridge.archive.compressionLevel),
            retentionDays: bridge.archive.retentionDays)
        if let segmentBytes { sink.maxSegmentBytes = max(1, segmentBytes) }
        let service = ArchiveService(sink: sink, client: client, logger: logger)
        FileOutput.standardError.write("archive: writing to \(sink.root)\n")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)]
                    + (metrics.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileOutput.standardError.write("error: archive stopped: \(error)\n")
            await client.close()
            throw ExitCode(1)
        }
        await client.close()
    }
}

/// `boxbridge archive verify DIR`: the whole chain, every segment.
struct ArchiveVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the archive's SHA-256 chain and every sealed segment; name the first bad one.",
        discussion: """
            DIR is the archive folder (every connection under it is verified) or one connection's \
            folder (holding MANIFEST.jsonl). Checks each manifest line's chain, each segment's size, \
            SHA-256 and contents, and that no segment is missing (unless retention recorded it) or \
            unlisted. Exit status: 0 all valid, 1 a problem was found, 2 no archive at DIR.
            """
    )

    @Argument(help: "The archive folder, or one connection's folder.")
    var directory: String

    @Flag(help: "Print one JSON object per connection instead of text.")
    var json = false

    func run() async throws {
        let results: [ArchiveVerification]
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("MANIFEST.jsonl").path) {
            results = [ArchiveVerifier.verify(root: url.deletingLastPathComponent().path, connection: url.lastPathComponent)]
        } else {
            results = ArchiveVerifier.verifyAll(root: url.path)
        }
        guard !results.isEmpty else {
            FileOutput.standardError.write("error: no archive at \(directory) (no <connection>/MANIFEST.jsonl under it)\n")
            throw ExitCode(2)
        }
        for result in results {
            if json {
                var object: [String: Any] = [
                    "connection": result.connection, "valid": result.isValid, "segments_verified": result.segmentsVerified,
                    "events_verified": result.eventsVerified, "segments_removed_by_retention": result.segmentsRemovedByRetention,
                    "manifest_entries": result.manifestEntries,
                ]
                if let bad = result.firstBad { object["first_bad"] = ["path": bad.path, "reason": bad.reason] }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                FileOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
            } else if let bad = result.firstBad {
                FileOutput.standardOutput.write("\(result.connection): FAILED at \(bad.path): \(bad.reason)\n")
            } else {
                FileOutput.standardOutput.write(
                    "\(result.connection): OK, \(result.segmentsVerified) segments, \(result.eventsVerified) events"
                        + (result.segmentsRemovedByRetention > 0 ? ", \(result.segmentsRemovedByRetention) removed by retention" : "")
                        + "\n")
            }
        }
        if results.contains(where: { !$0.isValid }) { throw ExitCode(1) }
    }
}

/// `boxbridge archive export`: archived events in a time range as JSON lines.
struct ArchiveExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print archived events whose event time is in [--from, --to) as JSON lines.",
        discussion: """
            Times are RFC 3339 (2025-11-21T08:00:00Z, 2025-11-21T09:00:00+01:00) or a UTC day \
            (2025-11-21 = its midnight). SOURCE is the archive folder or a bridge.conf to take \
            [archive] path from (default: --config). Each line holds time, topic, sequence, the \
            normalized event and the raw Box JSON; lines come per connection (sorted), in archive order.
            """
    )

    @Option(help: "Start of the range, inclusive.")
    var from: String

    @Option(help: "End of the range, exclusive.")
    var to: String

    @Option(help: "Only this connection (default: every connection).")
    var connection: String?

    @Option(help: "bridge.conf to take the archive folder from when SOURCE is not given.")
    var config = BridgeConfig.defaultPath

    @Argument(help: "The archive folder or a bridge.conf.")
    var source: String?

    func run() async throws {
        guard let start = Self.parseTime(from) else { throw ValidationError("--from: '\(from)' is not an RFC 3339 time or a YYYY-MM-DD day") }
        guard let end = Self.parseTime(to) else { throw ValidationError("--to: '\(to)' is not an RFC 3339 time or a YYYY-MM-DD day") }
        let root = try archiveRoot()
        let connections: [String]
        if let connection {
            connections = [connection]
        } else {
            connections = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted().filter {
                FileManager.default.fileExists(atPath: root + "/" + $0 + "/MANIFEST.jsonl")
                    || FileManager.default.fileExists(atPath: root + "/" + $0 + "/OPEN-SEGMENT.json")
            }
        }
        let exporter = ArchiveExporter(root: root)
        var pending = Data()
        do {
            for name in connections {
                try exporter.export(from: start, to: end, connection: name) { line in
                    pending.append(line)
                    pending.append(UInt8(ascii: "\n"))
                    if pending.count >= 1 << 16 {
                        FileOutput.standardOutput.write(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
        } catch {
            FileOutput.standardOutput.write(String(decoding: pending, as: UTF8.self))
            FileOutput.standardError.write("error: \(error)\n")
            throw ExitCode(1)
        }
        FileOutput.standardOutput.write(String(decoding: pending, as: UTF8.self))
    }

    private func archiveRoot() throws -> String {
        let path = source ?? config
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
        guard FileManager.default.fileExists(atPath: path) else {
            FileOutput.standardError.write("error: \(path): no such archive folder or bridge.conf\n")
            throw ExitCode(2)
        }
        do {
            return try BridgeConfig.load(path: path).archive.path
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
    }

    /// RFC 3339 with or without fractional seconds, or a bare UTC day.
    static func parseTime(_ text: String) -> Date? {
        if text.count == 10, let days = UTCTime.daysSinceEpoch(of: text) {
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400))
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
