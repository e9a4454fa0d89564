/// What the full-text tables hold for one `file_events` row, keyed by that row's id.
///
/// Built from the same column values whether the row was just inserted (`IndexStore.apply`) or
/// is read back from `file_events` to catch up after a restart, so both paths index the same
/// tokens: the name and path in NFC, and the exact keys (actor id and login, file id, SHA-1,
/// every Box event id) as the `file_events_keys` columns.
///
/// The `path` column holds the folder part of the path only: the name's words are already in
/// `name`, and a text search requires each word in either column, so what matches is the same
/// while each event costs the full-text writer a third fewer tokens.
struct FullTextDocument: Sendable, Equatable {
    /// `file_events.id`.
    var id: Int64
    var name: String
    var path: String
    /// The `file_events_keys` columns in order: actor, file, sha1, ids.
    var keys: [String]

    init(id: Int64, fileName: String?, filePath: String?, actorID: String?, actorLogin: String?,
         fileID: String?, sha1: String?, eventIDs: String?) {
        self.id = id
        name = nfc(fileName ?? "")
        path = nfc(Self.folder(of: filePath ?? "", name: fileName ?? ""))
        let actor = [actorID, actorLogin].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        keys = [actor, fileID ?? "", sha1 ?? "", eventIDs ?? ""]
    }

    /// `path` without its last component when that is `name` (`/All Files/Legal/a.pdf` →
    /// `/All Files/Legal`), else the whole path.
    static func folder(of path: String, name: String) -> String {
        guard !name.isEmpty, path.utf8.count > name.utf8.count, path.hasSuffix(name) else { return path }
        let folder = path.utf8.dropLast(name.utf8.count)
        guard folder.last == UInt8(ascii: "/") else { return path }
        return String(Substring(folder.dropLast()))
    }
}

/// Where the full-text index stands: every row up to `rowID` is in it. `topic` and `sequence`
/// identify that row, so a main database that lost commits the full-text one kept (an OS crash
/// with `synchronous = NORMAL`) is noticed: that row is then gone or another event.
struct FullTextMark: Sendable, Equatable {
    var rowID: Int64
    var topic: String
    var sequence: Int64

    static let empty = FullTextMark(rowID: 0, topic: "", sequence: 0)
}

/// One transaction's worth of documents and the mark it moves to.
struct FullTextBatch: Sendable {
    var documents: [FullTextDocument]
    var mark: FullTextMark
}
