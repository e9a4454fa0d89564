import BoxBridgeProtocol
import Collector
import Foundation
import Testing

let standardNormalizer = Normalizer(
    connection: "acme",
    internalDomains: ["example.com", "Example.ORG", "@acme.co.uk"],
    serviceAccount: .init(userID: "3000001", login: "automationuser_1_abc@boxdevedition.com"),
    streamType: "admin_logs_streaming"
)

/// Normalizes and requires a file event (not a quarantine).
func normalized(_ json: String, with normalizer: Normalizer = standardNormalizer, sourceLocation: SourceLocation = #_sourceLocation) throws -> Boxbridge_V1_FileEvent {
    let result = normalizer.normalize(raw: Array(json.utf8))
    if case .quarantined(let q) = result {
        Issue.record("quarantined: \(q.reason)", sourceLocation: sourceLocation)
    }
    return try #require(result.event, sourceLocation: sourceLocation)
}

/// One Box event type and the category it must land in.
struct CategoryCase: Sendable, CustomTestStringConvertible {
    let type: String
    let category: Boxbridge_V1_Category
    var testDescription: String { "\(type) → \(category.topicName)" }
}

@Suite("Normalizer: event families")
struct NormalizerFamilyTests {
    static let categoryCases: [CategoryCase] = [
        .init(type: "UPLOAD", category: .created), .init(type: "COPY", category: .created),
        .init(type: "ITEM_CREATE", category: .created), .init(type: "ITEM_UPLOAD", category: .created),
        .init(type: "ITEM_COPY", category: .created),
        .init(type: "EDIT", category: .modified), .init(type: "ITEM_MODIFY", category: .modified),
        .init(type: "FILE_VERSION_RESTORE", category: .modified), .init(type: "ITEM_MAKE_CURRENT_VERSION", category: .modified),
        .init(type: "RENAME", category: .renamed), .init(type: "ITEM_RENAME", category: .renamed),
        .init(type: "MOVE", category: .moved), .init(type: "ITEM_MOVE", category: .moved),
        .init(type: "DELETE", category: .deleted), .init(type: "ITEM_TRASH", category: .deleted),
        .init(type: "STORAGE_EXPIRATION", category: .deleted),
        .init(type: "UNDELETE", category: .restored), .init(type: "ITEM_UNDELETE_VIA_TRASH", category: .restored),
        .init(type: "SHARE", category: .sharedLink), .init(type: "ITEM_SHARED_UPDATE", category: .sharedLink),
        .init(type: "ITEM_SHARED_CREATE", category: .sharedLink), .init(type: "SHARED_LINK_SEND", category: .sharedLink),
        .init(type: "COLLABORATION_INVITE", category: .sharedDirect), .init(type: "COLLABORATION_ACCEPT", category: .sharedDirect),
        .init(type: "COLLABORATION_ROLE_CHANGE", category: .sharedDirect), .init(type: "COLLAB_ADD_COLLABORATOR", category: .sharedDirect),
        .init(type: "COLLAB_INVITE_COLLABORATOR", category: .sharedDirect), .init(type: "COLLAB_ROLE_CHANGE", category: .sharedDirect),
        .init(type: "GROUP_ADD_ITEM", category: .sharedDirect),
        .init(type: "UNSHARE", category: .unshared), .init(type: "ITEM_SHARED_UNSHARE", category: .unshared),
        .init(type: "SHARE_EXPIRATION", category: .unshared), .init(type: "COLLABORATION_REMOVE", category: .unshared),
        .init(type: "COLLAB_REMOVE_COLLABORATOR", category: .unshared), .init(type: "COLLABORATION_EXPIRATION", category: .unshared),
        .init(type: "GROUP_REMOVE_ITEM", category: .unshared),
        .init(type: "DOWNLOAD", category: .downloaded), .init(type: "ITEM_DOWNLOAD", category: .downloaded),
        .init(type: "FILE_WATERMARKED_DOWNLOAD", category: .downloaded),
        .init(type: "PREVIEW", category: .previewed), .init(type: "ITEM_PREVIEW", category: .previewed),
        .init(type: "ITEM_OPEN", category: .previewed), .init(type: "CONTENT_ACCESS", category: .previewed),
        .init(type: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked),
        .init(type: "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED", category: .shieldBlocked),
        .init(type: "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED_MISSING_JUSTIFICATION", category: .shieldBlocked),
        .init(type: "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED", category: .shieldBlocked),
        .init(type: "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION", category: .shieldBlocked),
        .init(type: "SHIELD_SHARED_LINK_ACCESS_BLOCKED", category: .shieldBlocked),
        .init(type: "SHIELD_INFORMATION_BARRIER_COLLAB_BLOCKED", category: .shieldBlocked),
        .init(type: "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", category: .shieldJustified),
        .init(type: "SHIELD_JUSTIFICATION_APPROVAL", category: .shieldJustified),
        .init(type: "SHIELD_ALERT", category: .shieldAlert),
        // Everything else is `other`, including types Box has not invented yet.
        .init(type: "LOCK", category: .other), .init(type: "UNLOCK", category: .other), .init(type: "LOCK_CREATE", category: .other),
        .init(type: "LOGIN", category: .other), .init(type: "COMMENT_CREATE", category: .other),
        .init(type: "METADATA_INSTANCE_CREATE", category: .other), .init(type: "SHIELD_ACCESS_POLICY_CREATED", category: .other),
        .init(type: "SHIELD_INFORMATION_BARRIER_ENABLED", category: .other),
        .init(type: "CONTENT_WORKFLOW_ABNORMAL_DOWNLOAD_ACTIVITY", category: .other),
        .init(type: "SOMETHING_BOX_ADDS_IN_2030", category: .other), .init(type: "upload", category: .other),
    ]

