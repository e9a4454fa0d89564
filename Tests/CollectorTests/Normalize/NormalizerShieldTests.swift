import BoxBridgeProtocol
import Collector
import Foundation
import Testing

/// One Shield payload variant of spec 004 and what must come out of it.
struct ShieldCase: Sendable, CustomTestStringConvertible {
    let variant: String
    let eventType: String
    let category: Boxbridge_V1_Category
    let kind: String
    let controlMode: Boxbridge_V1_ControlMode
    let serviceID: String
    let serviceName: String
    let classification: String
    let fileID: String
    let versionID: String
    let size: Int64
    var accessUserID = ""
    var inviteeLogin = ""
    var justificationID = ""
    var requestedAt: Int64 = 0
    var testDescription: String { "\(variant) (\(eventType))" }

    var payload: String { ShieldSpecPayloads.all.first { $0.name == variant }!.payload }
}

@Suite("Normalizer: Box Shield")
struct NormalizerShieldTests {
    static let specCases: [ShieldCase] = [
        .init(variant: "webApp", eventType: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked, kind: "download_enforcement",
              controlMode: .enforced, serviceID: "", serviceName: "", classification: "Confidential",
              fileID: "987654321", versionID: "38495726173", size: 370, accessUserID: "123456789"),
        .init(variant: "desktopApp", eventType: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked, kind: "download_enforcement",
              controlMode: .enforced, serviceID: "254429", serviceName: "Box Drive", classification: "Confidential",
              fileID: "123456789", versionID: "987654321", size: 11640, accessUserID: "123456789"),
        .init(variant: "mobileApp", eventType: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked, kind: "download_enforcement",
              controlMode: .monitoring, serviceID: "4715", serviceName: "Box for Android", classification: "Confidential",
              fileID: "987654321", versionID: "38495726173", size: 11640, accessUserID: "123456789"),
        .init(variant: "customApp", eventType: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked, kind: "download_enforcement",
              controlMode: .enforced, serviceID: "123456", serviceName: "CustomApp", classification: "Confidential",
              fileID: "123456789", versionID: "987654321", size: 11640, accessUserID: "123456789"),
        .init(variant: "ftp", eventType: "SHIELD_DOWNLOAD_BLOCKED", category: .shieldBlocked, kind: "download_enforcement",
              controlMode: .enforced, serviceID: "4082", serviceName: "Box FTP Server", classification: "",
              fileID: "123456789", versionID: "987654321", size: 3606, accessUserID: "123456789"),
        .init(variant: "externalCollabInviteBlocked", eventType: "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED", category: .shieldBlocked,
              kind: "external_collab_enforcement", controlMode: .enforced, serviceID: "", serviceName: "",
              classification: "Confidential", fileID: "987654321", versionID: "987654321", size: 11640,
              inviteeLogin: "somename@box.com"),
        .init(variant: "externalCollabInviteBlocked", eventType: "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED_MISSING_JUSTIFICATION",
              category: .shieldBlocked, kind: "external_collab_enforcement", controlMode: .enforced, serviceID: "", serviceName: "",
              classification: "Confidential", fileID: "987654321", versionID: "987654321", size: 11640,
              inviteeLogin: "somename@box.com"),
        .init(variant: "externalCollabAccessBlocked", eventType: "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED", category: .shieldBlocked,
              kind: "external_collab_enforcement", controlMode: .enforced, serviceID: "", serviceName: "",
              classification: "Confidential", fileID: "987654321", versionID: "987654321", size: 11640,
              inviteeLogin: "somename@box.com"),
        .init(variant: "externalCollabAccessBlocked", eventType: "SHIELD_EXTERNAL_COLLAB_ACCESS_BLOCKED_MISSING_JUSTIFICATION",
              category: .shieldBlocked, kind: "external_collab_enforcement", controlMode: .enforced, serviceID: "", serviceName: "",
              classification: "Confidential", fileID: "987654321", versionID: "987654321", size: 11640,
              inviteeLogin: "somename@box.com"),
        .init(variant: "externalCollabInviteJustified", eventType: "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", category: .shieldJustified,
              kind: "external_collab_enforcement", controlMode: .enforced, serviceID: "", serviceName: "",
              classification: "Confidential", fileID: "123456789", versionID: "123456789", size: 11640,
              inviteeLogin: "somename@box.com", justificationID: "17786127", requestedAt: 1_644_874_023),
        .init(variant: "justificationApproval", eventType: "SHIELD_JUSTIFICATION_APPROVAL", category: .shieldJustified,
              kind: "justification", controlMode: .unspecified, serviceID: "", serviceName: "", classification: "",
              fileID: "987654321", versionID: "987654321", size: 11640,
              inviteeLogin: "somename@box.com", justificationID: "18428718", requestedAt: 1_645_556_286),
    ]

