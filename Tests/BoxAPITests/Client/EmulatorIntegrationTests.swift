import BoxEmulator
import Foundation
import Testing

@testable import BoxAPI

@Suite("BoxClient against the Box emulator")
struct EmulatorIntegrationTests {
    @Test("CCG authenticates and a backfill reads every event exactly once, positions above 2^53 intact")
    func ccgBackfill() async throws {
        try await EmulatorHarness.with { harness in
            let (ids, positions) = try await harness.drainAdminLogs()
            #expect(ids == harness.expectedEventIDs())
            #expect(ids.count == 1_200)
            // Each position is the emulator's own, digit for digit, and beyond a Double's exact range.
            let last = try #require(positions.last)
            #expect(last.rawValue == String(EventLog.positionBase + 1_200))
            #expect(positions.allSatisfy { UInt64($0.rawValue).map { $0 > 1 << 53 } ?? false })
            #expect(await harness.client.tokenRequests() == 1)
            let stats = await harness.scheduler.stats()
            #expect(stats.calls["events"]?["2xx"] == positions.count)
        }
    }

    @Test("a JWT app config with an encrypted key authenticates")
    func jwtAuthenticates() async throws {
        let key = try await TestKey.make()
        var configuration = EmulatorHarness.configuration(backlog: 10)
        configuration.clientID = "client-abc"
        configuration.clientSecret = "s3cret-value"
        configuration.jwtPublicKeyPEM = key.publicPEM
        configuration.jwtKeyID = "kid-42"
        let appConfig = try BoxAppConfig.parse(try key.appConfig(enterpriseID: configuration.enterpriseID), source: "test")
        let credentials = BoxCredentials.jwt(try appConfig.jwtCredentials())
        try await EmulatorHarness.with(configuration, credentials: credentials) { harness in
            let me = try await harness.client.me()
            #expect(!me.id.rawValue.isEmpty)
            let page = try await harness.client.events(EventsQuery(streamType: .adminLogs, position: .beginning, limit: 500))
            #expect(page.entries.count == 10)
        }
    }

