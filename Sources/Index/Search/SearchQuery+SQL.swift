import Foundation
import GRDB

/// An FTS5 MATCH expression from user words: each word a quoted prefix phrase, all required.
enum FullTextQuery {
    /// `name : "quarterly"* AND name : "report"*`, or nil when no word has a letter or digit.
    static func expression(_ text: String, column: String?) -> String? {
        let words = nfc(text)
            .split(whereSeparator: { $0.isWhitespace })
            .filter { $0.unicodeScalars.contains { CharacterSet.alphanumerics.contains($0) } }
        guard !words.isEmpty else { return nil }
        return words.map { word in
            let phrase = "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"*"
            return column.map { "\($0) : \(phrase)" } ?? phrase
        }.joined(separator: " AND ")
    }
}

extension SearchQuery {
    /// The WHERE and ORDER BY clauses and their arguments.
    ///
    /// With a full-text or exact-key term, the FTS5 tables give a short list of candidate rows
    /// and the other terms are checked on those (`+column` keeps SQLite from walking a B-tree
    /// index instead: for an actor's week that would mean scanning everyone's week). Without
    /// one, the (filter, occurred_at) indexes are read newest first and stop at the limit.
    func clauses() throws(IndexError) -> (sql: String, arguments: StatementArguments) {
        var keyMatch: [String] = []
        var textMatch: [String] = []
        func phrase(_ value: String, flag: String) throws(IndexError) -> String {
            guard value.unicodeScalars.contains(where: { CharacterSet.alphanumerics.contains($0) }) else {
                throw IndexError(.badFilter(flag: flag), message: "\"\(value)\" has no letters or digits to look up")
            }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        if let actor { keyMatch.append("actor : " + (try phrase(actor, flag: "--actor"))) }
        if let fileID { keyMatch.append("file : " + (try phrase(fileID, flag: "--file-id"))) }
        if let sha1 { keyMatch.append("sha1 : " + (try phrase(sha1, flag: "--sha1"))) }
        if let eventID { keyMatch.append("ids : " + (try phrase(eventID, flag: "--event-id"))) }
        if let fileName {
            guard let expression = FullTextQuery.expression(fileName, column: "name") else {
                throw IndexError(.badFilter(flag: "--file-name"), message: "\"\(fileName)\" has no letters or digits to search for")
            }
            textMatch.append(expression)
        }
        if let text {
            guard let expression = FullTextQuery.expression(text, column: nil) else {
                throw IndexError(.badFilter(flag: "--text"), message: "\"\(text)\" has no letters or digits to search for")
            }
            textMatch.append(expression)
        }
        let candidates = !keyMatch.isEmpty || !textMatch.isEmpty
        let c = candidates ? "+" : ""

        var terms: [String] = []
        var arguments = StatementArguments()
        func any(_ column: String, _ values: [String], collate: String = "") {
            if values.count == 1 {
                terms.append("\(c)\(column) = ?\(collate)")
            } else {
                terms.append("\(c)\(column)\(collate) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
            }
            arguments += StatementArguments(values)
        }
        if !keyMatch.isEmpty {
            terms.append("id IN (SELECT rowid FROM fulltext.file_events_keys WHERE file_events_keys MATCH ?)")
            arguments += [keyMatch.joined(separator: " AND ")]
        }
        if !textMatch.isEmpty {
            terms.append("id IN (SELECT rowid FROM fulltext.file_events_fts WHERE file_events_fts MATCH ?)")
            arguments += [textMatch.joined(separator: " AND ")]
        }
        // The keys table folds case and splits on unusual punctuation: confirm exactly.
        if let actor {
            terms.append("(+actor_id = ? OR +actor_login = ? COLLATE NOCASE)")
            arguments += [actor, actor]
        }
        if let fileID { any("file_id", [fileID]) }
        if let sha1 { any("sha1", [sha1.lowercased()]) }
        if let eventID {
            terms.append("instr(' ' || event_ids || ' ', ' ' || ? || ' ') > 0")
            arguments += [eventID]
        }
        if !connections.isEmpty { any("connection", connections) }
        if !categories.isEmpty { any("category", categories.map(\.topicName)) }
        if !exposures.isEmpty { any("exposure", exposures) }
        if let classification { any("classification", [classification], collate: " COLLATE NOCASE") }
        if let controlMode { any("control_mode", [controlMode]) }
        if let since {
            terms.append("\(c)occurred_at >= ?")
            arguments += [since]
        }
        if let before {
            terms.append("\(c)occurred_at < ?")
            arguments += [before]
        }
        let whereSQL = terms.isEmpty ? "" : "WHERE " + terms.joined(separator: " AND ")
        return ("\(whereSQL) ORDER BY \(c)occurred_at DESC, \(c)id DESC", arguments)
    }

    /// Whether a term needs the full-text database (text, file name or an exact key).
    public var usesFullText: Bool { fileName != nil || text != nil || actor != nil || fileID != nil || sha1 != nil || eventID != nil }

    /// Whether only full-text terms and a time range filter: then the newest hits can be chosen
    /// from the (id, occurred_at) index alone, before any table row is read.
    var isTextAndTimeOnly: Bool {
        (fileName != nil || text != nil) && actor == nil && fileID == nil && sha1 == nil && eventID == nil
            && connections.isEmpty && categories.isEmpty && exposures.isEmpty && classification == nil && controlMode == nil
    }

    /// The SELECT for this query (newest first).
    func selectSQL() throws(IndexError) -> (sql: String, arguments: StatementArguments) {
        let (clauses, arguments) = try clauses()
        let columns = "topic, sequence, occurred_at, payload"
        if isTextAndTimeOnly, let limit {
            let inner = clauses.replacingOccurrences(of: "+occurred_at", with: "occurred_at").replacingOccurrences(of: "+id", with: "id")
            let sql = """
                SELECT \(columns) FROM file_events WHERE id IN (
                SELECT id FROM file_events INDEXED BY file_events_id_time \(inner) LIMIT \(max(limit, 0)))
                ORDER BY occurred_at DESC, id DESC
                """
            return (sql, arguments)
        }
        var sql = "SELECT \(columns) FROM file_events \(clauses)"
        if let limit { sql += " LIMIT \(max(limit, 0))" }
        return (sql, arguments)
    }
}
