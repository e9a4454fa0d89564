import BoxAPI

/// Where a connection's checkpoint may move: never past a page that still has an event held back.
///
/// Every fetched page is recorded with the position it was asked from and the one it leads to,
/// under an increasing page index (the coalescer's position for the page's events). The checkpoint
/// may advance to the end of the newest page when nothing is held; otherwise only to the start of
/// the oldest page with a held event, so a restart re-reads that event (and dedupe drops the
/// events of those pages that were already published).
struct CheckpointTracker: Sendable, Equatable {
    struct Page: Sendable, Equatable {
        var index: Int
        var from: String
        var next: String
        var events: Int
    }

    /// What the broker holds: the checkpoint after the last acknowledged batch ("" before the first).
    private(set) var durable: String
    /// Pages fetched that may still pin the checkpoint, oldest first.
    private(set) var pages: [Page] = []
    private var nextIndex = 0

    init(checkpoint: String) {
        self.durable = checkpoint
    }

    /// Whether `position` says where a stream stands (not a starting point such as `now` or `0`).
    static func isConcrete(_ position: String) -> Bool {
        position != "now" && !StreamPosition(position).isUnusable
    }

    /// Records a page asked from `from` that leads to `next`; returns its index.
    ///
    /// A page asked from a starting point (`now`, `0`) starts at the durable checkpoint: a restart
    /// begins there too.
    mutating func fetched(from: String, next: String, events: Int) -> Int {
        let index = nextIndex
        nextIndex += 1
        let start = Self.isConcrete(from) ? from : durable
        let end = Self.isConcrete(next) ? next : start
        pages.append(Page(index: index, from: start, next: end, events: events))
        return index
    }

    /// The position the checkpoint may advance to, given the oldest page index with a held event.
    func target(oldestHeld: Int?) -> String {
        if let oldestHeld {
            if let page = pages.first(where: { $0.index >= oldestHeld }) { return page.from }
            return durable
        }
        return pages.last?.next ?? durable
    }

    /// Box events in the pages from the oldest held one on: what a restart would re-read.
    func heldSpan(oldestHeld: Int?) -> Int {
        guard let oldestHeld else { return 0 }
        return pages.reduce(0) { $0 + ($1.index >= oldestHeld ? $1.events : 0) }
    }

    /// The broker acknowledged `position`; pages before the oldest held one can no longer pin anything.
    mutating func committed(_ position: String, oldestHeld: Int?) {
        if !position.isEmpty { durable = position }
        if let oldestHeld {
            pages.removeAll { $0.index < oldestHeld }
        } else {
            pages.removeAll()
        }
    }
}
