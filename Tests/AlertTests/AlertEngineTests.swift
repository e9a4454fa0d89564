import BoxBridgeConfig
import BoxBridgeProtocol
import Foundation
import Testing

@testable import Alert

/// Thresholds, suppression and matching, in simulated (event) time.
@Suite("Alert engine")
struct AlertEngineTests {
    @Test("an alert's id names its set of events: the same events in another order give the same id")
    func alertIDIgnoresEventOrder() {
        let forward = AlertID.make(connection: "acme", rule: "r", key: "k", eventIDs: ["e1", "e2"])
        #expect(forward == AlertID.make(connection: "acme", rule: "r", key: "k", eventIDs: ["e2", "e1"]))
        #expect(forward != AlertID.make(connection: "acme", rule: "r", key: "k", eventIDs: ["e1", "e3"]))
        #expect(forward != AlertID.make(connection: "acme", rule: "other", key: "k", eventIDs: ["e1", "e2"]))
    }

    func thresholdRule(count: Int = 3, window: Duration = .seconds(60), suppress: Duration = .zero) -> AlertRule {
        var rule = AlertRule(name: "burst")
        rule.categories = ["downloaded"]
        rule.threshold = .init(count: count, window: window)
        rule.suppress = suppress
        return rule
    }

    @Test("a threshold fires only when count events fall within the window, in event time")
    func thresholdWindow() {
        let rules = only(thresholdRule())
        // 3 events spread over 61 s: never 3 within 60 s.
        let spread = [0, 30_000, 61_000].enumerated().map { event("s\($0.offset)", .downloaded, at: t0 + Int64($0.element)) }
        #expect(fire(spread, rules: rules).isEmpty)
        // The window slides: 30 s, 61 s and 62 s are 3 within 60 s.
        let slid = spread + [event("s3", .downloaded, at: t0 + 62_000)]
        let alerts = fire(slid, rules: rules)
        #expect(alerts.map(\.alert.eventIds) == [["s1", "s2", "s3"]])
        #expect(alerts.first?.alert.windowStart.seconds == (t0 + 30_000) / 1000)
    }

    @Test("wall-clock gaps do not matter: the same events hours later in processing fire the same")
    func eventTimeNotWallTime() {
        let rules = only(thresholdRule())
        let events = (0..<3).map { event("w\($0)", .downloaded, at: minutes(Int64($0) * 10)) }
        #expect(fire(events, rules: rules).isEmpty, "10 minutes apart in event time is outside a 60 s window")
    }

    @Test("thresholds group by actor by default, by file or connection when asked")
    func grouping() {
        let events = [
            event("a1", .downloaded, actor: "a@acme.com", file: "x"), event("b1", .downloaded, actor: "b@acme.com", file: "x"),
            event("a2", .downloaded, actor: "a@acme.com", file: "x"),
        ]
        #expect(fire(events, rules: only(thresholdRule())).isEmpty)
        var byFile = thresholdRule()
        byFile.groupBy = .file
        #expect(fire(events, rules: only(byFile)).map(\.alert.key) == ["f-x"])
        var byConnection = thresholdRule()
        byConnection.groupBy = .connection
        #expect(fire(events, rules: only(byConnection)).map(\.alert.key) == ["acme"])
    }

    @Test("after firing, a threshold needs a fresh count of events")
    func windowResetsAfterFiring() {
        let events = (0..<5).map { event("r\($0)", .downloaded, at: t0 + Int64($0) * 1_000) }
        #expect(fire(events, rules: only(thresholdRule())).count == 1)
        #expect(fire(events + [event("r5", .downloaded, at: t0 + 5_000)], rules: only(thresholdRule())).count == 2)
    }

    @Test("suppression keeps a rule and key quiet for the window, then lets it fire again")
    func suppression() {
        var rule = AlertRule(name: "links")
        rule.categories = ["shared-link"]
        rule.suppress = .seconds(3600)
        let events = [
            event("l1", .sharedLink, at: minutes(0)),
            event("l2", .sharedLink, at: minutes(30)),  // suppressed
            event("l3", .sharedLink, at: minutes(10), actor: "bob@acme.com"),  // another key
            event("l4", .sharedLink, at: minutes(61)),  // window over
        ]
        #expect(fire(events, rules: only(rule)).map(\.alert.eventIds) == [["l1"], ["l3"], ["l4"]])
        rule.suppress = .zero
        #expect(fire(events, rules: only(rule)).count == 4)
    }

    @Test("mass-download suppression: a second burst within the hour stays quiet, the next one fires")
    func thresholdWithSuppression() {
        let burst = { (start: Int64, tag: String) in
            (0..<100).map { event("\(tag)\($0)", .downloaded, at: start + Int64($0) * 100) }
        }
        let events = burst(minutes(0), "a") + burst(minutes(20), "b") + burst(minutes(70), "c")
        let alerts = fire(events).filter { $0.alert.rule == "mass-download" }
        #expect(alerts.map { $0.alert.eventIds.first } == ["a0", "c0"])
    }

