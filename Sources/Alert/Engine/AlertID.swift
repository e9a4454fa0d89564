import Crypto

/// Stable alert identifiers: the same rule, key and triggering events always give the same id, so
/// an alert recomputed after a restart is recognised by the outputs that already have it.
public enum AlertID {
    /// The first 128 bits of SHA-256 over the identifying parts, as 32 hex digits.
    public static func make(connection: String, rule: String, key: String, eventIDs: [String]) -> String {
        var bytes: [UInt8] = []
        for part in [connection, rule, key] + eventIDs {
            bytes.append(contentsOf: part.utf8)
            bytes.append(0x1F)
        }
        return SHA256.hash(data: bytes).prefix(16).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
