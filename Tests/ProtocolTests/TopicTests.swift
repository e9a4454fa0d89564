import BoxBridgeProtocol
import Testing

@Suite("Topics")
struct TopicTests {
    @Test("every category has a distinct kebab-case topic name that maps back")
    func categoryNames() {
        let names = Boxbridge_V1_Category.all.map(\.topicName)
        #expect(Set(names).count == Boxbridge_V1_Category.all.count)
        #expect(names.contains("shared-direct"))
        #expect(names.contains("shield-justified"))
        for category in Boxbridge_V1_Category.all {
            #expect(Boxbridge_V1_Category(topicName: category.topicName) == category)
        }
        // Every protocol case except UNSPECIFIED is listed.
        #expect(Boxbridge_V1_Category.allCases.filter { $0 != .unspecified }.count == Boxbridge_V1_Category.all.count)
    }

    @Test("topic names follow DESIGN.md", arguments: [
        (Topic.box("acme", .sharedDirect), "box/acme/shared-direct"),
        (Topic.alerts("acme", rule: "mass-download"), "alerts/acme/mass-download"),
        (Topic.ops("acme", .quarantined), "ops/acme/quarantined"),
        (Topic.boxPrefix("acme"), "box/acme/"),
    ])
    func names(actual: String, expected: String) {
        #expect(actual == expected)
    }

    @Test("the connection is read back from a topic, and malformed topics give nil")
    func connectionOfTopic() {
        #expect(Topic.connection(of: "box/acme/created") == "acme")
        #expect(Topic.connection(of: "ops/acme-eu/lag") == "acme-eu")
        #expect(Topic.connection(of: "box/acme") == nil)
        #expect(Topic.connection(of: "box//created") == nil)
        #expect(Topic.connection(of: "other/acme/created") == nil)
        #expect(Topic.connection(of: "box/acme/created/extra") == nil)
    }

    @Test("segment names are restricted so prefixes cannot collide")
    func segments() {
        #expect(Topic.isValidSegment("acme"))
        #expect(Topic.isValidSegment("acme-eu_2"))
        #expect(!Topic.isValidSegment(""))
        #expect(!Topic.isValidSegment("Acme"))
        #expect(!Topic.isValidSegment("ac/me"))
        #expect(!Topic.isValidSegment("-acme"))
        #expect(!Topic.isValidSegment(String(repeating: "a", count: 65)))
    }
}
