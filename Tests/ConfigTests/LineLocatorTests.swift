import Testing

@testable import BoxBridgeConfig

@Suite("TOML line locator")
struct LineLocatorTests {
    private func path(_ text: String) -> ConfigKeyPath {
        // "a.b[1].c" → components; test helper only (no quoted keys with dots here).
        var components: [ConfigKeyPath.Component] = []
        for part in text.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                indexes.insert(Int(name[name.index(after: open)..<name.index(before: name.endIndex)])!, at: 0)
                name = name[..<open]
            }
            components.append(.key(String(name)))
            components += indexes.map { .index($0) }
        }
        return ConfigKeyPath(components)
    }

    @Test func tablesKeysAndComments() {
        let locator = TOMLLineLocator(text: """
            # comment with [brackets] and key = "value"
            top = 1

            [broker]
            ingest_endpoint = "tcp://a:1" # trailing comment
              journal_path="x"
            [scheduler]
            calls_per_minute = 5
            """)
        #expect(locator.exactLine(for: path("top")) == 2)
        #expect(locator.exactLine(for: path("broker")) == 4)
        #expect(locator.exactLine(for: path("broker.ingest_endpoint")) == 5)
        #expect(locator.exactLine(for: path("broker.journal_path")) == 6)
        #expect(locator.exactLine(for: path("scheduler.calls_per_minute")) == 8)
        #expect(locator.exactLine(for: path("scheduler.page_size")) == nil)
        // A missing key falls back to its table's header.
        #expect(locator.line(for: path("scheduler.page_size")) == 7)
    }

    @Test func arraysOfTablesAreIndexed() {
        let locator = TOMLLineLocator(text: """
            [[connections]]
            name = "a"

            [[connections]]
            name = "b"
            client_id = "x"

            [alert]
            default_rules = true
            [[alert.rules]]
            name = "r0"
            [[alert.rules]]
            name = "r1"
            threshold = { count = 5, window = "1m" }
            """)
        #expect(locator.exactLine(for: path("connections[0]")) == 1)
        #expect(locator.exactLine(for: path("connections[0].name")) == 2)
        #expect(locator.exactLine(for: path("connections[1]")) == 4)
        #expect(locator.exactLine(for: path("connections[1].client_id")) == 6)
        #expect(locator.line(for: path("connections[1].admin_email")) == 4)
        #expect(locator.exactLine(for: path("alert.rules[1].name")) == 13)
        #expect(locator.exactLine(for: path("alert.rules[1].threshold.window")) == 14)
        #expect(locator.exactLine(for: path("alert.default_rules")) == 9)
    }

    @Test func nestedArrayOfTablesBelongsToLastParentElement() {
        let locator = TOMLLineLocator(text: """
            [[a]]
            [[a.b]]
            x = 1
            [[a]]
            [[a.b]]
            [[a.b]]
            x = 2
            """)
        #expect(locator.exactLine(for: path("a[0].b[0].x")) == 3)
        #expect(locator.exactLine(for: path("a[1].b[1].x")) == 7)
        #expect(locator.exactLine(for: path("a[1].b[0]")) == 5)
    }

    @Test func multiLineArraysAndStringsKeepLinesHonest() {
        let locator = TOMLLineLocator(text: """
            [c]
            domains = [
              "a.com",   # first
              # a comment line with "quotes" and ] bracket
              "b.com",
              [1, 2],
            ]
            text = \"\"\"
            line one
            key = "not a key"
            \"\"\"
            literal = '''
            [not.a.header]
            '''
            after = 1
            escaped = "a \\" quote # not a comment"
            last = 2
            """)
        #expect(locator.exactLine(for: path("c.domains")) == 2)
        #expect(locator.exactLine(for: path("c.domains[0]")) == 3)
        #expect(locator.exactLine(for: path("c.domains[1]")) == 5)
        #expect(locator.exactLine(for: path("c.domains[2]")) == 6)
        #expect(locator.exactLine(for: path("c.domains[2][1]")) == 6)
        #expect(locator.exactLine(for: path("c.text")) == 8)
        #expect(locator.exactLine(for: path("c.key")) == nil)
        #expect(locator.exactLine(for: path("not.a.header")) == nil)
        #expect(locator.exactLine(for: path("c.after")) == 15)
        #expect(locator.exactLine(for: path("c.last")) == 17)
    }

    @Test func quotedAndDottedKeys() {
        let locator = TOMLLineLocator(text: """
            [ "my table" . inner ]
            "dotted.key" = 1
            'literal.key' = 2
            plain . sub = 3
            "esc\\u0041" = 4
            """)
        let table = ConfigKeyPath([.key("my table"), .key("inner")])
        #expect(locator.exactLine(for: table) == 1)
        #expect(locator.exactLine(for: table.appending("dotted.key")) == 2)
        #expect(locator.exactLine(for: table.appending("literal.key")) == 3)
        #expect(locator.exactLine(for: table.appending("plain").appending("sub")) == 4)
        #expect(locator.exactLine(for: table.appending("escA")) == 5)
        #expect(table.appending("dotted.key").description == "\"my table\".inner.\"dotted.key\"")
    }

    @Test func neverTrapsOnBrokenText() {
        let texts = ["[", "[[", "a = [1, ", "a = \"unterminated", "= 3", "a = {b = ", "x = '''open", "\u{0}"]
        for text in texts {
            let locator = TOMLLineLocator(text: text)
            _ = locator.line(for: path("a"))
        }
        #expect(TOMLLineLocator(text: "a = [1,\n").exactLine(for: path("a[0]")) == 1)
    }
}
