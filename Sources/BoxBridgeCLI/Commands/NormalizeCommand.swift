import ArgumentParser
import BoxAPI
import BoxBridgeProtocol
import Collector
import Foundation
import SwiftProtobuf

/// `boxbridge normalize`: shows how the collector reads Box events, through the collector's own code.
struct NormalizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Read Box event JSON and print each event as boxbridge normalizes it.",
        discussion: """
            Input is one Box event, a JSON array of events, a Box events page ({"entries": [...]}), \
            or JSON lines (one event per line). Files are read in order; with no FILE, or with "-", \
            standard input is read.

            Each event is printed on its own line in the protocol's JSON mapping \
            (boxbridge.v1.FileEvent, see protocol/events.proto), through the same normalizer the \
            collector runs. An event that cannot be normalized is printed as a \
            boxbridge.v1.QuarantinedEvent (it has a "reason" and its raw bytes in base64) and a note \
            naming the file, line and reason goes to standard error. Unreadable input is reported \
            with the file, line, column and byte offset, and the exit status is 1.

            Examples:
              boxbridge normalize events.json
              boxbridge normalize --internal-domain example.com page.json
              boxbridge normalize --internal-domain a.com --internal-domain b.org page.json
              curl -s ... | boxbridge normalize --connection acme
              boxbridge normalize events.jsonl | jq -r .category
            """
    )

    @Option(name: .customLong("internal-domain"), help: ArgumentHelp(
        "An internal email domain (repeatable); subdomains count as internal.", valueName: "domain"))
    var internalDomains: [String] = []

    @Option(help: ArgumentHelp("The connection name stamped on each event.", valueName: "name"))
    var connection: String = "cli"

    @Option(name: .customLong("service-account-id"), help: ArgumentHelp(
        "The bridge's own Box user id, so its activity is marked as such.", valueName: "id"))
    var serviceAccountID: String?

    @Option(name: .customLong("service-account-login"), help: ArgumentHelp(
        "The bridge's own Box login (email).", valueName: "login"))
    var serviceAccountLogin: String?

    @Option(name: .customLong("stream-type"), help: ArgumentHelp(
        "The stream the events came from (admin_logs, admin_logs_streaming, all, changes).", valueName: "type"))
    var streamType: String = "admin_logs_streaming"

    @Flag(help: "Print the JSON with proto field names (snake_case) instead of lowerCamelCase.")
    var protoNames = false

    @Argument(help: ArgumentHelp("Files holding Box event JSON; '-' or none reads standard input.", valueName: "file"))
    var files: [String] = []

    func run() async throws {
        let serviceAccount: Normalizer.ServiceAccount? = (serviceAccountID != nil || serviceAccountLogin != nil)
            ? .init(userID: serviceAccountID, login: serviceAccountLogin) : nil
        let normalizer = Normalizer(
            connection: connection, internalDomains: internalDomains, serviceAccount: serviceAccount, streamType: streamType)
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = protoNames
        let out = FileOutput.standardOutput
        let err = FileOutput.standardError
        var failed = false
        var counts = (events: 0, quarantined: 0)

        for name in files.isEmpty ? ["-"] : files {
            let label = name == "-" ? "<stdin>" : name
            let bytes: [UInt8]
            do {
                bytes = try Self.read(name)
            } catch {
                err.write("error: cannot read \(label): \(error)\n")
                failed = true
                continue
            }
            let document: NormalizedDocument
            do {
                document = try normalizer.normalizeDocument(bytes)
            } catch {
                err.write("error: \(label): line \(error.line), column \(error.column) (byte \(error.offset)): \(error.reason); nothing printed for this file\n")
                failed = true
                continue
            }
            var text = ""
            for item in document.items {
                switch item.result {
                case .event(let event):
                    text += try event.jsonString(options: options)
                    counts.events += 1
                case .quarantined(let quarantined):
                    text += try quarantined.jsonString(options: options)
                    counts.quarantined += 1
                    err.write("note: \(label): event \(item.index + 1) (line \(item.line), byte \(item.byteOffset)) quarantined: \(quarantined.reason)\n")
                }
                text += "\n"
                if text.utf8.count > 1 << 16 {
                    out.write(text)
                    text = ""
                }
            }
            out.write(text)
        }
        if counts.quarantined > 0 {
            err.write("\(counts.events) events normalized, \(counts.quarantined) quarantined\n")
        }
        if failed { throw ExitCode(1) }
    }

    /// The whole content of a file, or of standard input for "-".
    static func read(_ name: String) throws -> [UInt8] {
        if name == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        let url = URL(fileURLWithPath: name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) else {
            throw ReadError(message: "no such file")
        }
        guard !isDirectory.boolValue else { throw ReadError(message: "is a directory") }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw ReadError(message: "permission denied or unreadable (\(error.localizedDescription))")
        }
    }

    struct ReadError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
