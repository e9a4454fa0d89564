import ArgumentParser
import BoxBridgeConfig
import BoxBridgeProtocol
import Foundation
import Index

/// `boxbridge search`: the forensic index, filtered, newest first.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the forensic index by connection, actor, file, category, exposure, time and more.",
        discussion: """
            Reads the index `boxbridge index` writes ([index] path of --config, or --db). Every filter
            given must hold; results come newest first (by the Box event time), at most --limit.

            Text: --file-name searches file names, --text names and paths. Every word must occur, as
            a word prefix, case- and accent-insensitively; names are Unicode-normalized (NFC) on both
            sides, so a name Box sent decomposed (NFD) matches a query typed composed, and back.

            Times are stored in UTC. --since and --until take ISO 8601 with any offset
            (2026-11-21T12:00:00+02:00, ...Z, fractions allowed; no offset means UTC) or a date
            (2026-11-21, midnight UTC). --since is inclusive; --until TIME is inclusive, --until DATE
            includes that whole UTC day.

            Output: a table (UTC times); --json prints one FileEvent per line in the protocol's JSON
            mapping (protocol/events.proto; raw Box JSON bodies are in the archive, not the index);
            --csv a forensic export: header row, RFC 4180 quoting, CRLF, UTC ISO 8601 times with
            microseconds, values exactly as indexed. Use --limit 0 to export everything.
            """
    )

    @Option(help: "bridge.conf whose [index] path to read (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(help: "The index database (overrides --config).")
    var db: String?

    @Option(help: "Only this connection (repeatable: any of them).")
    var connection: [String] = []

    @Option(help: "The actor's login (case-insensitive) or Box user id.")
    var actor: String?

    @Option(help: "Words in the file name.")
    var fileName: String?

    @Option(help: "Words in the file name or path.")
    var text: String?

    @Option(help: "The Box file (or folder) id.")
    var fileId: String?

    @Option(help: "The file's SHA-1 (case-insensitive).")
    var sha1: String?

    @Option(help: "A Box event id (any id of a coalesced event).")
    var eventId: String?

    @Option(help: "A category (repeatable): \(Boxbridge_V1_Category.all.map(\.topicName).joined(separator: ", ")).")
    var category: [String] = []

    @Option(help: "Exposure after the event (repeatable): external, public-link or internal.")
    var exposure: [String] = []

    @Option(help: "Classification label of the file (or of the Shield event), case-insensitive.")
    var classification: String?

    @Option(help: "Shield control mode: enforced or monitoring.")
    var controlMode: String?

    @Option(help: "Events at or after this time (ISO 8601 with offset, or a date).")
    var since: String?

    @Option(help: "Events at or before this time, or through this whole UTC date.")
    var until: String?

    @Option(help: "At most this many results, newest first; 0 = all.")
    var limit = 100

    @Flag(help: "One FileEvent per line in the protocol's JSON mapping.")
    var json = false

    @Flag(help: "A forensic CSV export with a header row (RFC 4180).")
    var csv = false

    @Flag(help: "Print SQLite's query plan instead of results (which indexes a search uses).")
    var explain = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv are exclusive: pick one output format") }
        if limit < 0 { throw ValidationError("--limit must be 0 (all) or more, not \(limit)") }
        _ = try query()
    }

    /// The filters as a query; a bad value is a ValidationError naming its flag.
    func query() throws -> SearchQuery {
        var query = SearchQuery()
        query.connections = connection
        query.actor = nonEmpty(actor, "--actor")
        query.fileName = fileName
        query.text = text
        query.fileID = nonEmpty(fileId, "--file-id")
        query.sha1 = nonEmpty(sha1, "--sha1")
        query.eventID = nonEmpty(eventId, "--event-id")
        query.classification = nonEmpty(classification, "--classification")
        for name in category {
            guard let value = Boxbridge_V1_Category(topicName: name.lowercased()) else {
                throw ValidationError(
                    "--category: unknown category \"\(name)\"; use one of \(Boxbridge_V1_Category.all.map(\.topicName).joined(separator: ", "))")
            }
            query.categories.append(value)
        }
        for name in exposure {
            let value = name.lowercased() == "public" ? "public-link" : name.lowercased()
            guard IndexNames.exposures.contains(value) else {
                throw ValidationError("--exposure: unknown exposure \"\(name)\"; use one of \(IndexNames.exposures.joined(separator: ", "))")
            }
            query.exposures.append(value)
        }
        if let controlMode {
            guard IndexNames.controlModes.contains(controlMode.lowercased()) else {
                throw ValidationError("--control-mode: unknown mode \"\(controlMode)\"; use enforced or monitoring")
            }
            query.controlMode = controlMode.lowercased()
        }
        if let since { query.since = try time(since, flag: "--since").microseconds }
        if let until {
            let parsed = try time(until, flag: "--until")
            query.before = parsed.microseconds + (parsed.isDateOnly ? 86_400_000_000 : 1)
        }
        if let start = query.since, let end = query.before, start >= end {
            throw ValidationError("--since \(since ?? "") is after --until \(until ?? ""): nothing can match")
        }
        for (flag, value) in [("--file-name", fileName), ("--text", text)] {
            if let value, !value.unicodeScalars.contains(where: { CharacterSet.alphanumerics.contains($0) }) {
                throw ValidationError("\(flag): \"\(value)\" has no letters or digits to search for")
            }
        }
        query.limit = limit == 0 ? nil : limit
        return query
    }

    private func nonEmpty(_ value: String?, _ flag: String) -> String? {
        guard let value else { return nil }
        return value.isEmpty ? nil : value
    }

    private func time(_ text: String, flag: String) throws -> UTCTime.Parsed {
        guard let parsed = UTCTime.parse(text) else {
            throw ValidationError(
                "\(flag): \"\(text)\" is not an ISO 8601 time or date (e.g. 2026-11-21, 2026-11-21T10:00:00Z, 2026-11-21T12:00+02:00)")
        }
        return parsed
    }

    func run() async throws {
        var path = db
        if path == nil {
            if FileManager.default.fileExists(atPath: config) {
                do {
                    path = try BridgeConfig.load(path: config).index.path
                } catch {
                    FileOutput.standardError.write("error: \(error)\n")
                    throw ExitCode(2)
                }
            } else {
                path = BridgeConfig().index.path
            }
        }
        let query = try query()
        do {
            let store = try IndexStore.openForSearch(path: path!)
            if query.usesFullText, !explain {
                let backlog = try store.fullTextBacklog()
                if backlog > 0 {
                    FileOutput.standardError.write(
                        "note: the full-text index is \(backlog) events behind the index (`boxbridge index` is catching up); "
                            + "text and key filters do not see those events yet\n")
                }
            }
            try Self.write(store: store, query: query, format: explain ? .explain : csv ? .csv : json ? .json : .table)
        } catch {
            FileOutput.standardError.write("error: \(error)\n")
            if let error = error as? IndexError, case .badFilter = error.kind { throw ExitCode(2) }
            throw ExitCode(1)
        }
    }
}

