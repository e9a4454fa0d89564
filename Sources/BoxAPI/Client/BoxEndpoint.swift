/// Where Box (or the Box emulator) is: `https://api.box.com`, or `http://127.0.0.1:PORT`.
///
/// API calls go to `<base>/2.0/…`, tokens come from `<base>/oauth2/token`, as on Box itself.
public struct BoxEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var baseURL: String

    public init(baseURL: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
    }

    /// Box's production API.
    public static let box = BoxEndpoint(baseURL: "https://api.box.com")

    public var apiBaseURL: String { baseURL + "/2.0" }
    public var tokenURL: String { baseURL + "/oauth2/token" }
    public var description: String { baseURL }
}

/// Percent-encoding for query strings and form bodies (RFC 3986 unreserved characters kept).
enum FormEncoding {
    static func encode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
