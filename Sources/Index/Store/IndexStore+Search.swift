import Foundation
import BoxBridgeProtocol
import GRDB
import SwiftProtobuf

extension IndexStore {
    /// The events matching `query`, newest first.
    public func search(_ query: SearchQuery) throws(IndexError) -> [IndexHit] {
        var hits: [IndexHit] = []
        try search(query) { hits.append($0) }
        return hits
    }

    /// Streams the events matching `query`, newest first, without holding them all (CSV exports).
    public func search(_ query: SearchQuery, each: (IndexHit) throws -> Void) throws(IndexError) {
        try validate(query)
        try fullText?.flush()
        try wrap {
            try pool.read { db in
                try requireFullText(query, db)
                let (sql, arguments) = try query.selectSQL()
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    let payload: Data = row[3]
                    let event = try Boxbridge_V1_FileEvent(serializedBytes: payload)
                    try each(IndexHit(topic: row[0], sequence: UInt64(bitPattern: row[1] as Int64), occurredAt: row[2], event: event))
                }
            }
        }
    }

    /// SQLite's query plan for `query` (one line per step), to check the indexes are used.
    public func explain(_ query: SearchQuery) throws(IndexError) -> [String] {
        try validate(query)
        return try wrap {
            try pool.read { db in
                try requireFullText(query, db)
                let (sql, arguments) = try query.selectSQL()
                return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
        }
    }

    /// A query with text or exact-key terms needs the full-text database beside the index.
    private func requireFullText(_ query: SearchQuery, _ db: Database) throws {
        if query.usesFullText, try !Self.hasFullText(db) {
            throw IndexError(
                .missing, path: fullTextPath,
                message: "text, file-name, actor, file-id, sha1 and event-id searches need it; `boxbridge index` rebuilds it from the index when it starts")
        }
    }

    private func validate(_ query: SearchQuery) throws(IndexError) {
        if let limit = query.limit, limit < 0 {
            throw IndexError(.badFilter(flag: "--limit"), message: "must be 0 (all) or more, not \(limit)")
        }
        for exposure in query.exposures where !IndexNames.exposures.contains(exposure) {
            throw IndexError(
                .badFilter(flag: "--exposure"),
                message: "unknown exposure \"\(exposure)\"; use one of \(IndexNames.exposures.joined(separator: ", "))")
        }
        if let mode = query.controlMode, !IndexNames.controlModes.contains(mode) {
            throw IndexError(
                .badFilter(flag: "--control-mode"),
                message: "unknown control mode \"\(mode)\"; use one of \(IndexNames.controlModes.joined(separator: ", "))")
        }
        if let since = query.since, let before = query.before, since >= before {
            throw IndexError(.badFilter(flag: "--since"), message: "is not before --until: the range is empty")
        }
    }
}
