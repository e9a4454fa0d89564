public import BoxBridgeProtocol
public import Foundation
public import SwiftProtobuf

/// One archived envelope as a JSON line: time, topic, sequence, the normalized payload in the
/// protobuf JSON mapping, and the raw Box JSON embedded as JSON (or base64 when it does not parse).
///
/// The key order is fixed and `time` comes first in a fixed-width form, so the exporter filters
/// lines by comparing a prefix instead of parsing every line.
public enum ArchiveRecord {
    /// The moment an envelope is filed under: when the event happened, not when it was archived.
    public static func eventTime(of envelope: Boxbridge_V1_Envelope) -> Google_Protobuf_Timestamp {
        switch envelope.payload {
        case .fileEvent(let event) where event.hasOccurredAt: event.occurredAt
        case .alert(let alert) where alert.hasFiredAt: alert.firedAt
        case .health(let health) where health.hasAt: health.at
        case .quarantined(let quarantined) where quarantined.hasAt: quarantined.at
        default: envelope.publishedAt
        }
    }

    /// The `YYYY-MM-DD` UTC day an envelope belongs to.
    public static func day(of envelope: Boxbridge_V1_Envelope) -> String {
        UTCTime.day(seconds: eventTime(of: envelope).seconds)
    }

    private static let jsonOptions: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return options
    }()

    /// Encodes one envelope as a single JSON line, newline included. Equal envelopes give equal bytes.
    public static func line(for envelope: Boxbridge_V1_Envelope) throws -> Data {
        Data(try lineBytes(for: envelope))
    }

    static func lineBytes(for envelope: Boxbridge_V1_Envelope) throws -> [UInt8] {
        var out: [UInt8] = []
        try appendLine(for: envelope, to: &out)
        return out
    }

    /// Appends one envelope's line (``line(for:)``) to `out`; on error `out` is left as it was.
    ///
    /// The archive writer encodes many lines into one reused array per worker, so encoding
    /// allocates nothing per event once the array has grown.
    static func appendLine(for envelope: Boxbridge_V1_Envelope, to out: inout [UInt8]) throws {
        let start = out.count
        do {
            try encodeLine(for: envelope, to: &out)
        } catch {
            out.removeSubrange(start...)
            throw error
        }
    }

    private static func encodeLine(for envelope: Boxbridge_V1_Envelope, to out: inout [UInt8]) throws {
        let time = eventTime(of: envelope)
        out.append(contentsOf: "{\"time\":\"".utf8)
        JSONBytes.appendFixedTimestamp(seconds: time.seconds, nanos: time.nanos, to: &out)
        out.append(contentsOf: "\",\"topic\":".utf8)
        JSONBytes.appendString(envelope.topic, to: &out)
        out.append(contentsOf: ",\"sequence\":".utf8)
        JSONBytes.digits(envelope.sequence, &out)
        out.append(contentsOf: ",\"schema_version\":".utf8)
        JSONBytes.digits(UInt64(envelope.schemaVersion), &out)
        var raws: [(id: String, bytes: Data)] = []
        switch envelope.payload {
        case .fileEvent(let event):
            // The raw events are kept once, below, as JSON rather than base64 inside the payload.
            raws = event.raw.map { ($0.eventID, $0.json) }
            out.append(contentsOf: ",\"kind\":\"file_event\",\"event\":".utf8)
            FileEventJSON.append(event, to: &out)
        case .quarantined(var quarantined):
            raws = [(quarantined.eventID, quarantined.raw)]
            quarantined.raw = Data()
            out.append(contentsOf: ",\"kind\":\"quarantined\",\"event\":".utf8)
            out.append(contentsOf: try quarantined.jsonUTF8Bytes(options: jsonOptions) as [UInt8])
        case .alert(let alert):
            out.append(contentsOf: ",\"kind\":\"alert\",\"event\":".utf8)
            out.append(contentsOf: try sortedJSON(alert.jsonString(options: jsonOptions)).utf8)
        case .health(let health):
            // A map field: Swift dictionaries iterate in a per-process order, so sort the keys.
            out.append(contentsOf: ",\"kind\":\"health\",\"event\":".utf8)
            out.append(contentsOf: try sortedJSON(health.jsonString(options: jsonOptions)).utf8)
        case nil:
            throw ArchiveError(.invalidEnvelope, "envelope \(envelope.topic)#\(envelope.sequence) has no payload")
        }
        if !raws.isEmpty {
            out.append(contentsOf: ",\"raw\":[".utf8)
            for (index, raw) in raws.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "{\"event_id\":".utf8)
                JSONBytes.appendString(raw.id, to: &out)
                raw.bytes.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                    if isJSON(bytes) {
                        out.append(contentsOf: ",\"json\":".utf8)
                        // Valid JSON has line breaks only as whitespace; blanking them keeps one event per line.
                        let start = out.count
                        out.append(contentsOf: bytes)
                        if let base = bytes.baseAddress, memchr(base, 0x0A, bytes.count) != nil || memchr(base, 0x0D, bytes.count) != nil {
                            for position in start..<out.count where out[position] == 0x0A || out[position] == 0x0D {
                                out[position] = 0x20
                            }
                        }
                    } else {
                        out.append(contentsOf: ",\"base64\":\"".utf8)
                        out.append(contentsOf: Data(bytes).base64EncodedData())
                        out.append(UInt8(ascii: "\""))
                    }
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// The fixed-width time of a line written by ``line(for:)``, read without parsing the JSON.
    static func time(ofLine line: Data) -> Substring? {
        let prefix = "{\"time\":\""
        guard line.count > prefix.utf8.count + 30,
              let text = String(data: line.prefix(prefix.utf8.count + 30), encoding: .utf8),
              text.hasPrefix(prefix) else { return nil }
        return text.dropFirst(prefix.utf8.count).prefix(30)
    }

    static func isJSON(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return false }
        return JSONValidator.isValid(bytes)
    }

    static func sortedJSON(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func appendString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(scalar.value, radix: 16).leftPad(2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