    @Test("every Shield payload of spec 004, verbatim", arguments: specCases)
    func specPayloads(_ c: ShieldCase) throws {
        let json = Fixtures.shieldEvent(type: c.eventType, payload: c.payload)
        let event = try normalized(json)
        #expect(event.category == c.category)
        #expect(event.boxEventType == c.eventType)
        let shield = event.shield
        #expect(shield.kind == c.kind)
        #expect(shield.controlMode == c.controlMode)
        #expect(shield.serviceID == c.serviceID)
        #expect(shield.serviceName == c.serviceName)
        #expect(shield.classification == c.classification)
        // Numeric ids become strings; the payload's item becomes the event's file.
        #expect(event.file.id == c.fileID)
        #expect(event.file.versionID == c.versionID)
        #expect(event.file.size == c.size)
        #expect(event.file.itemType == "file")
        #expect(event.file.sha1.count == 40)
        #expect(shield.accessUser.id == c.accessUserID)
        #expect(shield.invitee.login == c.inviteeLogin)
        #expect(shield.justification.id == c.justificationID)
        #expect(shield.justification.requestedAt.seconds == c.requestedAt)
        #expect(shield.targetsServiceAccount == false)
        #expect(event.raw[0].json == Data(json.utf8))
    }

    @Test("external collab: inviter and invitee are read, camelCase keys included")
    func externalCollabDetails() throws {
        let event = try normalized(Fixtures.shieldEvent(type: "SHIELD_EXTERNAL_COLLAB_INVITE_BLOCKED", payload: ShieldSpecPayloads.externalCollabInviteBlocked))
        #expect(event.shield.inviter.id == "123456789")
        #expect(event.shield.invitee.id == "123456789")
        #expect(event.shield.invitee.external)  // box.com is not one of the test domains
        #expect(event.shield.hasAccessUser == false)  // accessUser is null
        // Blocked: nothing was exposed.
        #expect(event.exposure == .unspecified)
    }

    @Test("justified external collab: the full justification, unix seconds to UTC, exposure external")
    func justified() throws {
        let event = try normalized(Fixtures.shieldEvent(type: "SHIELD_EXTERNAL_COLLAB_INVITE_JUSTIFIED", payload: ShieldSpecPayloads.externalCollabInviteJustified))
        let j = event.shield.justification
        #expect(j.id == "17786127")
        #expect(j.requestType == "EXTERNAL_COLLAB")
        #expect(j.title == "Approved")
        #expect(j.action == "APPROVED")
        #expect(j.requestedBy.id == "123456789")
        #expect(j.approvedBy.login == "somename@box.com")
        #expect(j.requestedAt.seconds == 1_644_874_023)
        #expect(j.actionAt.seconds == 1_644_874_023)
        #expect(event.exposure == .external)
    }

