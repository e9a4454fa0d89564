import BoxBridgeProtocol
import Collector
import SwiftProtobuf
import Testing

/// Simulated time for the coalescer: instant, deterministic.
struct SimulatedInstant: InstantProtocol, Sendable {
    var offset: Duration
    static let zero = SimulatedInstant(offset: .zero)
    func advanced(by duration: Duration) -> SimulatedInstant { SimulatedInstant(offset: offset + duration) }
    func duration(to other: SimulatedInstant) -> Duration { other.offset - offset }
    static func < (lhs: SimulatedInstant, rhs: SimulatedInstant) -> Bool { lhs.offset < rhs.offset }
}

private func at(_ seconds: Double) -> SimulatedInstant { .zero.advanced(by: .milliseconds(Int64(seconds * 1000))) }

/// A normalized download event (through the real normalizer) at a Box time in seconds.
private func download(_ id: String, second: Int, fileID: String = "8903212345", actor: String = Fixtures.aaron, type: String = "DOWNLOAD") throws -> Boxbridge_V1_FileEvent {
    let created = "2024-05-01T16:41:\(second < 10 ? "0" : "")\(second)Z"
    return try normalized(Fixtures.event(id: id, type: type, createdAt: created, createdBy: actor, source: Fixtures.itemSource(id: "\"\(fileID)\"")))
}

@Suite("Coalescing repeats in simulated time")
struct CoalescerTests {
    typealias C = Coalescer<SimulatedInstant, Int>

    @Test("three downloads of one file by one actor within 10 s become one event with every id")
    func coalesces() throws {
        var c = C()
        let r1 = try c.add(try download("e1", second: 0), position: 1, now: at(0))
        #expect(r1.isEmpty)
        let r2 = try c.add(try download("e2", second: 4), position: 1, now: at(1))
        #expect(r2.isEmpty)
        let r3 = try c.add(try download("e3", second: 9), position: 2, now: at(2))
        #expect(r3.isEmpty)
        let r4 = c.flush(now: at(9.999))
        #expect(r4.isEmpty)
        let out = c.flush(now: at(10))
        let event = try #require(out.first)
        #expect(out.count == 1)
        #expect(event.eventIds == ["e1", "e2", "e3"])
        #expect(event.raw.map(\.eventID) == ["e1", "e2", "e3"])
        #expect(event.coalescedCount == 3)
        #expect(event.occurredAt.seconds == 1_714_581_660)
        #expect(event.lastOccurredAt.seconds == 1_714_581_669)
        #expect(c.pendingGroups == 0)
        #expect(c.oldestPendingPosition == nil)
    }

    @Test("different actor, file or action are not repeats")
    func distinctKeys() throws {
        var c = C()
        let outsider = #"{"type":"user","id":"55","name":"G","login":"g@gmail.com"}"#
        _ = c.add(try download("a", second: 0), position: 1, now: at(0))
        _ = c.add(try download("b", second: 1, actor: outsider), position: 1, now: at(0))
        _ = c.add(try download("c", second: 1, fileID: "777"), position: 1, now: at(0))
        _ = c.add(try download("d", second: 1, type: "PREVIEW"), position: 1, now: at(0))
        #expect(c.pendingGroups == 4)
        let out = c.flush(now: at(10))
        #expect(out.map(\.eventIds) == [["a"], ["b"], ["c"], ["d"]])
    }

    @Test("repeats further apart than the window in Box time start a new group")
    func boxTimeGap() throws {
        var c = C()
        _ = c.add(try download("a", second: 0), position: 1, now: at(0))
        let out = c.add(try download("b", second: 11), position: 2, now: at(1))
        #expect(out.map(\.eventIds) == [["a"]])
        let r5 = c.flush(now: at(11))
        #expect(r5.map(\.eventIds) == [["b"]])
    }

    @Test("events without an actor or a file are never held")
    func passThrough() throws {
        var c = C()
        let anonymous = try download("anon", second: 0, actor: Fixtures.anonymous)
        let r6 = c.add(anonymous, position: 1, now: at(0))
        #expect(r6.map(\.eventIds) == [["anon"]])
        let alert = try normalized(Fixtures.shieldAlert)
        let r7 = c.add(alert, position: 1, now: at(0))
        #expect(r7.count == 1)
        #expect(c.pendingGroups == 0)
    }

