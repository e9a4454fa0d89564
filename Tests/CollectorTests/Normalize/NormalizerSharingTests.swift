import BoxBridgeProtocol
import Collector
import Testing

/// A collaboration source shape and what the normalizer must read from it.
struct CollaborationCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let fileID: String
    let itemType: String
    let inviteeID: String?
    let groupID: String?
    var testDescription: String { name }
}

@Suite("Normalizer: sharing, collaborations and exposure")
struct NormalizerSharingTests {
    static let shapeCases: [CollaborationCase] = [
        .init(name: "folder level, user invitee",
              source: #"{"folder_id":"47846340014","folder_name":"Deals","user_id":"182069272","user_name":"Matt Willer","parent":{"type":"folder","name":"All Files","id":"0"},"owned_by":\#(Fixtures.aaron)}"#,
              fileID: "47846340014", itemType: "folder", inviteeID: "182069272", groupID: nil),
        .init(name: "file level, user invitee (no owned_by)",
              source: #"{"file_id":"9988","file_name":"Budget.xlsx","user_id":"182069272","user_name":"Matt Willer","parent":{"type":"folder","name":"Finance","id":"44"}}"#,
              fileID: "9988", itemType: "file", inviteeID: "182069272", groupID: nil),
        .init(name: "folder level, group invitee",
              source: #"{"folder_id":"123","folder_name":"Deals","group_id":"7001","group_name":"Sales EMEA","parent":{"type":"folder","name":"All Files","id":"0"},"owned_by":\#(Fixtures.aaron)}"#,
              fileID: "123", itemType: "folder", inviteeID: nil, groupID: "7001"),
        .init(name: "file level, group invitee, numeric ids",
              source: #"{"file_id":9988,"file_name":"Budget.xlsx","group_id":7001,"group_name":"Sales EMEA","parent":null}"#,
              fileID: "9988", itemType: "file", inviteeID: nil, groupID: "7001"),
    ]

    @Test("every collaboration source shape", arguments: shapeCases)
    func collaborationShapes(_ testCase: CollaborationCase) throws {
        let details = #"{"type":"box://event/additional_details/collaboration","collab_id":"123456","is_performed_by_admin":true,"role":"editor"}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_INVITE", source: testCase.source, details: details))
        #expect(event.category == .sharedDirect)
        #expect(event.file.id == testCase.fileID)
        #expect(event.file.itemType == testCase.itemType)
        #expect(event.share.collaborationID == "123456")
        #expect(event.share.performedByAdmin)
        #expect(event.share.role == "editor")
        if let inviteeID = testCase.inviteeID {
            #expect(event.share.invitee.id == inviteeID)
            #expect(event.share.hasInviteeGroup == false)
        }
        if let groupID = testCase.groupID {
            #expect(event.share.inviteeGroup.id == groupID)
            #expect(event.share.inviteeGroup.name == "Sales EMEA")
            #expect(event.share.hasInvitee == false)
            // Groups belong to the enterprise.
            #expect(event.exposure == .internal)
        }
    }

    @Test("the API-NOTES COLLABORATION_INVITE example")
    func collaborationInviteExample() throws {
        let event = try normalized(Fixtures.collaborationInviteExample)
        #expect(event.eventIds == ["85c57bf3-bc15-4d24-93bc-955c796217c8"])
        #expect(event.file.id == "47846340014")
        #expect(event.file.name == "SharedWithServiceAccount")
        #expect(event.file.parentID == "0")
        #expect(event.file.owner.id == "11111")
        #expect(event.share.invitee.id == "182069272")
        #expect(event.share.invitee.name == "Matt Willer")
        #expect(event.share.collaborationID == "123456")
        #expect(event.share.performedByAdmin == false)
        #expect(event.ipAddress == "")
        #expect(event.actor.login == "test@user.com")
        #expect(event.actor.external)
        // The invitee's login is unknown from the event alone: exposure waits for enrichment.
        #expect(event.exposure == .unspecified)
    }