    @Test("justification approval: title, approver, action time")
    func approval() throws {
        let event = try normalized(Fixtures.shieldEvent(type: "SHIELD_JUSTIFICATION_APPROVAL", payload: ShieldSpecPayloads.justificationApproval))
        #expect(event.shield.justification.title == "Partner Project")
        #expect(event.shield.justification.actionAt.seconds == 1_645_556_286)
        #expect(event.file.name == "testFile.docx")
    }

    @Test("the spec's 3rd-party sample, verbatim, is malformed JSON and is quarantined with its bytes")
    func thirdPartyVerbatim() throws {
        let json = Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: ShieldSpecPayloads.thirdPartyApp)
        let quarantined = try #require(standardNormalizer.normalize(raw: Array(json.utf8)).quarantined)
        #expect(quarantined.reason.hasPrefix("invalid JSON: unexpected end of input in an object"))
        #expect(quarantined.raw == Data(json.utf8))
        #expect(quarantined.connection == "acme")
    }

    @Test("3rd-party app: service as a string (the spec sample with its missing brace restored)")
    func thirdPartyService() throws {
        let event = try normalized(Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: ShieldSpecPayloads.thirdPartyApp + "}"))
        #expect(event.shield.serviceName == "docusign")
        #expect(event.shield.serviceID == "")
        #expect(event.shield.accessUser.id == "11754686560")
        #expect(event.shield.accessUser.login == "mfeng+demo@boxdemo.com")
        #expect(event.file.id == "875644956551")
        #expect(event.file.versionID == "941051265322")
    }

    @Test("SHIELD_ALERT: null source, anonymous actor, alert fields with numeric ids")
    func shieldAlert() throws {
        let event = try normalized(Fixtures.shieldAlert)
        #expect(event.category == .shieldAlert)
        #expect(event.hasActor == false)
        #expect(event.hasFile == false)
        let shield = event.shield
        #expect(shield.kind == "alert")
        #expect(shield.ruleCategory == "Suspicious Locations")
        #expect(shield.ruleID == "123")
        #expect(shield.ruleName == "Suspicious Location rule")
        #expect(shield.riskScore == 60)
        #expect(shield.alertSummary == "Access from an unusual location")
        #expect(shield.alertID == "456789")
        #expect(shield.priority == "medium")
        #expect(shield.accessUser.id == "987654")
        #expect(shield.accessUser.login == "somename@box.com")
        #expect(event.occurredAt.seconds == 1_576_870_736)
    }

    @Test("Shield acting on the bridge's own account is flagged, by access user or by actor")
    func targetsServiceAccount() throws {
        let payload = ShieldSpecPayloads.desktopApp.replacingOccurrences(of: #""id": 123456789,"#, with: #""id": 3000001,"#)
        let event = try normalized(Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: payload))
        #expect(event.shield.accessUser.id == "3000001")
        #expect(event.shield.targetsServiceAccount)
        #expect(event.byServiceAccount == false)
        let byActor = try normalized(Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: ShieldSpecPayloads.webApp, createdBy: Fixtures.serviceAccount))
        #expect(byActor.shield.targetsServiceAccount)
        #expect(byActor.byServiceAccount)
    }

    @Test("a Shield event whose payload has the wrong type is quarantined with the field named")
    func shieldWrongTypes() throws {
        let badService = ShieldSpecPayloads.webApp.replacingOccurrences(of: #""service": null"#, with: #""service": [1]"#)
        let q1 = try #require(standardNormalizer.normalize(raw: Array(Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: badService).utf8)).quarantined)
        #expect(q1.reason == "additional_details.shield_download_enforcement.service is an array, expected null, an object or a string")
        #expect(q1.eventID == "shield-shield_download_blocked")
        let badDetails = #""additional_details": "blocked""#
        let q2 = try #require(standardNormalizer.normalize(raw: Array(Fixtures.shieldEvent(type: "SHIELD_DOWNLOAD_BLOCKED", payload: badDetails).utf8)).quarantined)
        #expect(q2.reason == "additional_details is a string, expected an object")
    }
}
