@testable import BoxAPI
import Foundation
import Testing

@testable import Collector

/// The resolver in simulated time: no I/O, `now` injected.
@Suite("Scope resolver")
struct ScopeResolverTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3_600

    static func user(_ id: String, _ login: String, _ status: String = "active") -> BoxUser {
        BoxUser(id: BoxID(id), login: login, status: status)
    }

    static func group(_ id: String, _ name: String) -> BoxGroup {
        BoxGroup(id: BoxID(id), type: "group", name: name)
    }

    static let directory = [
        user("1", "ann@example.com"), user("2", "bob@example.com", "inactive"), user("3", "cat@example.com"),
        user("4", "dan@example.com", "cannot_delete_edit"), user("5", "eve@example.com"),
    ]

    @Test("scope all: every active user; inactive users excluded")
    func scopeAll() {
        var resolver = ScopeResolver(mode: .all)
        #expect(resolver.nextAction(now: Self.t0) == .refresh)
        #expect(!resolver.isInScope(ownerID: "1"), "nothing is in scope before the first resolution")
        let change = resolver.apply(DirectorySnapshot(users: Self.directory), now: Self.t0)
        #expect(resolver.monitored == ["1", "3", "4", "5"])
        #expect(change.drives == 4)
        #expect(!resolver.isInScope(ownerID: "2"))
    }

    @Test("users scope: listed, active users only, logins compared case-insensitively; scope is by owner id")
    func usersScope() {
        var resolver = ScopeResolver(mode: .users(["ann@example.com", "bob@example.com", "EVE@example.com", "zed@example.com"]))
        let change = resolver.apply(DirectorySnapshot(users: Self.directory), now: Self.t0)
        #expect(resolver.monitored == ["1", "5"])
        #expect(change.unknownUsers == ["zed@example.com"], "inactive bob is known, just not monitored")
        // An event is in scope by the drive it happens on: the owner, whoever acted.
        #expect(resolver.isInScope(ownerID: "1"))
        #expect(!resolver.isInScope(ownerID: "3"), "an unmonitored owner's file is out of scope even if a monitored user acts on it")
        #expect(!resolver.isInScope(ownerID: "2"), "inactive")
    }

    @Test("an unknown group is skipped, not looked up before 24 h, and found on the re-lookup")
    func unknownGroupRelookup() {
        var resolver = ScopeResolver(mode: .groups(["Legal", "Sales"]))
        let first = resolver.apply(
            DirectorySnapshot(users: Self.directory, groups: [Self.group("g1", "Legal")], members: ["g1": ["1", "2"]]),
            now: Self.t0)
        #expect(resolver.monitored == ["1"])
        #expect(first.unknownGroups == ["Sales"])
        #expect(resolver.unknownGroups == [UnknownGroup(name: "Sales", nextLookup: Self.t0 + 24 * Self.hour)])

        #expect(resolver.nextAction(now: Self.t0 + 23 * Self.hour) == .wait(until: Self.t0 + 24 * Self.hour))
        #expect(resolver.nextAction(now: Self.t0 + 24 * Self.hour - 1) != .refresh)
        #expect(resolver.nextAction(now: Self.t0 + 24 * Self.hour) == .refresh)

        let second = resolver.apply(
            DirectorySnapshot(
                users: Self.directory, groups: [Self.group("g1", "Legal"), Self.group("g2", "Sales")],
                members: ["g1": ["1", "2"], "g2": ["3", "5"]]),
            now: Self.t0 + 24 * Self.hour)
        #expect(second.foundGroups == ["Sales"])
        #expect(second.added == ["3", "5"])
        #expect(resolver.unknownGroups.isEmpty)
        #expect(resolver.monitored == ["1", "3", "5"])
    }

    @Test("group membership changes are followed on the configured cadence; leavers stop being monitored")
    func membershipChange() {
        var resolver = ScopeResolver(mode: .groups(["Legal"]), relookupInterval: .seconds(3_600))
        let legal = [Self.group("g1", "Legal")]
        resolver.apply(DirectorySnapshot(users: Self.directory, groups: legal, members: ["g1": ["1", "3"]]), now: Self.t0)
        #expect(resolver.monitored == ["1", "3"])
        #expect(resolver.nextAction(now: Self.t0 + 1_800) == .wait(until: Self.t0 + Self.hour))
        #expect(resolver.nextAction(now: Self.t0 + Self.hour) == .refresh)

        let change = resolver.apply(
            DirectorySnapshot(users: Self.directory, groups: legal, members: ["g1": ["3", "5"]]), now: Self.t0 + Self.hour)
        #expect(change.added == ["5"])
        #expect(change.removed == ["1"])
        #expect(!resolver.isInScope(ownerID: "1"))
        #expect(resolver.isInScope(ownerID: "5"))
    }

    @Test("a user who becomes inactive leaves scope at the next resolution")
    func becomesInactive() {
        var resolver = ScopeResolver(mode: .users(["ann@example.com"]))
        resolver.apply(DirectorySnapshot(users: [Self.user("1", "ann@example.com")]), now: Self.t0)
        #expect(resolver.isInScope(ownerID: "1"))
        let change = resolver.apply(DirectorySnapshot(users: [Self.user("1", "ann@example.com", "inactive")]), now: Self.t0 + 86_400)
        #expect(change.removed == ["1"])
        #expect(!resolver.isInScope(ownerID: "1"))
    }

    @Test("a new import replaces the list and is resolved at once")
    func replacement() {
        var resolver = ScopeResolver(mode: .users(["ann@example.com"]))
        resolver.apply(DirectorySnapshot(users: Self.directory), now: Self.t0)
        #expect(resolver.nextAction(now: Self.t0 + 1) != .refresh)
        resolver.replace(mode: ScopeMode(ScopeList(kind: .users, entries: ["cat@example.com"])))
        #expect(resolver.nextAction(now: Self.t0 + 1) == .refresh)
        resolver.apply(DirectorySnapshot(users: Self.directory), now: Self.t0 + 1)
        #expect(resolver.monitored == ["3"])
    }

    @Test("a failed refresh keeps the last monitored set and retries after the given delay")
    func failedRefresh() {
        var resolver = ScopeResolver(mode: .all)
        resolver.apply(DirectorySnapshot(users: Self.directory), now: Self.t0)
        let due = Self.t0 + 24 * Self.hour
        #expect(resolver.nextAction(now: due) == .refresh)
        resolver.refreshFailed(now: due, retryAfter: .seconds(300))
        #expect(resolver.nextAction(now: due + 299) == .wait(until: due + 300))
        #expect(resolver.nextAction(now: due + 300) == .refresh)
        #expect(resolver.isInScope(ownerID: "1"))
        resolver.apply(DirectorySnapshot(users: Self.directory), now: due + 300)
        #expect(resolver.nextAction(now: due + 301) == .wait(until: due + 300 + 24 * Self.hour))
    }

    static let driveLimitMessage =
        "The number of supported user drives (500000) for this connector has been exceeded. Deauthorize the connector and reauthorize with fewer than 500000 drives."

    @Test("500,000 drives are fine; 500,001 fail the connection with the exact message until resumed")
    func driveLimit() throws {
        let users = (0..<500_001).map { BoxUser(id: BoxID(String($0)), status: "active") }
        var resolver = ScopeResolver(mode: .all)
        resolver.apply(DirectorySnapshot(users: Array(users.dropLast())), now: Self.t0)
        #expect(resolver.failure == nil)
        #expect(resolver.monitored.count == 500_000)

        let change = resolver.apply(DirectorySnapshot(users: users), now: Self.t0 + 86_400)
        let failure = try #require(change.failure)
        #expect(failure.message == Self.driveLimitMessage)
        #expect(failure.drives == 500_001)
        #expect(failure.isRetryable == false)
        #expect(!resolver.isInScope(ownerID: "0"))
        #expect(resolver.nextAction(now: Self.t0 + 10 * 86_400) == .failed(failure))

        resolver.resume()
        #expect(resolver.nextAction(now: Self.t0 + 86_401) == .refresh)
        resolver.apply(DirectorySnapshot(users: Array(users.prefix(10))), now: Self.t0 + 86_401)
        #expect(resolver.failure == nil)
        #expect(resolver.isInScope(ownerID: "0"))
    }

    @Test("inactive users do not count as drives")
    func inactiveNotCounted() {
        var users = (0..<10).map { BoxUser(id: BoxID(String($0)), status: "active") }
        users += (10..<20).map { BoxUser(id: BoxID(String($0)), status: "inactive") }
        var resolver = ScopeResolver(mode: .all, maxDrives: 10)
        let change = resolver.apply(DirectorySnapshot(users: users), now: Self.t0)
        #expect(change.failure == nil)
        #expect(change.drives == 10)
    }
}