    @Test(
        "invitee internal or external by several internal domains (exact or subdomain, any case)",
        arguments: [
            ("someone@example.com", Boxbridge_V1_Exposure.internal),
            ("someone@EXAMPLE.com", .internal),
            ("someone@eu.example.com", .internal),
            ("someone@deep.eu.Example.Org", .internal),
            ("someone@acme.co.uk", .internal),
            ("someone@notexample.com", .external),
            ("someone@example.com.evil.net", .external),
            ("someone@gmail.com", .external),
            ("someone@co.uk", .external),
        ])
    func inviteeDomains(login: String, exposure: Boxbridge_V1_Exposure) throws {
        let accessible = #","accessible_by":{"type":"user","id":"182069272","name":"Matt","login":"\#(login)"}"#
        let source = #"{"folder_id":"1","folder_name":"Deals","user_id":"182069272","user_name":"Matt","parent":null}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_INVITE", source: source, extra: accessible))
        #expect(event.share.invitee.login == login)
        #expect(event.exposure == exposure)
        #expect(event.share.external == (exposure == .external))
        #expect(event.share.invitee.external == (exposure == .external))
    }

    @Test("an invitee without an account is named by email, which decides exposure")
    func emailNamedInvitee() throws {
        let source = #"{"file_id":"5","file_name":"x","user_id":"77","user_name":"partner@vendor.io","parent":null}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_INVITE", source: source))
        #expect(event.share.invitee.login == "partner@vendor.io")
        #expect(event.exposure == .external)
    }

    @Test("top-level accessible_by as a group")
    func accessibleByGroup() throws {
        let extra = #","accessible_by":{"type":"group","id":"7001","name":"Sales","group_type":"managed_group"}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_INVITE", source: Fixtures.itemSource(), extra: extra))
        #expect(event.share.inviteeGroup.id == "7001")
        #expect(event.exposure == .internal)
    }

    @Test("with no internal domains configured, nobody is external and exposure stays unknown")
    func noDomains() throws {
        let normalizer = Normalizer(connection: "acme")
        let extra = #","accessible_by":{"type":"user","id":"1","name":"G","login":"guest@gmail.com"}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_INVITE", source: Fixtures.itemSource(), extra: extra), with: normalizer)
        #expect(event.share.invitee.external == false)
        #expect(event.exposure == .unspecified)
    }

    @Test("user-stream collaboration object")
    func userStreamCollaboration() throws {
        let source = #"""
        {"type":"collaboration","id":"991","role":"viewer","status":"accepted","invite_email":null,
         "item":{"type":"folder","id":"321","name":"Board"},
         "accessible_by":{"type":"user","id":"44","name":"Eve","login":"eve@rival.com"}}
        """#
        let event = try normalized(Fixtures.event(type: "COLLAB_ADD_COLLABORATOR", source: source))
        #expect(event.category == .sharedDirect)
        #expect(event.file.id == "321")
        #expect(event.file.itemType == "folder")
        #expect(event.share.collaborationID == "991")
        #expect(event.share.role == "viewer")
        #expect(event.share.invitee.login == "eve@rival.com")
        #expect(event.exposure == .external)
    }

    @Test(
        "shared-link exposure from the link's effective access",
        arguments: [
            ("open", Boxbridge_V1_LinkAccess.open, Boxbridge_V1_Exposure.public),
            ("company", .company, .internal),
            ("collaborators", .collaborators, .internal),
        ])
    func sharedLinkExposure(access: String, linkAccess: Boxbridge_V1_LinkAccess, exposure: Boxbridge_V1_Exposure) throws {
        let details = #"{"shared_link":{"access":"collaborators","effective_access":"\#(access)"}}"#
        let event = try normalized(Fixtures.event(type: "SHARE", source: Fixtures.itemSource(), details: details))
        #expect(event.category == .sharedLink)
        #expect(event.share.linkAccess == linkAccess)
        #expect(event.exposure == exposure)
        #expect(event.share.external == (exposure == .public))
    }

    @Test("a SHARE event without link details has share details but unknown exposure")
    func shareWithoutAccess() throws {
        let event = try normalized(Fixtures.event(type: "SHARE", source: Fixtures.itemSource()))
        #expect(event.hasShare)
        #expect(event.share.linkAccess == .unspecified)
        #expect(event.exposure == .unspecified)
    }

    @Test("unshare and collaboration removal keep who it was, without claiming an exposure")
    func unshared() throws {
        let source = #"{"folder_id":"1","folder_name":"Deals","user_id":"182069272","user_name":"Matt","parent":null}"#
        let event = try normalized(Fixtures.event(type: "COLLABORATION_REMOVE", source: source, details: #"{"collab_id":"5"}"#))
        #expect(event.category == .unshared)
        #expect(event.share.invitee.id == "182069272")
        #expect(event.share.collaborationID == "5")
        #expect(event.exposure == .unspecified)
    }
}
