import BoxBridgeProtocol
import Foundation
import SwiftProtobuf

/// The JSON form of an alert shared by stdout, the file and the webhook: the protocol's `Alert`
/// in proto field names (snake_case, field order) with the stable `id` first.
public enum AlertLine {
    private static let options: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return options
    }()

    /// One JSON object, no newline.
    public static func json(_ fired: FiredAlert) throws -> String {
        let body = try fired.alert.jsonString(options: options)
        let head = "{\"id\":\"\(fired.id)\""
        return body == "{}" ? head + "}" : head + "," + body.dropFirst()
    }

    /// The `id` of a line written by `json(_:)`, read without parsing the whole line.
    static func id(ofLine line: Substring) -> Substring? {
        let prefix = "{\"id\":\""
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return rest[..<end]
    }
}
