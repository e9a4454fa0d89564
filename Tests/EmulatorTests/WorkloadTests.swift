import Foundation
import Testing
@testable import BoxEmulator

@Suite struct WorkloadTests {
    static func log(seed: UInt64, backlog: Int = 5_000, malformed: Double = 0.002) -> EventLog {
        let e = Enterprise(seed: seed, userCount: 40, inactiveShare: 0.12, groupCount: 8, foldersPerUser: 3, filesPerUser: 8,
                           enterpriseID: "1234567", epoch: 1_790_000_000)
        return EventLog(generator: EventGenerator(enterprise: e, seed: seed, malformedShare: malformed), backlogSize: backlog,
                        spacing: 1.5, startTime: 1_790_000_000, eventsPerSecond: 0, clock: EmulatorClock { 1_790_000_000 })
    }

    @Test func sameSeedGivesByteIdenticalStream() {
        let a = WorkloadTests.log(seed: 42), b = WorkloadTests.log(seed: 42), c = WorkloadTests.log(seed: 43)
        var differs = false
        for i in UInt64(0)..<2_000 {
            #expect(a.event(i).bytes == b.event(i).bytes)
            if a.event(i).bytes != c.event(i).bytes { differs = true }
        }
        #expect(differs)
        // Random access gives the same bytes as sequential access.
        #expect(a.event(1_234).bytes == WorkloadTests.log(seed: 42).event(1_234).bytes)
    }

    @Test func mixCoversEveryFamilyAndShieldVariant() throws {
        let log = WorkloadTests.log(seed: 7, backlog: 30_000)
        var families = Set<EventFamily>()
        var types = Set<String>()
        var text = ""
        var malformed = 0
        var doubleEmission = false
        var burst = false
        var previous: GeneratedEvent?
        for i in UInt64(0)..<30_000 {
            let (bytes, meta) = log.event(i)
            families.insert(meta.family)
            types.insert(meta.eventType)
            if meta.malformed { malformed += 1 }
            if i < 30_000 { text += String(decoding: bytes, as: UTF8.self) }
            if let p = previous, p.eventType == "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION",
               meta.eventType == "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED" { doubleEmission = true }
            if let p = previous, p.eventType == "EDIT", meta.eventType == "EDIT", p.ownerID == meta.ownerID,
               p.actorID == meta.actorID, meta.createdAt - p.createdAt < 5 { burst = true }
            previous = meta
            // Every event is valid JSON.
            _ = try JSONSerialization.jsonObject(with: Data(bytes))
        }
        #expect(families == Set(EventFamily.allCases))
        for t in ["UPLOAD", "EDIT", "RENAME", "MOVE", "COPY", "DELETE", "UNDELETE", "DOWNLOAD", "PREVIEW", "SHARE", "UNSHARE",
                  "COLLABORATION_INVITE", "COLLABORATION_REMOVE", "LOCK", "ITEM_UPLOAD", "ITEM_TRASH", "COLLAB_ADD_COLLABORATOR",
                  "LOGIN", "GROUP_ADD_USER", "SHIELD_ALERT", "SHIELD_DOWNLOAD_BLOCKED", "SHIELD_JUSTIFICATION_APPROVAL",
                  "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED", "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED"] {
            #expect(types.contains(t), "missing \(t)")
        }
        #expect(doubleEmission)
        #expect(burst)
        #expect(malformed > 10 && malformed < 200)
        for needle in ["\"service\":null", "\"service\":{\"service\":254429", "\"service\":\"docusign\"", "\"controlMode\":\"monitoring\"",
                       "\"controlMode\":\"enforced\"", "\"accessUser\":null", "\"source\":null", "\"id\":\"2\",\"name\":\"Unknown User\",\"login\":\"\"",
                       "\"ip_address\":\"Unknown IP\"", "\"folder_id\":", "\"file_id\":", "\"group_id\":", "\"accessible_by\":",
                       "\"justification\":{\"justification_id\"", "\"classification\":null", "Re\u{0301}sume\u{0301}",
                       "\"type\":\"application\""] {
            #expect(text.contains(needle), "missing \(needle)")
        }
        // Sizes above 2^32 and numeric Shield ids.
        #expect(text.range(of: #"\"size\":[4-9][0-9]{9}"#, options: .regularExpression) != nil)
        #expect(text.range(of: #"\"item\":\{\"type\":\"file\",\"id\":[0-9]+"#, options: .regularExpression) != nil)
    }

    @Test func scopeCSVDecidesGroundTruth() throws {
        let e = Enterprise(seed: 3, userCount: 40, inactiveShare: 0.3, groupCount: 8, foldersPerUser: 2, filesPerUser: 4,
                           enterpriseID: "1", epoch: 1_790_000_000)
        let inactive = try #require(e.users.prefix(e.managedCount).first { !$0.isActive })
        let active = try #require(e.users.prefix(e.managedCount).first { $0.isActive && $0.role == "user" })
        let csv = try ScopeCSV(text: "Name,Email Address\nx,\(active.login)\ny,\(inactive.login)\n")
        #expect(csv.kind == .users)
        #expect(csv.monitoredUserIDs(in: e) == [active.id])
        let groups = try ScopeCSV(text: "Group Name\nEngineering – Backend\nNo Such Group\n")
        let backend = Set(e.groups[1].memberIndices.filter { e.users[$0].isActive }.map { e.users[$0].id })
        #expect(groups.monitoredUserIDs(in: e) == backend)
        #expect(throws: ScopeCSV.ParseError.self) { try ScopeCSV(text: "Name,Phone\nx,1\n") }
        // Engineering contains Backend ("nested" in the scope-CSV sense).
        #expect(Set(e.groups[1].memberIndices).isSubset(of: Set(e.groups[0].memberIndices)))
    }

    @Test func groundTruthFileMarksScopeAndMalformed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("truth.jsonl").path
        let log = WorkloadTests.log(seed: 9, backlog: 3_000, malformed: 0.01)
        let writer = try GroundTruthWriter(path: path, scope: nil, enterprise: log.generator.enterprise)
        writer.catchUp(log: log)
        writer.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3_000)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        var inScope = 0, malformed = 0
        for line in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if o["in_scope"] as? Bool == true { inScope += 1 }
            if o["malformed"] as? Bool == true {
                malformed += 1
                #expect(o["in_scope"] as? Bool == false)
            }
        }
        #expect(inScope > 1_000 && inScope < 3_000)
        #expect(malformed > 5)
    }
}
