/// Why a Box call is being made, which decides its place in the credential's queue.
///
/// Event polling comes first because a stalled stream is the one failure users notice; scope
/// refresh next because it decides what is collected; enrichment last, and it may be shed.
public enum PriorityClass: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case events = 0
    case scope = 1
    case enrichment = 2

    public static func < (lhs: PriorityClass, rhs: PriorityClass) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The label used in stats and metrics.
    public var description: String {
        switch self {
        case .events: "events"
        case .scope: "scope"
        case .enrichment: "enrichment"
        }
    }

    /// Whether a request of this class may be dropped when the budget is short.
    public var isSheddable: Bool { self == .enrichment }
}
