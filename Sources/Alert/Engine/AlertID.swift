import Crypto

/// Stable alert identifiers: the same rule, key and triggering events always give the same id, so
/// an alert recomputed after a restart is recognised by the outputs that already have it.
public enum AlertID {
    /// The first 128 bits of SHA-256 over the identifying parts, as 32 hex digits.
    ///
    /// The event ids are a set: a coalesced event's ids come in the order Box delivered them, and
    /// admin_logs_streaming re-delivers and reorders, so a replay may list the same events in
    /// another order (seen in `make e2e`). Sorting keeps the id the same.
    public static func make(connection: String, rule: String, key: String, eventIDs: [String]) -> String {
        var bytes: [UInt8] = []
        for part in [connection, rule, key] + eventIDs.sorted() {
            bytes.append(contentsOf: part.utf8)
            bytes.append(0x1F)
        }
        return SHA256.hash(data: bytes).prefix(16).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
