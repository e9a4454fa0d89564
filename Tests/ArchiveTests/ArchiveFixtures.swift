import Archive
import BoxBridgeProtocol
import Foundation
import Logging
import SwiftProtobuf

/// Envelopes and temporary folders shared by the archive tests.
enum Fixtures {
    static let connection = "acme"

    /// A fresh, empty folder under the system temp dir.
    static func temporaryRoot() throws -> String {
        let path = NSTemporaryDirectory() + "archive-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static let logger = Logger(label: "archive-tests")

    /// A file event envelope at `seconds` since 1970 on the given category topic.
    static func envelope(
        sequence: UInt64, seconds: Int64, nanos: Int32 = 0, category: Boxbridge_V1_Category = .downloaded,
        raw: Data? = nil
    ) -> Boxbridge_V1_Envelope {
        var event = Boxbridge_V1_FileEvent()
        event.connection = connection
        event.eventIds = ["evt-\(sequence)"]
        event.boxEventType = "DOWNLOAD"
        event.category = category
        event.occurredAt = Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
        var rawEvent = Boxbridge_V1_RawBoxEvent()
        rawEvent.eventID = "evt-\(sequence)"
        rawEvent.json = raw ?? Data("""
            {"type":"event","event_id":"evt-\(sequence)","event_type":"DOWNLOAD",
             "created_at":"\(seconds)","source":{"type":"file","id":"\(sequence * 7)","name":"report-\(sequence).pdf"}}
            """.utf8)
        event.raw = [rawEvent]
        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.box(connection, category)
        envelope.sequence = sequence
        envelope.schemaVersion = 1
        envelope.publishedAt = Google_Protobuf_Timestamp(seconds: seconds + 5, nanos: 0)
        envelope.fileEvent = event
        return envelope
    }

    /// `count` envelopes on one topic, one a minute from `start`.
    static func stream(count: Int, start: Int64 = 1_763_683_200, from sequence: UInt64 = 0) -> [Boxbridge_V1_Envelope] {
        (0..<count).map { envelope(sequence: sequence + UInt64($0), seconds: start + Int64($0) * 60) }
    }
}

extension Fixtures {
    /// Every regular file under `root`, by path relative to it, with its bytes.
    static func files(under root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[relative] = FileManager.default.contents(atPath: root + "/" + relative) }
        }
        return files
    }
}