extension SearchCommand {
    enum Format { case table, json, csv, explain }

    /// Prints the results of `query` in `format`, streaming (JSON lines, CSV) in 64 KiB writes.
    static func write(store: IndexStore, query: SearchQuery, format: Format) throws {
        let output = FileOutput.standardOutput
        var buffer = ""
        func flush(_ force: Bool = false) {
            if force || buffer.utf8.count > 64 << 10 {
                output.write(buffer)
                buffer = ""
            }
        }
        switch format {
        case .explain:
            output.write(try store.explain(query).joined(separator: "\n") + "\n")
        case .csv:
            buffer = IndexHit.csvHeader
            try store.search(query) { hit in
                buffer += hit.csvRecord
                flush()
            }
            flush(true)
        case .json:
            try store.search(query) { hit in
                buffer += try hit.jsonLine() + "\n"
                flush()
            }
            flush(true)
        case .table:
            // One more than asked tells whether to say there is more.
            var probe = query
            if let limit = query.limit { probe.limit = limit + 1 }
            var hits = try store.search(probe)
            let more = query.limit.map { hits.count > $0 } ?? false
            if more { hits.removeLast() }
            if hits.isEmpty {
                output.write("no matching events\n")
                return
            }
            output.write(renderTable(IndexHit.tableColumns, hits.map(\.tableCells)))
            if more {
                FileOutput.standardError.write("(showing the newest \(hits.count); more match: raise --limit, 0 = all)\n")
            }
        }
    }
}
