import Foundation
import Testing

/// The operator-facing files: the Grafana dashboard, docs/metrics.md and the compose deployment
/// stay consistent with each other and with the metrics the code really emits.
@Suite("Deployment files and metric docs")
struct DeployTests {
    static let root = BoxBridgeProcess.packageRoot

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appending(path: relative), encoding: .utf8)
    }

    /// Every `boxbridge_…` name in `text`.
    static func metricNames(in text: String) -> Set<String> {
        let regex = /boxbridge_[a-z0-9_]+/
        return Set(text.matches(of: regex).map { String($0.output) })
    }

    /// The metric names docs/metrics.md documents: the first cell of its table rows.
    static func documented() throws -> Set<String> {
        let rows = try text("docs/metrics.md").split(separator: "\n").filter { $0.hasPrefix("| `boxbridge_") }
        return Set(rows.compactMap { row in row.split(separator: "`").dropFirst().first.map(String.init) })
    }

    /// Every metric name written as a string literal in Sources/ (`Counter(label: "boxbridge_…")`).
    static func emittedLiterals() throws -> (names: Set<String>, sources: String) {
        let sources = root.appending(path: "Sources")
        var all = ""
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift", !url.path.contains("/Generated/") else { continue }
            all += (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            all += "\n"
        }
        let regex = /"(boxbridge_[a-z0-9_]+)"/
        return (Set(all.matches(of: regex).map { String($0.output.1) }), all)
    }

    @Test("the Grafana dashboard is valid JSON with a Prometheus datasource variable and the panels operators need")
    func dashboard() throws {
        let data = try Data(contentsOf: Self.root.appending(path: "deploy/grafana/boxbridge-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let variables = try #require((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let datasource = try #require(variables.first { $0["type"] as? String == "datasource" })
        #expect(datasource["query"] as? String == "prometheus")
        let variableName = try #require(datasource["name"] as? String)

        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let titles = panels.compactMap { $0["title"] as? String }.map { $0.lowercased() }
        for needed in ["events/s by connection", "lag behind box", "429", "journal size", "subscriber lag", "alerts", "quarantined"] {
            #expect(titles.contains { $0.contains(needed) }, "no panel about \(needed)")
        }
        var expressions: [String] = []
        for panel in panels where panel["type"] as? String != "row" {
            let targets = try #require(panel["targets"] as? [[String: Any]], "panel \(panel["title"] ?? "?") has no targets")
            for target in targets {
                let source = target["datasource"] as? [String: Any]
                #expect(source?["uid"] as? String == "${\(variableName)}", "panel \(panel["title"] ?? "?") ignores the datasource variable")
                expressions.append(try #require(target["expr"] as? String))
            }
        }
        let used = Self.metricNames(in: expressions.joined(separator: "\n"))
        #expect(used.count >= 15)
        let documented = try Self.documented()
        #expect(used.subtracting(documented).isEmpty, "used by the dashboard, missing from docs/metrics.md: \(used.subtracting(documented).sorted())")
        // Panel ids are unique, or Grafana drops panels on import.
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == ids.count)
    }

    @Test("docs/metrics.md lists every metric the code emits, and nothing the code does not emit")
    func metricDocsMatchSources() throws {
        let documented = try Self.documented()
        let (literals, sources) = try Self.emittedLiterals()
        #expect(literals.count >= 20)
        let undocumented = literals.subtracting(documented)
        #expect(undocumented.isEmpty, "emitted but not in docs/metrics.md: \(undocumented.sorted())")
        for name in documented where !literals.contains(name) {
            // The collector builds some names as "boxbridge_collector_\(name)" from a suffix literal.
            let suffix = name.replacingOccurrences(of: "boxbridge_collector_", with: "")
            #expect(name.hasPrefix("boxbridge_collector_") && sources.contains("\"\(suffix)\""), "documented but never emitted: \(name)")
        }
    }

    @Test("the compose deployment's bridge.conf is valid and its healthchecks probe the ports it configures")
    func compose() async throws {
        let check = try await BoxBridgeProcess.run(["config", "check", Self.root.appending(path: "deploy/bridge.conf").path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let compose = try Self.text("deploy/compose.yaml")
        let conf = try Self.text("deploy/bridge.conf")
        for (role, key) in [("broker", "broker_port"), ("collector", "collector_port"), ("index", "index_port"), ("alert", "alert_port"), ("archive", "archive_port")] {
            let port = try #require(conf.firstMatch(of: try Regex("\(key) = ([0-9]+)"))?.output[1].substring, "\(key) not set")
            #expect(compose.contains("http://127.0.0.1:\(port)/healthz"), "no healthcheck on \(role)'s port \(port)")
            #expect(compose.contains("\n  \(role):\n"), "no \(role) service")
        }
        #expect(compose.contains("command: [archive, run, --config=/etc/boxbridge/bridge.conf]"))
        #expect(compose.contains("./bridge.conf:/etc/boxbridge/bridge.conf:ro"))
        #expect(compose.contains("profiles: [demo]"))
        // The broker binds every interface; the others connect to it by service name.
        #expect(compose.contains("--control=tcp://*:7303"))
        #expect(conf.contains("control_endpoint = \"tcp://broker:7303\""))
    }
}