    @Test("every event type lands in its category", arguments: categoryCases)
    func categories(_ testCase: CategoryCase) throws {
        let details = testCase.type.hasPrefix("SHIELD") ? "{}" : "null"
        let event = try normalized(Fixtures.event(type: testCase.type, source: Fixtures.itemSource(), details: details))
        #expect(event.category == testCase.category)
        #expect(event.boxEventType == testCase.type)
        #expect(event.raw.count == 1)
    }

    @Test("the UPLOAD example: item source, sizes, envelope, raw bytes kept")
    func uploadExample() throws {
        let json = Fixtures.uploadExample
        let event = try normalized(json)
        #expect(event.connection == "acme")
        #expect(event.eventIds == ["1a4ade16-b1ff-4cc3-89a8-955e1522557c"])
        #expect(event.category == .created)
        #expect(event.streamType == "admin_logs_streaming")
        #expect(event.coalescedCount == 1)
        // 2024-05-01T09:41:31-07:00 is 16:41:31 UTC.
        #expect(event.occurredAt.seconds == 1_714_581_691)
        #expect(event.lastOccurredAt == event.occurredAt)
        #expect(event.recordedAt.seconds == 1_714_581_692)
        #expect(event.actor.id == "11446498")
        #expect(event.actor.login == "ceo@example.com")
        #expect(event.actor.external == false)
        #expect(event.ipAddress == "10.1.2.3")
        #expect(event.file.id == "8903212345")
        #expect(event.file.name == "example.docx")
        #expect(event.file.itemType == "file")
        #expect(event.file.parentID == "12345")
        #expect(event.file.parentName == "Contracts")
        #expect(event.file.owner.id == "11446498")
        #expect(event.file.size == 14_212_335)
        #expect(event.file.versionID == "111111111111")
        #expect(event.hasShare == false)
        #expect(event.exposure == .unspecified)
        #expect(event.raw[0].eventID == event.eventIds[0])
        #expect(event.raw[0].json == Data(json.utf8))
        #expect(event.byServiceAccount == false)
    }

