import Foundation

/// One place that builds the JSON decoder for Box's objects.
enum JSONDecoderFactory {
    static func decoder() -> JSONDecoder { JSONDecoder() }
}

extension JSONDecoder {
    /// Decodes from bytes, naming the endpoint and the offending field on failure.
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], endpoint: String) throws(BoxAPIError) -> T {
        do {
            return try decode(type, from: Data(bytes))
        } catch {
            throw BoxAPIError.decoding(endpoint: endpoint, field: BoxAPIError.describe(error))
        }
    }
}