    @Test("a JWT signed with another key is refused with Box's OAuth2 error, not retried")
    func jwtWrongKeyRefused() async throws {
        let key = try await TestKey.make()
        let other = try await TestKey.make()
        var configuration = EmulatorHarness.configuration(backlog: 1)
        configuration.clientID = "client-abc"
        configuration.clientSecret = "s3cret-value"
        configuration.jwtPublicKeyPEM = other.publicPEM
        configuration.jwtKeyID = "kid-42"
        let credentials = BoxCredentials.jwt(
            try BoxAppConfig.parse(try key.appConfig(enterpriseID: configuration.enterpriseID), source: "t").jwtCredentials())
        try await EmulatorHarness.with(configuration, credentials: credentials) { harness in
            await #expect {
                try await harness.client.me()
            } throws: { error in
                let error = error as? BoxAPIError
                return error?.status == 400 && error?.code == "invalid_grant" && error?.isRetryable == false
            }
        }
    }

    @Test("wrong CCG credentials fail with Box's OAuth2 error and no secret in the message")
    func ccgWrongSecret() async throws {
        let configuration = EmulatorHarness.configuration(backlog: 1)
        let credentials = BoxCredentials.clientCredentials(
            clientID: configuration.clientID, clientSecret: Secret("not-the-secret"), subject: .enterprise(configuration.enterpriseID))
        try await EmulatorHarness.with(configuration, credentials: credentials) { harness in
            await #expect {
                try await harness.client.authenticate()
            } throws: { error in
                let text = String(describing: error)
                return (error as? BoxAPIError)?.status == 400 && !text.contains("not-the-secret")
            }
        }
    }

    @Test("a token revoked mid-run is replaced after one 401 and the run goes on")
    func revocationSurvived() async throws {
        try await EmulatorHarness.with { harness in
            var page = try await harness.client.events(EventsQuery(streamType: .adminLogs, position: .beginning, limit: 500))
            #expect(harness.core.revokeTokens() >= 1)
            page = try await harness.client.events(EventsQuery(streamType: .adminLogs, position: page.nextStreamPosition, limit: 500))
            #expect(page.entries.count == 500)
            #expect(await harness.client.tokenRequests() == 2)
            let stats = await harness.scheduler.stats()
            #expect(stats.calls["events"]?["401"] == 1)
        }
    }

    @Test("a 401 that persists after one new token reaches the caller instead of looping")
    func persistentUnauthorized() async throws {
        try await EmulatorHarness.with(EmulatorHarness.configuration(backlog: 10)) { harness in
            harness.core.addFault(FaultRule(kind: .revoke, count: 10, pathPrefix: "/2.0/events"))
            await #expect {
                try await harness.client.events(EventsQuery(streamType: .adminLogs, position: .beginning))
            } throws: { error in
                (error as? BoxAPIError)?.status == 401
            }
            let stats = await harness.scheduler.stats()
            #expect(stats.calls["events"]?["401"] == 2, "one call, one refresh, one retry")
            #expect(await harness.client.tokenRequests() == 2)
        }
    }

    @Test("CCG with a user subject acts as that user")
    func ccgUserSubject() async throws {
        let configuration = EmulatorHarness.configuration(backlog: 1)
        try await EmulatorHarness.with(configuration) { enterpriseHarness in
            let user = try #require(try await enterpriseHarness.client.allUsers().first { $0.isActive && $0.role == "user" })
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: enterpriseHarness.running.baseURL),
                credentials: .clientCredentials(
                    clientID: configuration.clientID, clientSecret: Secret(configuration.clientSecret), subject: .user(user.id.rawValue)),
                scheduler: enterpriseHarness.scheduler)
            #expect(try await client.me().id == user.id)
        }
    }

    @Test("a token that expires at Box before we expected is replaced after one 401")
    func expirySurvived() async throws {
        let emulatorClock = ManualClock(now: 1_750_000_000)
        var configuration = EmulatorHarness.configuration(backlog: 1_000)
        configuration.clock = .manual(emulatorClock)
        configuration.tokenLifetime = 600
        try await EmulatorHarness.with(configuration, unixNow: { emulatorClock.now }) { harness in
            let first = try await harness.client.events(EventsQuery(streamType: .adminLogs, position: .beginning, limit: 500))
            // Box's clock runs ahead of ours: the cached token is expired there.
            emulatorClock.advance(by: 3_600)
            let second = try await harness.client.events(
                EventsQuery(streamType: .adminLogs, position: first.nextStreamPosition, limit: 500))
            #expect(second.entries.count == 500)
            #expect(await harness.client.tokenRequests() == 2)
        }
    }

    @Test("users (offset and marker paging), groups and memberships agree with the enterprise")
    func directory() async throws {
        var configuration = EmulatorHarness.configuration(backlog: 1)
        try await EmulatorHarness.with(configuration) { harness in
            let byMarker = try await harness.client.allUsers(paging: .marker, pageSize: 3)
            let byOffset = try await harness.client.allUsers(paging: .offset, pageSize: 4)
            #expect(byMarker.map(\.id) == byOffset.map(\.id))
            #expect(byMarker.count >= 10)
            #expect(Set(byMarker.map(\.id)).count == byMarker.count)
            // Every managed user with the status the enterprise gave it (active, inactive, …).
            let enterprise = harness.core.enterprise
            let expected = (0..<enterprise.managedCount).map { "\(enterprise.users[$0].id):\(enterprise.users[$0].status)" }
            #expect(byMarker.map { "\($0.id):\($0.status ?? "-")" } == expected)
            let groups = try await harness.client.allGroups(pageSize: 2)
            #expect(groups.count >= 3)
            var memberships = 0
            for group in groups {
                let members = try await harness.client.allGroupMemberships(groupID: group.id, pageSize: 2)
                memberships += members.count
                for membership in members {
                    let userID = try #require(membership.user?.id)
                    let back = try await harness.client.allUserMemberships(userID: userID)
                    #expect(back.contains { $0.group?.id == group.id })
                }
            }
            #expect(memberships > 0)
        }
    }

    @Test("files, folders and collaborations for enrichment, with fields=")
    func enrichment() async throws {
        try await EmulatorHarness.with(EmulatorHarness.configuration(backlog: 300)) { harness in
            // Find items through the events' sources.
            let page = try await harness.client.events(EventsQuery(streamType: .adminLogs, position: .beginning, limit: 300))
            var fileIDs: Set<String> = []
            var folderIDs: Set<String> = []
            for entry in page.entries {
                guard let object = try JSONSerialization.jsonObject(with: Data(entry.bytes)) as? [String: Any],
                    let source = object["source"] as? [String: Any], let type = source["item_type"] as? String,
                    let id = source["item_id"] as? String
                else { continue }
                if type == "file" { fileIDs.insert(id) } else if type == "folder" { folderIDs.insert(id) }
            }
            let fileID = try #require(fileIDs.sorted().first)
            let file = try await harness.client.file(BoxID(fileID), fields: BoxClient.enrichmentFields)
            #expect(file.id.rawValue == fileID)
            #expect(file.pathCollection != nil)
            #expect(file.ownedBy != nil)
            let slim = try await harness.client.file(BoxID(fileID), fields: ["name"])
            #expect(slim.pathCollection == nil, "fields= is honoured")
            if let folderID = folderIDs.sorted().first {
                let folder = try await harness.client.folder(BoxID(folderID), fields: BoxClient.enrichmentFields)
                #expect(folder.id.rawValue == folderID)
                _ = try await harness.client.allCollaborations(on: .folder(BoxID(folderID)), pageSize: 2)
            }
            _ = try await harness.client.allCollaborations(on: .file(BoxID(fileID)))
            await #expect {
                try await harness.client.file("99999999999999", fields: ["name"])
            } throws: { error in
                (error as? BoxAPIError)?.status == 404 && (error as? BoxAPIError)?.isRetryable == false
            }
            let stats = await harness.scheduler.stats()
            #expect(stats.calls(.enrichment) >= 4)
        }
    }

    @Test(
        "every fault the emulator injects is survived with no lost or repeated page",
        arguments: [
            FaultRule(kind: .rateLimit, count: 2, retryAfter: 1),
            FaultRule(kind: .status, count: 2, status: 500),
            FaultRule(kind: .status, count: 2, status: 502),
            FaultRule(kind: .status, count: 1, status: 503, retryAfter: 1),
            FaultRule(kind: .status, count: 2, status: 504),
            FaultRule(kind: .slow, count: 2, delayMs: 300),
            FaultRule(kind: .reset, count: 2),
            FaultRule(kind: .truncate, count: 2),
            FaultRule(kind: .revoke, count: 1),
        ])
    func faultsSurvived(fault: FaultRule) async throws {
        try await EmulatorHarness.with { harness in
            var rule = fault
            rule.pathPrefix = "/2.0/events"
            harness.core.addFault(rule)
            let (ids, _) = try await harness.drainAdminLogs(limit: 200)
            #expect(ids == harness.expectedEventIDs(), "fault \(fault.kind)")
            let stats = await harness.scheduler.stats()
            let failures = stats.calls["events", default: [:]].filter { $0.key != "2xx" }.values.reduce(0, +)
            if fault.kind != .slow { #expect(failures >= 1, "the fault was hit: \(stats.calls)") }
        }
    }
}
