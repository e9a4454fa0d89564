import BoxBridgeProtocol
import Foundation
import GRDB
import GRDBSQLite
import SwiftProtobuf

/// One FileEvent flattened into the `file_events` columns (see IndexSchema for the conventions).
struct IndexRow {
    /// The INSERT, column list in the order of `arguments`.
    static let insertSQL: String = {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ",")
        return "INSERT INTO file_events (\(columns.joined(separator: ","))) VALUES (\(placeholders)) "
            + "ON CONFLICT(topic, sequence) DO NOTHING"
    }()

    static let columns = [
        "topic", "sequence", "connection", "event_ids", "box_event_type", "category", "occurred_at",
        "actor_id", "actor_login", "ip_address", "file_id", "file_name", "file_path", "owner_id", "file_size", "sha1",
        "classification", "exposure", "control_mode", "coalesced_count", "payload",
    ]

    /// The column values in `columns` order.
    var values: [BindValue]
    var topic: String
    var sequence: Int64
    /// The full-text document, less the row id SQLite assigns on insert.
    private var fullText: FullTextDocument

    init(envelope: Boxbridge_V1_Envelope, event: Boxbridge_V1_FileEvent) throws {
        var stored = event
        // The raw Box JSON is the archive's job; the ids stay (event_ids, file_event_ids).
        if !stored.raw.isEmpty { stored.raw = [] }
        let payload = try stored.serializedData()
        let file = event.file, actor = event.actor
        let classification = file.classification.isEmpty ? event.shield.classification : file.classification
        let eventIDs = event.eventIds.joined(separator: " "), sha1 = file.sha1.lowercased()
        values = [
            .text(envelope.topic),
            .int(Int64(bitPattern: envelope.sequence)),
            .text(event.connection),
            .text(eventIDs),
            .text(event.boxEventType),
            .text(event.category.topicName),
            .int(event.occurredAt.microsecondsSince1970),
            event.hasActor ? .text(actor.id) : .null,
            event.hasActor ? .text(actor.login) : .null,
            .text(event.ipAddress),
            .text(file.id), .text(file.name), .text(file.path), .text(file.owner.id),
            file.hasSize ? .int(file.size) : .null,
            .text(sha1),
            .text(classification), .text(IndexNames.exposure(event.exposure) ?? ""),
            .text(IndexNames.controlMode(event.shield.controlMode) ?? ""),
            .int(Int64(max(event.coalescedCount, 1))),
            .blob(payload),
        ]
        topic = envelope.topic
        sequence = Int64(bitPattern: envelope.sequence)
        // The same values as the columns, as FullTextIndex reads them back when it catches up.
        fullText = FullTextDocument(
            id: 0, fileName: file.name, filePath: file.path, actorID: event.hasActor ? actor.id : nil,
            actorLogin: event.hasActor ? actor.login : nil, fileID: file.id, sha1: sha1, eventIDs: eventIDs)
    }

    /// The full-text document of this row, once inserted as `file_events.id` = `id`.
    func document(id: Int64) -> FullTextDocument {
        var document = fullText
        document.id = id
        return document
    }
}

/// A value bound straight to an SQLite parameter (an empty text binds NULL: see IndexSchema).
enum BindValue {
    case null
    case int(Int64)
    case text(String)
    case blob(Data)

    /// Binds this value to parameter `index` (1-based) of `statement`.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .int(let value):
            return sqlite3_bind_int64(statement, index, value)
        case .text(var value):
            if value.isEmpty { return sqlite3_bind_null(statement, index) }
            return value.withUTF8 { bytes in
                sqlite3_bind_text(statement, index, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
            }
        case .blob(let value):
            return value.withUnsafeBytes { bytes in
                sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
            }
        }
    }
}

/// SQLITE_TRANSIENT (a C macro Swift cannot import): SQLite copies the bytes before returning.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// `text` in Unicode NFC; ASCII (most names) is already NFC and skips Foundation's costly pass.
func nfc(_ text: String) -> String {
    text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
}

private func nonEmpty(_ value: String) -> String? { value.isEmpty ? nil : value }

extension Google_Protobuf_Timestamp {
    /// Microseconds since 1970-01-01 UTC: the index's one time representation.
    var microsecondsSince1970: Int64 { seconds * 1_000_000 + Int64(nanos / 1_000) }

    init(microsecondsSince1970 value: Int64) {
        var seconds = value / 1_000_000
        var micros = value % 1_000_000
        if micros < 0 { seconds -= 1; micros += 1_000_000 }
        self.init(seconds: seconds, nanos: Int32(micros * 1_000))
    }
}