    @Test("the checkpoint never passes a held event: oldest pending position")
    func oldestPosition() throws {
        var c = C()
        _ = c.add(try download("a", second: 0), position: 1, now: at(0))
        _ = c.add(try download("b", second: 1, fileID: "2"), position: 2, now: at(5))
        _ = c.add(try download("c", second: 2), position: 3, now: at(6))  // joins the group from position 1
        #expect(c.oldestPendingPosition == 1)
        #expect(c.nextDeadline == at(10))
        let r8 = c.flush(now: at(10))
        #expect(r8.map(\.eventIds) == [["a", "c"]])
        #expect(c.oldestPendingPosition == 2)
        let r9 = c.flush(now: at(15))
        #expect(r9.map(\.eventIds) == [["b"]])
        #expect(c.oldestPendingPosition == nil)
        #expect(c.nextDeadline == nil)
    }

    @Test("a group reaching the maximum count is published at once")
    func maximumCount() throws {
        var c = C(window: .seconds(10), maximumCount: 2)
        _ = c.add(try download("a", second: 0), position: 1, now: at(0))
        let out = c.add(try download("b", second: 1), position: 1, now: at(1))
        #expect(out.map(\.coalescedCount) == [2])
        #expect(c.pendingGroups == 0)
    }

    @Test("memory stays bounded: beyond the group limit the oldest group is published")
    func maximumGroups() throws {
        var c = C(window: .seconds(10), maximumCount: 100, maximumGroups: 2)
        _ = c.add(try download("a", second: 0, fileID: "1"), position: 1, now: at(0))
        _ = c.add(try download("b", second: 0, fileID: "2"), position: 2, now: at(0))
        let out = c.add(try download("c", second: 0, fileID: "3"), position: 3, now: at(0))
        #expect(out.map(\.eventIds) == [["a"]])
        #expect(c.pendingGroups == 2)
        #expect(c.oldestPendingPosition == 2)
        let r10 = c.flushAll()
        #expect(r10.map(\.eventIds) == [["b"], ["c"]])
        #expect(c.pendingGroups == 0)
    }

    @Test("a custom window")
    func customWindow() throws {
        var c = C(window: .seconds(2))
        _ = c.add(try download("a", second: 0), position: 1, now: at(0))
        let r11 = try c.add(try download("b", second: 3), position: 1, now: at(1))
        #expect(r11.map(\.eventIds) == [["a"]])
        let r12 = c.flush(now: at(2.5))
        #expect(r12.isEmpty)
        let r13 = c.flush(now: at(3))
        #expect(r13.map(\.eventIds) == [["b"]])
    }
}

@Suite("Dedupe by event id over a bounded window")
struct DedupeWindowTests {
    @Test("a duplicate id is refused while in the window")
    func duplicates() {
        var window = DedupeWindow(capacity: 3)
        let first = window.insert("a"); #expect(first)
        let second = window.insert("b"); #expect(second)
        let again = window.insert("a"); #expect(!again)
        #expect(window.contains("b"))
        #expect(window.count == 2)
    }

    @Test("the oldest id is forgotten first once full")
    func eviction() {
        var window = DedupeWindow(capacity: 3)
        for id in ["a", "b", "c", "d"] { let accepted = window.insert(id); #expect(accepted) }
        #expect(window.contains("a") == false)
        #expect(window.ids == ["b", "c", "d"])
        let readded = window.insert("a"); #expect(readded)
        #expect(window.ids == ["c", "d", "a"])
    }

    @Test("the window survives a restart through its saved ids")
    func restore() {
        var window = DedupeWindow(capacity: 3)
        for id in ["a", "b", "c", "d", "e"] { _ = window.insert(id) }
        var restored = DedupeWindow(capacity: 3, restoring: window.ids)
        #expect(restored == window)
        let again = restored.insert("e"); #expect(!again)
        let accepted = restored.insert("b"); #expect(accepted)
        // A smaller capacity keeps the newest ids.
        #expect(DedupeWindow(capacity: 2, restoring: ["x", "y", "z"]).ids == ["y", "z"])
    }
}
