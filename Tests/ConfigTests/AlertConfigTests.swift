import Foundation
import Testing

@testable import BoxBridgeConfig

/// The alert keys added for the rule engine: file, line and key in every problem.
@Suite("[alert] keys")
struct AlertConfigTests {
    @Test func inviteeDomainsClassifiedAndPersonalDomainsDecode() throws {
        let config = try #require(check("""
            [alert]
            personal_domains = ["Gmail.com", "proton.me"]
            [alert.outputs]
            webhook_url = "https://hooks.example.com/x"
            webhook_queue_limit = 50
            [[alert.rules]]
            name = "partner-share"
            invitee_domains = ["Partner.COM"]
            classified = true
            """).config)
        #expect(config.alert.personalDomains == ["gmail.com", "proton.me"])
        #expect(config.alert.outputs.webhookQueueLimit == 50)
        let rule = try #require(config.alert.rules.first)
        #expect(rule.inviteeDomains == ["partner.com"])
        #expect(rule.classified)
        #expect(AlertSection().personalDomains.contains("gmail.com"))
    }

    @Test func badInviteeDomainNamesFileLineAndElement() throws {
        let problem = try #require(onlyProblem("""
            [[alert.rules]]
            name = "x"
            invitee_domains = [
              "ok.com",
              "not a domain",
            ]
            """))
        #expect(problem.key == "alert.rules[0].invitee_domains[1]")
        #expect(problem.line == 5)
        #expect(problem.description.hasPrefix("bridge.conf:5: alert.rules[0].invitee_domains[1]: \"not a domain\" is not a domain name"))
    }

    @Test func badPersonalDomainAndQueueLimitAndClassifiedType() throws {
        let domain = try #require(onlyProblem("[alert]\npersonal_domains = [\"gmail\"]\n"))
        #expect(domain.key == "alert.personal_domains[0]")
        #expect(domain.line == 2)
        let limit = try #require(onlyProblem("[alert.outputs]\nwebhook_queue_limit = 0\n"))
        #expect(limit.key == "alert.outputs.webhook_queue_limit")
        #expect(limit.line == 2)
        let classified = try #require(onlyProblem("[[alert.rules]]\nname = \"x\"\nclassified = \"yes\"\n"))
        #expect(classified.key == "alert.rules[0].classified")
        #expect(classified.line == 3)
    }

    @Test func unknownRuleKeySuggestsTheRightOne() throws {
        let problem = try #require(onlyProblem("[[alert.rules]]\nname = \"x\"\ninvitee_domain = [\"a.com\"]\n"))
        #expect(problem.key == "alert.rules[0].invitee_domain")
        #expect(problem.line == 3)
        #expect(problem.description.contains("invitee_domains"))
    }
}
