import Foundation
import Testing

@testable import Collector

/// Every rule of the scope CSV: headers, kinds, rows named in errors, the 1,000-entry limit.
@Suite("Scope CSV")
struct ScopeListTests {
    static func parse(_ text: String) throws(ScopeListError) -> ScopeList {
        try ScopeList.parse(text, file: "scope.csv")
    }

    static func problems(_ text: String) -> [ScopeListError.Problem] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.problems
        }
    }

    @Test("users by an Email or Email Address column, header case and spaces ignored", arguments: [
        "Email", "Email Address", "EMAIL", " email address ", "Email  Address",
    ])
    func userHeaders(header: String) throws {
        let list = try Self.parse("Name,\(header),Department\nJane,jane@example.com,Legal\nBob,Bob@Example.COM,Sales\n")
        #expect(list.kind == .users)
        #expect(list.entries == ["jane@example.com", "bob@example.com"])
    }

    @Test("groups by a Group Name or Groups column, names kept exactly", arguments: ["Group Name", "Groups", "group name", " GROUPS "])
    func groupHeaders(header: String) throws {
        let list = try Self.parse("\(header)\nEngineering – Backend\nÉquipe Paris\nsales\n")
        #expect(list.kind == .groups)
        #expect(list.entries == ["Engineering – Backend", "Équipe Paris", "sales"])
    }

    @Test("neither header is an error on the header row naming what was found")
    func neitherHeader() {
        let problems = Self.problems("\n\nName,Mail\nJane,jane@example.com\n")
        #expect(problems.count == 1)
        #expect(problems.first?.row == 3)
        #expect(problems.first?.reason.contains("no Email, Email Address, Group Name or Groups column") == true)
        #expect(problems.first?.reason.contains("\"Mail\"") == true)
    }

    @Test("both a users and a groups header is an error")
    func bothHeaders() {
        let problems = Self.problems("Email,Group Name\njane@example.com,Sales\n")
        #expect(problems.count == 1)
        #expect(problems.first?.row == 1)
        #expect(problems.first?.reason.contains("not both") == true)
    }

    @Test("every non-email entry is an error naming its row; nothing is accepted")
    func nonEmailRows() {
        let text = "Email\njane@example.com\nnot an email\nbob@example.com\n\nJohn Smith\nx@y\n@example.com\na@b.c\nok@example.org\n"
        let problems = Self.problems(text)
        #expect(problems.map(\.row) == [3, 6, 7, 8, 9])
        #expect(problems[0].reason == "\"not an email\" is not an email address")
        let error = ScopeListError(file: "users.csv", problems: problems)
        #expect(error.description.hasPrefix("users.csv:3: \"not an email\" is not an email address\nusers.csv:6:"))
        #expect(!error.isRetryable)
    }

    @Test("an empty entry in the column is an error; blank lines are skipped")
    func emptyEntry() throws {
        #expect(Self.problems("Name,Email\nJane,\n").map(\.row) == [2])
        let list = try Self.parse("Email\n\n\r\njane@example.com\n , \n\nbob@example.com")
        #expect(list.entries == ["jane@example.com", "bob@example.com"])
    }

    @Test("email validation", arguments: [
        ("jane.doe+box@example.co.uk", true), ("o'brien@example.com", true), ("x@sub-domain.example.io", true),
        ("jane@example", false), ("jane@@example.com", false), ("jane doe@example.com", false), ("jane@.com", false),
        ("jane@example..com", false), (".jane@example.com", false), ("jane@-example.com", false), ("jane@example.1", false),
        ("<jane@example.com>", false), ("", false),
    ])
    func emailValidation(text: String, valid: Bool) {
        #expect(EmailAddress.isValid(text) == valid)
    }

    @Test("1,000 entries are accepted, 1,001 refused with the limit and the count")
    func entryLimit() throws {
        let thousand = (0..<1_000).map { "user\($0)@example.com" }
        let list = try Self.parse("Email\n" + thousand.joined(separator: "\n") + "\n")
        #expect(list.entries.count == 1_000)

        let problems = Self.problems("Email\n" + (thousand + ["one-more@example.com"]).joined(separator: "\n"))
        #expect(problems.count == 1)
        #expect(problems.first?.row == nil)
        #expect(problems.first?.reason.contains("1001 users") == true)
        #expect(problems.first?.reason.contains("at most 1000 entries") == true)
    }

    @Test("duplicates collapse (emails case-insensitively) and do not count against the limit")
    func duplicates() throws {
        let rows = (0..<1_000).map { "user\($0)@example.com" } + ["USER0@example.com", "user1@EXAMPLE.com"]
        let list = try Self.parse("Email\n" + rows.joined(separator: "\n"))
        #expect(list.entries.count == 1_000)
        #expect(list.entries.first == "user0@example.com")
        let groups = try Self.parse("Groups\nSales\nSales\nsales\n")
        #expect(groups.entries == ["Sales", "sales"])
    }

    @Test("a byte-order mark and CRLF line ends are tolerated")
    func bomAndCRLF() throws {
        let list = try Self.parse("\u{FEFF}Email Address\r\njane@example.com\r\nbob@example.com\r\n")
        #expect(list.kind == .users)
        #expect(list.entries == ["jane@example.com", "bob@example.com"])
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array("Group Name\nSales\n".utf8)
        #expect(try ScopeList.parse(Data(bytes), file: "g.csv").entries == ["Sales"])
    }

    @Test("quoted fields hold commas, doubled quotes and line breaks; rows stay numbered by line")
    func quoting() throws {
        let text = #"""
            "Name, Full","Group Name",Notes
            "Doe, Jane","Legal, Compliance & Risk",x
            "Smith","Say ""hi""","two
            lines"
            Lee,"Sales",
            Kim,,y
            """#
        #expect(Self.problems(text).map(\.row) == [6])
        let fixed = text.replacingOccurrences(of: "Kim,,y", with: "Kim,Support,y")
        let list = try Self.parse(fixed)
        #expect(list.kind == .groups)
        #expect(list.entries == ["Legal, Compliance & Risk", "Say \"hi\"", "Sales", "Support"])
    }

    @Test("an unterminated quote names the row it opened on")
    func unterminatedQuote() {
        let problems = Self.problems("Email\njane@example.com\n\"bob@example.com\n")
        #expect(problems.map(\.row) == [3])
        #expect(problems.first?.reason.contains("never closed") == true)
    }

    @Test("an empty file and a file of another encoding are errors")
    func emptyAndEncoding() {
        #expect(Self.problems("\n \n").first?.reason.contains("empty") == true)
        #expect(throws: ScopeListError.self) { try ScopeList.parse(Data([0x45, 0x6D, 0xFF, 0xFE, 0x0A]), file: "x.csv") }
    }

    @Test("a missing file is unreadable, not invalid")
    func missingFile() {
        do {
            _ = try ScopeList.read(contentsOf: "/nonexistent/scope.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.isUnreadable)
            #expect(error.description.hasPrefix("/nonexistent/scope.csv: cannot read"))
        }
    }
}