    @Test("control modes, exposure, actors, domains, classifications and file-name globs all narrow a rule")
    func matchers() {
        var rule = AlertRule(name: "narrow")
        rule.controlModes = [.monitoring]
        #expect(fire([event("1", .shieldBlocked, controlMode: .enforced), event("2", .shieldBlocked, controlMode: .monitoring)], rules: only(rule)).map(\.alert.eventIds) == [["2"]])

        rule = AlertRule(name: "narrow")
        rule.actors = ["BOB@acme.com".lowercased(), "u-carol"]
        #expect(fire([event("1", .created), event("2", .created, actor: "bob@acme.com"), event("3", .created, actor: "carol@acme.com")], rules: only(rule)).count == 2)

        rule = AlertRule(name: "narrow")
        rule.actorDomains = ["contractor.io"]
        #expect(fire([event("1", .created), event("2", .created, actor: "z@contractor.io")], rules: only(rule)).map(\.alert.eventIds) == [["2"]])

        rule = AlertRule(name: "narrow")
        rule.classifications = ["confidential"]
        #expect(fire([event("1", .created, classification: "Confidential"), event("2", .created, classification: "Public")], rules: only(rule)).count == 1)

        rule = AlertRule(name: "narrow")
        rule.exposure = [.external]
        #expect(fire([event("1", .sharedDirect, exposure: .external), event("2", .sharedDirect, exposure: .internal)], rules: only(rule)).count == 1)

        rule = AlertRule(name: "narrow")
        rule.fileNamePattern = "payroll-*.XLSX"
        let names = ["Payroll-2026.xlsx", "payroll.xlsx", "payroll-q1.xlsx.bak", "payroll-\u{0065}\u{0301}t\u{0065}.xlsx"]
        #expect(fire(names.enumerated().map { event("\($0.offset)", .downloaded, file: $0.element) }, rules: only(rule)).map(\.alert.eventIds) == [["0"], ["3"]])
    }

    @Test("globs: ?, [set], ranges, negation and escapes")
    func globs() {
        #expect(Glob.matches(pattern: "a?c", name: "abc"))
        #expect(!Glob.matches(pattern: "a?c", name: "ac"))
        #expect(Glob.matches(pattern: "[ab]*.pdf", name: "b-report.pdf"))
        #expect(!Glob.matches(pattern: "[!ab]*.pdf", name: "b-report.pdf"))
        #expect(Glob.matches(pattern: "q[0-9].csv", name: "q4.csv"))
        #expect(Glob.matches(pattern: "a\\*b", name: "a*b"))
        #expect(!Glob.matches(pattern: "a\\*b", name: "axb"))
        #expect(Glob.matches(pattern: Glob.fold("Résumé*"), name: Glob.fold("re\u{0301}sume\u{0301}.docx".capitalized)))
    }

    @Test("a user rule with a default's name replaces it; enabled = false disables it")
    func overrideDefaults() {
        var section = AlertSection()
        var quieter = AlertRule(name: "mass-download")
        quieter.categories = ["downloaded"]
        quieter.threshold = .init(count: 5, window: .seconds(60))
        var noLinks = AlertRule(name: "public-link-created")
        noLinks.enabled = false
        section.rules = [quieter, noLinks]
        let rules = AlertRuleSet(section: section)
        #expect(!rules.rules.map(\.name).contains("public-link-created"))
        #expect(rules.rules.filter { $0.name == "mass-download" }.count == 1)
        let downloads = (0..<5).map { event("d\($0)", .downloaded, at: t0 + Int64($0)) }
        #expect(fire(downloads, rules: rules).map(\.alert.rule) == ["mass-download"])
        #expect(fire([event("l", .sharedLink, exposure: .public, linkAccess: .open)], rules: rules).isEmpty)
    }

    @Test("deterministic: the same stream gives identical alerts and ids; a restored state continues identically")
    func determinism() throws {
        let events = (0..<300).map { index -> Boxbridge_V1_FileEvent in
            let category: Boxbridge_V1_Category = [.downloaded, .deleted, .sharedLink][index % 3]
            return event("e\(index)", category, at: t0 + Int64(index) * 500, actor: "u\(index % 2)@acme.com",
                         exposure: category == .sharedLink ? .public : .unspecified, linkAccess: category == .sharedLink ? .open : .unspecified)
        }
        let first = fire(events)
        let second = fire(events)
        #expect(first == second)
        #expect(!first.isEmpty)
        #expect(Set(first.map(\.id)).count == first.count)

        // Stop after 137 events, persist and restore the state, continue: same alerts.
        var engine = AlertEngine(ruleSet: AlertRuleSet(section: AlertSection()))
        var split = events.prefix(137).flatMap { engine.process(event: $0) }
        let saved = try JSONEncoder().encode(engine.state)
        var restored = AlertEngine(ruleSet: AlertRuleSet(section: AlertSection()), state: try JSONDecoder().decode(AlertEngineState.self, from: saved))
        split += events.dropFirst(137).flatMap { restored.process(event: $0) }
        #expect(split == first)
    }

    @Test("state stays bounded: expired windows and suppressions are pruned")
    func pruning() {
        var rule = thresholdRule(count: 1_000, window: .seconds(60), suppress: .seconds(60))
        rule.groupBy = .file
        var engine = AlertEngine(ruleSet: only(rule))
        for index in 0..<5_000 {
            _ = engine.process(event: event("p\(index)", .downloaded, at: t0 + Int64(index) * 1_000, file: "file-\(index)"))
        }
        #expect(engine.state.windows.count <= 61 + Int(AlertEngine.pruneEvery))
    }
}
