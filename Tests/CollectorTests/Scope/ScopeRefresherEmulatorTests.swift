import BoxAPI
import BoxEmulator
import Foundation
import Logging
import Testing

@testable import Collector

/// The refresher against the real emulator over loopback HTTP: marker paging, groups, memberships.
@Suite("Scope refresher against the Box emulator")
struct ScopeRefresherEmulatorTests {
    /// 11 managed users (so none has the emulator's `cannot_delete_edit` status), many inactive.
    static func configuration() -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.users = 11
        configuration.inactiveShare = 0.6
        configuration.groups = 4
        configuration.backlogSize = 0
        configuration.malformedShare = 0
        configuration.rateLimitPerMinute = 100_000
        return configuration
    }

    static func withRefresher<T: Sendable>(
        _ configuration: EmulatorConfiguration, _ body: (ScopeRefresher, Enterprise) async throws -> T
    ) async throws -> T {
        var quiet = Logger(label: "test.scope")
        quiet.logLevel = .error
        return try await EmulatorServer.withRunning(configuration, logger: quiet) { running in
            let scheduler = RequestScheduler(
                credential: "test",
                configuration: SchedulerConfiguration(
                    callsPerMinute: 60_000, safetyMargin: 0,
                    retry: RetryPolicy(base: .milliseconds(5), maximumDelay: .milliseconds(100))),
                logger: quiet)
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: running.baseURL),
                credentials: .clientCredentials(
                    clientID: configuration.clientID, clientSecret: Secret(configuration.clientSecret),
                    subject: .enterprise(configuration.enterpriseID)),
                scheduler: scheduler, requestTimeout: .seconds(5), logger: quiet, flow: "acme")
            var refresher = ScopeRefresher(client: client, logger: quiet)
            refresher.pageSize = 3  // several marker pages
            return try await body(refresher, running.core.enterprise)
        }
    }

    @Test("a users CSV built from the emulator's users resolves to its active listed users")
    func usersCSV() async throws {
        try await Self.withRefresher(Self.configuration()) { refresher, enterprise in
            let managed = enterprise.users.prefix(enterprise.managedCount)
            #expect(managed.contains { $0.status == "inactive" }, "the workload needs inactive users to mean anything")
            // Every other user, one spelled in upper case, plus someone Box does not know.
            let listed = managed.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.login)
            let rows = listed.enumerated().map { $0.offset == 0 ? $0.element.uppercased() : $0.element } + ["nobody@example.com"]
            let list = try ScopeList.parse("Name,Email Address\n" + rows.map { "\"Someone, X\",\($0)" }.joined(separator: "\n"), file: "users.csv")

            var resolver = ScopeResolver(mode: ScopeMode(list))
            let change = try await refresher.refresh(&resolver, now: Date(timeIntervalSince1970: 0))

            let expected = ScopeCSV(kind: .users, entries: listed).monitoredUserIDs(in: enterprise)
            #expect(!expected.isEmpty)
            #expect(Set(resolver.monitored.map(\.rawValue)) == expected)
            #expect(change.drives == expected.count)
            let inactive = managed.filter { $0.status == "inactive" && listed.contains($0.login) }
            #expect(inactive.allSatisfy { !resolver.isInScope(ownerID: BoxID($0.id)) })
        }
    }

    @Test("a groups scope resolves members through memberships and skips an unknown group")
    func groupsScope() async throws {
        try await Self.withRefresher(Self.configuration()) { refresher, enterprise in
            let names = [enterprise.groups[1].name, "No Such Group", enterprise.groups[2].name]
            var resolver = ScopeResolver(mode: .groups(names))
            let now = Date(timeIntervalSince1970: 1_000)
            let change = try await refresher.refresh(&resolver, now: now)

            let expected = ScopeCSV(kind: .groups, entries: names).monitoredUserIDs(in: enterprise)
            #expect(!expected.isEmpty)
            #expect(Set(resolver.monitored.map(\.rawValue)) == expected)
            #expect(change.unknownGroups == ["No Such Group"])
            #expect(resolver.unknownGroups.first?.nextLookup == now.addingTimeInterval(86_400))
        }
    }

    @Test("scope all matches the emulator's monitored set without a CSV")
    func scopeAll() async throws {
        try await Self.withRefresher(Self.configuration()) { refresher, enterprise in
            var resolver = ScopeResolver(mode: .all)
            try await refresher.refresh(&resolver, now: Date(timeIntervalSince1970: 0))
            let expected = Set(enterprise.users.prefix(enterprise.managedCount).filter(\.isActive).map(\.id))
            #expect(Set(resolver.monitored.map(\.rawValue)) == expected)
        }
    }
}
