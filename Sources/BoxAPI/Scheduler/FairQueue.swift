/// A request waiting for a token.
struct PendingRequest: Sendable, Equatable {
    var id: RequestID
    var priority: PriorityClass
    var flow: String
    var enqueuedAt: Duration
}

/// FIFO per flow, round robin across flows: one connection with a deep backlog cannot starve
/// another connection that shares its credential. Every call costs one token, so plain round
/// robin is deficit round robin with equal costs.
struct FairQueue: Sendable {
    private var perFlow: [String: [PendingRequest]] = [:]
    private var ring: [String] = []
    private var cursor = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ request: PendingRequest) {
        if perFlow[request.flow] == nil {
            perFlow[request.flow] = []
            // A new flow joins just before the cursor so it waits one full turn, like a late arrival.
            ring.insert(request.flow, at: cursor)
            cursor += 1
            if cursor > ring.count { cursor = 0 }
        }
        perFlow[request.flow]!.append(request)
        count += 1
    }

    /// The next request in round-robin order.
    mutating func popNext() -> PendingRequest? {
        guard !ring.isEmpty else { return nil }
        if cursor >= ring.count { cursor = 0 }
        let flow = ring[cursor]
        let request = perFlow[flow]!.removeFirst()
        count -= 1
        if perFlow[flow]!.isEmpty {
            perFlow[flow] = nil
            ring.remove(at: cursor)
        } else {
            cursor += 1
        }
        return request
    }

    /// Removes and returns the requests matching `predicate`, keeping the round-robin position.
    mutating func removeAll(where predicate: (PendingRequest) -> Bool) -> [PendingRequest] {
        var removed: [PendingRequest] = []
        var newRing: [String] = []
        var newCursor = 0
        for (index, flow) in ring.enumerated() {
            var kept: [PendingRequest] = []
            for request in perFlow[flow]! {
                if predicate(request) { removed.append(request) } else { kept.append(request) }
            }
            if index == cursor { newCursor = newRing.count }
            if kept.isEmpty {
                perFlow[flow] = nil
            } else {
                perFlow[flow] = kept
                newRing.append(flow)
            }
        }
        if cursor >= ring.count { newCursor = newRing.count }
        ring = newRing
        cursor = newCursor
        count -= removed.count
        return removed
    }

    /// Every waiting request, oldest first.
    var all: [PendingRequest] {
        perFlow.values.flatMap { $0 }.sorted { ($0.enqueuedAt, $0.id.rawValue) < ($1.enqueuedAt, $1.id.rawValue) }
    }
}