    @Test("sizes above 2^32 and numeric ids survive as Int64 and digit strings")
    func bigSizesAndNumericIDs() throws {
        let source = Fixtures.itemSource(id: "98765432109876543")  // a JSON number above 2^53
        let event = try normalized(Fixtures.event(type: "UPLOAD", source: source, details: #"{"size":5368709120123,"version_id":77777777777}"#))
        #expect(event.file.size == 5_368_709_120_123)
        #expect(event.file.id == "98765432109876543")
        #expect(event.file.versionID == "77777777777")
        let numericActor = #"{"type":"user","id":11446498,"name":"Aaron","login":"ceo@example.com"}"#
        #expect(try normalized(Fixtures.event(type: "UPLOAD", createdBy: numericActor, source: source)).actor.id == "11446498")
    }

    @Test("folder items and null parents (root or trash)")
    func foldersAndNullParents() throws {
        let event = try normalized(Fixtures.event(type: "DELETE", source: Fixtures.itemSource(type: "folder", name: "Q3", parent: "null")))
        #expect(event.file.itemType == "folder")
        #expect(event.file.parentID == "")
        #expect(event.category == .deleted)
    }

    @Test("classification is read from the item source")
    func classification() throws {
        let event = try normalized(Fixtures.event(type: "DOWNLOAD", source: Fixtures.itemSource(classification: "Confidential")))
        #expect(event.file.classification == "Confidential")
    }

    @Test("NFD and NFC names are kept exactly as sent")
    func unicodeNames() throws {
        let nfd = "Re\u{301}sume\u{301} \u{1F600}.docx"
        let nfc = "R\u{E9}sum\u{E9}.docx"
        let escaped = try normalized(Fixtures.event(type: "UPLOAD", source: Fixtures.itemSource(name: #"Re\u0301sume\u0301 \ud83d\ude00.docx"#)))
        #expect(Array(escaped.file.name.utf8) == Array(nfd.utf8))
        let raw = try normalized(Fixtures.event(type: "UPLOAD", source: Fixtures.itemSource(name: nfd)))
        #expect(Array(raw.file.name.utf8) == Array(nfd.utf8))
        #expect(Array(raw.file.name.utf8) != Array(nfc.utf8))
        let composed = try normalized(Fixtures.event(type: "UPLOAD", source: Fixtures.itemSource(name: nfc)))
        #expect(Array(composed.file.name.utf8) == Array(nfc.utf8))
    }

    @Test("names with escaped quotes and backslashes are decoded")
    func escapedNames() throws {
        let event = try normalized(Fixtures.event(type: "UPLOAD", source: Fixtures.itemSource(name: #"a \"b\" \\ c\/d\n"#)))
        #expect(event.file.name == "a \"b\" \\ c/d\n")
    }

    @Test("the anonymous user (id 2) is never the actor")
    func anonymousActor() throws {
        let event = try normalized(Fixtures.event(type: "PREVIEW", createdBy: Fixtures.anonymous, source: Fixtures.itemSource()))
        #expect(event.hasActor == false)
        #expect(event.file.id == "8903212345")
        let numeric = #"{"type":"user","id":2,"name":"Unknown User","login":""}"#
        #expect(try normalized(Fixtures.event(type: "PREVIEW", createdBy: numeric, source: Fixtures.itemSource())).hasActor == false)
        #expect(try normalized(Fixtures.event(type: "PREVIEW", createdBy: "null", source: Fixtures.itemSource())).hasActor == false)
    }

    @Test(
        "IP addresses: Unknown IP and non-addresses are never an IP",
        arguments: [
            ("10.1.2.3", "10.1.2.3"), ("2001:db8::1", "2001:db8::1"), ("Unknown IP", ""), ("unknown ip", ""),
            ("", ""), ("localhost", ""),
        ])
    func ipAddresses(ip: String, expected: String) throws {
        #expect(try normalized(Fixtures.event(type: "LOGIN", ip: ip)).ipAddress == expected)
    }

    @Test("a missing or null ip_address is empty")
    func nullIP() throws {
        let json = Fixtures.event(type: "LOGIN").replacingOccurrences(of: #""ip_address":"10.1.2.3","#, with: #""ip_address":null,"#)
        #expect(json.contains(#""ip_address":null"#))
        #expect(try normalized(json).ipAddress == "")
    }

    @Test(
        "timestamps with any offset become UTC",
        arguments: [
            ("2024-05-01T09:41:31-07:00", Int64(1_714_581_691), Int32(0)),
            ("2024-05-01T16:41:31Z", 1_714_581_691, 0),
            ("2024-05-01T16:41:31+00:00", 1_714_581_691, 0),
            ("2024-05-02T02:11:31+09:30", 1_714_581_691, 0),
            ("2024-05-01T16:41:31.250Z", 1_714_581_691, 250_000_000),
            ("2024-05-01T12:41:31.123456789-04:00", 1_714_581_691, 123_456_789),
            ("2024-02-29T23:59:59-01:00", 1_709_254_799, 0),
            ("1969-12-31T23:59:59Z", -1, 0),
        ])
    func timestamps(text: String, seconds: Int64, nanos: Int32) throws {
        let event = try normalized(Fixtures.event(type: "UPLOAD", createdAt: text))
        #expect(event.occurredAt.seconds == seconds)
        #expect(event.occurredAt.nanos == nanos)
    }

    @Test("user-stream events: full File source with path, size, sha1, version")
    func userStreamFile() throws {
        let source = #"""
        {"type":"file","id":"1234","sequence_id":"3","etag":"3","sha1":"85136c79cbf9fe36bb9d05d0639c70c265c18d37",
         "name":"Plan.pdf","size":6442450944,
         "file_version":{"type":"file_version","id":"555","sha1":"85136c79cbf9fe36bb9d05d0639c70c265c18d37"},
         "path_collection":{"total_count":2,"entries":[{"type":"folder","id":"0","sequence_id":null,"etag":null,"name":"All Files"},
           {"type":"folder","id":"77","sequence_id":"1","etag":"1","name":"Projects"}]},
         "parent":{"type":"folder","id":"77","sequence_id":"1","etag":"1","name":"Projects"},
         "owned_by":{"type":"user","id":"22","name":"Mia Chen","login":"mia@eu.example.com"},
         "shared_link":{"url":"https://app.box.com/s/x","access":"open","effective_access":"company"},
         "item_status":"active"}
        """#
        let event = try normalized(Fixtures.event(type: "ITEM_SHARED_CREATE", source: source))
        #expect(event.category == .sharedLink)
        #expect(event.file.id == "1234")
        #expect(event.file.itemType == "file")
        #expect(event.file.size == 6_442_450_944)
        #expect(event.file.sha1 == "85136c79cbf9fe36bb9d05d0639c70c265c18d37")
        #expect(event.file.versionID == "555")
        #expect(event.file.path == "/All Files/Projects/Plan.pdf")
        #expect(event.file.parentID == "77")
        #expect(event.file.owner.login == "mia@eu.example.com")
        #expect(event.file.owner.external == false)
        // Effective access wins over the link's nominal access.
        #expect(event.share.linkAccess == .company)
        #expect(event.exposure == .internal)
    }

    @Test(
        "user-stream names map like their enterprise twins",
        arguments: [
            ("ITEM_UPLOAD", Boxbridge_V1_Category.created), ("ITEM_TRASH", .deleted), ("ITEM_MOVE", .moved),
            ("ITEM_DOWNLOAD", .downloaded), ("ITEM_PREVIEW", .previewed), ("ITEM_RENAME", .renamed),
        ])
    func userStreamNames(type: String, category: Boxbridge_V1_Category) throws {
        let source = #"{"type":"folder","id":"99","name":"Team","parent":null,"owned_by":\#(Fixtures.ownerMia)}"#
        let event = try normalized(Fixtures.event(type: type, source: source))
        #expect(event.category == category)
        #expect(event.file.id == "99")
        #expect(event.file.itemType == "folder")
    }

    @Test("user, group and application sources are `other` with no file, raw kept")
    func nonItemSources() throws {
        for source in [
            #"{"type":"user","id":"33","name":"New Person","login":"new@example.com"}"#,
            #"{"group_id":"9001","group_name":"Finance"}"#,
            #"{"type":"application","name":"Contoso Sync","api_key":"abcdef"}"#,
            #"{"id":"12","type":"app_item","app_item_type":"hubs"}"#,
        ] {
            let json = Fixtures.event(type: "NEW_USER", source: source)
            let event = try normalized(json)
            #expect(event.category == .other)
            #expect(event.hasFile == false)
            #expect(event.hasShare == false)
            #expect(event.raw[0].json == Data(json.utf8))
        }
    }

    @Test("the bridge's own account is marked by id or by login, case-insensitively")
    func serviceAccountActivity() throws {
        let byID = try normalized(Fixtures.event(type: "DOWNLOAD", createdBy: Fixtures.serviceAccount, source: Fixtures.itemSource()))
        #expect(byID.byServiceAccount)
        let byLogin = #"{"type":"user","id":"999","name":"x","login":"AUTOMATIONUSER_1_ABC@boxdevedition.com"}"#
        #expect(try normalized(Fixtures.event(type: "DOWNLOAD", createdBy: byLogin, source: Fixtures.itemSource())).byServiceAccount)
        #expect(try normalized(Fixtures.event(type: "DOWNLOAD", source: Fixtures.itemSource())).byServiceAccount == false)
        let noAccount = Normalizer(connection: "acme")
        #expect(try normalized(Fixtures.event(type: "DOWNLOAD", createdBy: Fixtures.serviceAccount, source: Fixtures.itemSource()), with: noAccount).byServiceAccount == false)
    }

    @Test("an external actor is marked external")
    func externalActor() throws {
        let outsider = #"{"type":"user","id":"55","name":"Guest","login":"guest@gmail.com"}"#
        let event = try normalized(Fixtures.event(type: "PREVIEW", createdBy: outsider, source: Fixtures.itemSource()))
        #expect(event.actor.external)
    }

    @Test("the JSON mapping is valid protobuf JSON and round-trips")
    func jsonMapping() throws {
        let event = try normalized(Fixtures.uploadExample)
        let text = try event.jsonString()
        #expect(text.contains(#""category":"CATEGORY_CREATED""#))
        #expect(text.contains(#""size":"14212335""#))
        let back = try Boxbridge_V1_FileEvent(jsonString: text)
        #expect(back == event)
        let binary: [UInt8] = try event.serializedBytes()
        #expect(try Boxbridge_V1_FileEvent(serializedBytes: binary) == event)
    }
}
