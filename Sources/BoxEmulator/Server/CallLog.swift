/// One HTTP call the emulator answered, for `GET /_emulator/calls`.
public struct RecordedCall: Sendable, Codable, Equatable {
    public var seq: UInt64
    public var method: String
    public var path: String
    public var query: String
    public var status: Int
    /// The user the bearer token acts as, when it was valid.
    public var userID: String?
    /// Emulated time of the call (Unix seconds).
    public var at: Double
    /// The fault injected into this call, if any.
    public var fault: String?

    enum CodingKeys: String, CodingKey {
        case seq, method, path, query, status, at, fault
        case userID = "user_id"
    }
}

/// A bounded ring of recent calls plus totals that are never trimmed.
struct CallLog: Sendable {
    let capacity: Int
    private(set) var calls: [RecordedCall] = []
    private(set) var total: UInt64 = 0
    private(set) var byStatus: [Int: UInt64] = [:]

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func record(_ call: RecordedCall) {
        total += 1
        byStatus[call.status, default: 0] += 1
        calls.append(call)
        if calls.count > capacity { calls.removeFirst(calls.count - capacity) }
    }

    mutating func reset() {
        calls.removeAll()
        total = 0
        byStatus.removeAll()
    }
}
