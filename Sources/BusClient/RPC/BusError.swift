/// A failed call to the broker: what went wrong and whether retrying can help.
public struct BusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `RpcError.code` from the broker (`unknown_method`, `bad_request`, `unavailable`, ...), or
    /// a client-side code: `timeout`, `transport`, `decode`, `closed`.
    public var code: String
    public var message: String
    public var isRetriable: Bool
    /// The method called, e.g. `boxbridge.v1.Ingest/Publish`.
    public var method: String

    public init(code: String, message: String, isRetriable: Bool, method: String) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.method = method
    }

    public var description: String {
        "\(method) failed (\(code)\(isRetriable ? ", retriable" : "")): \(message)"
    }
}
