import BoxBridgeProtocol
import Foundation
import Logging
import SwiftProtobuf
@testable import Index

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "boxbridge-index-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// Microseconds of an ISO 8601 UTC time, for fixtures.
func micros(_ iso: String) -> Int64 { UTCTime.parse(iso)!.microseconds }

/// A file event envelope with the fields the search filters look at.
func fileEnvelope(
    topic: String? = nil, sequence: UInt64, connection: String = "acme", category: Boxbridge_V1_Category = .created,
    at iso: String = "2026-11-21T10:00:00Z", actorID: String = "100", actorLogin: String = "alice@acme.com",
    fileID: String = "f1", fileName: String = "report.pdf", path: String = "", sha1: String = "",
    exposure: Boxbridge_V1_Exposure = .unspecified, classification: String = "", controlMode: Boxbridge_V1_ControlMode = .unspecified,
    eventIDs: [String]? = nil, size: Int64? = nil, ip: String = ""
) -> Boxbridge_V1_Envelope {
    var event = Boxbridge_V1_FileEvent()
    event.connection = connection
    event.eventIds = eventIDs ?? ["ev-\(connection)-\(sequence)"]
    event.boxEventType = "UPLOAD"
    event.category = category
    event.occurredAt = Google_Protobuf_Timestamp(microsecondsSince1970: micros(iso))
    if !actorID.isEmpty {
        event.actor.id = actorID
        event.actor.login = actorLogin
        event.actor.name = "Actor \(actorID)"
    }
    event.file.id = fileID
    event.file.name = fileName
    event.file.path = path
    event.file.sha1 = sha1
    event.file.classification = classification
    if let size { event.file.size = size }
    event.exposure = exposure
    event.shield.controlMode = controlMode
    event.coalescedCount = UInt32(event.eventIds.count)
    event.ipAddress = ip
    var raw = Boxbridge_V1_RawBoxEvent()
    raw.eventID = event.eventIds[0]
    raw.json = Data("{\"event_id\":\"\(raw.eventID)\"}".utf8)
    event.raw = [raw]
    var envelope = Boxbridge_V1_Envelope()
    envelope.topic = topic ?? "box/\(connection)/\(category.topicName)"
    envelope.sequence = sequence
    envelope.fileEvent = event
    return envelope
}

/// An index in a temporary folder holding `envelopes` (cursors derived from them).
func makeStore(_ envelopes: [Boxbridge_V1_Envelope], directory: TemporaryDirectory = TemporaryDirectory()) throws -> IndexStore {
    let store = try IndexStore.open(path: directory.path + "/index.sqlite")
    var cursors: [String: UInt64] = [:]
    for envelope in envelopes { cursors[envelope.topic] = envelope.sequence + 1 }
    try store.apply(envelopes: envelopes, nextCursors: cursors)
    // Another process (the search CLI) must find them by text too.
    try store.flushFullText()
    return store
}
