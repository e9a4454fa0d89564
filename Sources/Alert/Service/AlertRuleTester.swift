public import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// `boxbridge alert test-rules`: the rules over events given as JSON lines, no bus, no state.
public enum AlertRuleTester {
    /// A line that is neither a `FileEvent` nor an `Envelope` in protobuf JSON.
    public struct InputError: Error, Sendable, CustomStringConvertible {
        public var source: String
        public var line: Int
        public var reason: String
        public var isRetriable: Bool { false }
        public var description: String { "\(source):\(line): \(reason)" }
    }

    /// Reads JSON lines: each a `FileEvent` (as `boxbridge normalize` prints) or an `Envelope`
    /// (with `topic` and `file_event` or `health`). Blank lines and `#` comments are skipped.
    public static func envelopes(from text: String, source: String) throws -> [Boxbridge_V1_Envelope] {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        var result: [Boxbridge_V1_Envelope] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                let event = try Boxbridge_V1_FileEvent(jsonString: trimmed, options: options)
                var envelope = Boxbridge_V1_Envelope()
                envelope.topic = Topic.box(event.connection, event.category)
                envelope.fileEvent = event
                result.append(envelope)
            } catch let eventError {
                if let envelope = try? Boxbridge_V1_Envelope(jsonString: trimmed, options: options), !envelope.topic.isEmpty {
                    var numbered = envelope
                    if numbered.sequence == 0 { numbered.sequence = UInt64(index + 1) }
                    result.append(numbered)
                } else {
                    throw InputError(source: source, line: index + 1, reason: "not a FileEvent or Envelope in JSON: \(eventError)")
                }
            }
        }
        return result
    }

    /// Runs the rule set over the envelopes in order, from an empty state.
    public static func run(_ envelopes: [Boxbridge_V1_Envelope], ruleSet: AlertRuleSet) -> [FiredAlert] {
        var engine = AlertEngine(ruleSet: ruleSet)
        return envelopes.flatMap { engine.process($0) }
    }
}
