import ArgumentParser
import BoxBridgeConfig
import BusClient
import Foundation

/// Options shared by the commands that ask the broker (`topics`, `status`).
struct BusCommandOptions: ParsableArguments {
    @Option(help: "bridge.conf to read the broker's endpoints and CURVE keys from (missing file: defaults).")
    var config = BridgeConfig.defaultPath

    @Option(name: .customLong("control"), help: "The broker's control endpoint (overrides bridge.conf).")
    var controlEndpoint: String?

    @Option(help: "Give up after this many seconds without an answer.")
    var timeout = 5.0

    func client() throws -> BusClient {
        var endpoints: BusEndpoints
        if FileManager.default.fileExists(atPath: config) {
            do {
                endpoints = BusEndpoints(config: try BridgeConfig.load(path: config))
            } catch {
                FileOutput.standardError.write("error: \(error)\n")
                throw ExitCode(2)
            }
        } else {
            endpoints = BusEndpoints(config: BridgeConfig())
        }
        if let controlEndpoint { endpoints.control = controlEndpoint }
        return try BusClient(endpoints: endpoints, timeout: .milliseconds(Int64(timeout * 1000)))
    }
}

/// A plain text table: a header row, then rows, columns padded to their widest cell.
func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
}

func formatRate(_ value: Double) -> String { String(format: "%.2f/s", value) }

func formatAge(_ seconds: Int64, now: Int64) -> String {
    guard seconds > 0 else { return "-" }
    let age = max(0, now - seconds)
    if age < 120 { return "\(age)s ago" }
    if age < 7_200 { return "\(age / 60)m ago" }
    return "\(age / 3_600)h ago"
}
