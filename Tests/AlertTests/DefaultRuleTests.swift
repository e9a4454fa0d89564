import BoxBridgeConfig
import BoxBridgeProtocol
import Testing

@testable import Alert

/// Each default rule fires on what it watches and stays quiet on its near misses.
@Suite("Default rules")
struct DefaultRuleTests {
    @Test("the default set has the documented names")
    func names() {
        #expect(AlertRuleSet(section: AlertSection()).rules.map(\.name) == AlertRuleSet.defaultNames)
        var off = AlertSection()
        off.defaultRules = false
        #expect(AlertRuleSet(section: off).rules.isEmpty)
    }

    @Test("external-share-classified: an external share of a classified file, not of an unclassified or internal one")
    func externalShareClassified() {
        let alerts = fire([
            event("e1", .sharedDirect, classification: "Confidential", exposure: .external, invitee: "bob@partner.com"),
            event("e2", .sharedDirect, exposure: .external, invitee: "bob@partner.com"),
            event("e3", .sharedDirect, classification: "Confidential", exposure: .internal, invitee: "carol@acme.com"),
            event("e4", .sharedLink, classification: "Secret", exposure: .public, linkAccess: .open),
        ]).filter { $0.alert.rule == "external-share-classified" }
        #expect(alerts.map(\.alert.eventIds) == [["e1"], ["e4"]])
        let first = try! #require(alerts.first).alert
        #expect(first.severity == .high)
        #expect(first.connection == "acme")
        #expect(first.key == "alice@acme.com")
        #expect(first.summary == "alice@acme.com shared \"report.docx\" (classified Confidential) with bob@partner.com (external)")
        #expect(first.event.raw.isEmpty, "raw Box JSON is not repeated in alerts")
        #expect(first.firedAt.seconds == t0 / 1000, "fired_at is event time")
    }

    @Test("public-link-created: an open shared link, not a company one")
    func publicLink() {
        let alerts = fire([
            event("e1", .sharedLink, exposure: .public, linkAccess: .open),
            event("e2", .sharedLink, exposure: .internal, linkAccess: .company),
        ]).filter { $0.alert.rule == "public-link-created" }
        #expect(alerts.map(\.alert.eventIds) == [["e1"]])
        #expect(alerts.first?.alert.summary == "alice@acme.com created a shared link with open (anyone with the link) access to \"report.docx\"")
    }

    @Test("shield-block: enforced says blocked; monitoring says would have blocked")
    func shieldBlock() throws {
        let alerts = fire([
            event("e1", .shieldBlocked, controlMode: .enforced, boxType: "SHIELD_DOWNLOAD_BLOCKED"),
            event("e2", .shieldBlocked, controlMode: .monitoring, boxType: "SHIELD_DOWNLOAD_BLOCKED"),
        ]).filter { $0.alert.rule == "shield-block" }
        try #require(alerts.count == 2)
        #expect(!alerts[0].alert.wouldHaveBlocked)
        #expect(alerts[0].alert.summary == "Box Shield blocked alice@acme.com from downloading \"report.docx\"")
        #expect(alerts[1].alert.wouldHaveBlocked)
        #expect(alerts[1].alert.summary == "Box Shield would have blocked alice@acme.com from downloading \"report.docx\" (monitoring mode)")
        #expect(!alerts[0].alert.health)
    }

    @Test("mass-download: 100 downloads by one actor within 10 minutes")
    func massDownload() throws {
        let downloads = (0..<100).map { event("d\($0)", .downloaded, at: t0 + Int64($0) * 1_000, file: "f\($0).pdf") }
        let alerts = fire(downloads).filter { $0.alert.rule == "mass-download" }
        let alert = try #require(alerts.first).alert
        #expect(alerts.count == 1)
        #expect(alert.eventCount == 100)
        #expect(alert.eventIds.count == 100)
        #expect(alert.windowStart.seconds == t0 / 1000)
        #expect(alert.firedAt.seconds == (t0 + 99_000) / 1000)
        #expect(alert.summary.hasPrefix("alice@acme.com: 100 downloaded events within 10m (threshold 100)"))
        #expect(fire(Array(downloads.dropLast())).filter { $0.alert.rule == "mass-download" }.isEmpty)
    }

    @Test("mass-delete: 50 deletions by one actor within 10 minutes; coalesced repeats count each")
    func massDelete() {
        let deletes = (0..<10).map { event("x\($0)", .deleted, at: t0 + Int64($0) * 1_000, coalesced: 5) }
        let alerts = fire(deletes).filter { $0.alert.rule == "mass-delete" }
        #expect(alerts.count == 1)
        #expect(alerts.first?.alert.eventCount == 50)
        #expect(fire(Array(deletes.prefix(9))).filter { $0.alert.rule == "mass-delete" }.isEmpty)
    }

    @Test("personal-email-share: a collaborator on a personal mail domain, not a partner domain")
    func personalEmail() {
        let alerts = fire([
            event("e1", .sharedDirect, exposure: .external, invitee: "alice.private@gmail.com"),
            event("e2", .sharedDirect, exposure: .external, invitee: "bob@partner.com"),
            event("e3", .sharedDirect, exposure: .external, invitee: "x@Proton.Me"),
        ]).filter { $0.alert.rule == "personal-email-share" }
        #expect(alerts.map(\.alert.eventIds) == [["e1"], ["e3"]])
        var section = AlertSection()
        section.personalDomains = ["partner.com"]
        let custom = fire([event("e2", .sharedDirect, exposure: .external, invitee: "bob@partner.com")], rules: AlertRuleSet(section: section))
        #expect(custom.map(\.alert.rule).contains("personal-email-share"))
    }

    @Test("service-account-blocked: Shield blocking the bridge's own account is a health alert, not a user's")
    func serviceAccountBlocked() throws {
        let alerts = fire([event("e1", .shieldBlocked, actor: "bridge@acme.com", controlMode: .enforced, serviceAccount: true)])
        #expect(alerts.map(\.alert.rule) == ["service-account-blocked"])
        let alert = try #require(alerts.first).alert
        #expect(alert.health)
        #expect(alert.severity == .critical)
        #expect(alert.key == "acme")

        var health = Boxbridge_V1_CollectorHealth()
        health.connection = "acme"
        health.kind = .shieldBlockedServiceAccount
        health.message = "Box Shield blocked the service account from downloading"
        health.at = .init(seconds: t0 / 1000 + 7200, nanos: 0)
        var healthEnvelope = Boxbridge_V1_Envelope()
        healthEnvelope.topic = Topic.ops("acme", .shieldBlockedServiceAccount)
        healthEnvelope.sequence = 4
        healthEnvelope.health = health
        var engine = AlertEngine(ruleSet: AlertRuleSet(section: AlertSection()))
        let fromHealth = engine.process(healthEnvelope)
        #expect(fromHealth.map(\.alert.rule) == ["service-account-blocked"])
        #expect(fromHealth.first?.alert.health == true)
        #expect(fromHealth.first?.alert.eventIds == ["ops/acme/shield-blocked-service-account#4"])
        #expect(fromHealth.first?.alert.summary == "[acme] Box Shield blocked the service account from downloading")
        var otherHealth = healthEnvelope
        otherHealth.health.kind = .rateLimited
        #expect(engine.process(otherHealth).isEmpty)

        // Suppressed for an hour per connection; file events and ops/ health keep separate
        // suppressions (they arrive on separate subscriptions, in no fixed interleaving).
        var mixed = AlertEngine(ruleSet: AlertRuleSet(section: AlertSection()))
        let blocked = { (id: String, at: Int64) in
            envelope(event(id, .shieldBlocked, at: at, actor: "bridge@acme.com", controlMode: .enforced, serviceAccount: true))
        }
        #expect(mixed.process(blocked("b1", minutes(0))).count == 1)
        #expect(mixed.process(blocked("b2", minutes(30))).isEmpty)
        var early = healthEnvelope
        early.health.at = .init(seconds: minutes(31) / 1000, nanos: 0)
        #expect(mixed.process(early).count == 1)
        #expect(mixed.process(blocked("b3", minutes(61))).count == 1)
    }

    @Test("the bridge's own downloads never count as a user's mass download")
    func serviceAccountActivityIsNotUserActivity() {
        let downloads = (0..<150).map { event("d\($0)", .downloaded, at: t0 + Int64($0), serviceAccount: true) }
        #expect(fire(downloads).isEmpty)
    }
}
