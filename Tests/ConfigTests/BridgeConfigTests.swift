import Foundation
import Testing

@testable import BoxBridgeConfig

@Suite("bridge.conf loading and validation")
struct BridgeConfigTests {
    /// The repository's folder, found from this file: Tests/ConfigTests/<file>.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The defaults, with default paths anchored at `base` as loading does.
    static func defaults(base: String) -> BridgeConfig {
        var config = BridgeConfig()
        config.broker.journalPath = base + "/var/journal"
        config.index.path = base + "/var/index.sqlite"
        config.alert.statePath = base + "/var/alert"
        config.archive.path = base + "/var/archive"
        return config
    }

    @Test func shippedConfigIsValidAndStatesTheDefaults() throws {
        let path = Self.repositoryRoot + "/bridge.conf"
        let config = try BridgeConfig.load(path: path, environment: [:])
        #expect(config.warnings.isEmpty, "\(config.warnings.map(\.description))")
        #expect(config.usesEmulator)
        // The shipped file documents the defaults: loading it must give exactly them.
        #expect(config == Self.defaults(base: Self.repositoryRoot))
    }

    @Test func emptyFileGivesDefaults() throws {
        let result = check("")
        #expect(result.problems.isEmpty)
        let config = try #require(result.config)
        #expect(config == Self.defaults(base: "/srv/boxbridge"))
        #expect(config.broker.ingestEndpoint.description == "tcp://127.0.0.1:7301")
        #expect(config.broker.retentionAge == .seconds(14 * 86_400))
        #expect(config.scheduler.callsPerMinute == 1000)
        #expect(config.collector.pageSize == 500)
        #expect(config.collector.resolvedID(hostname: "host", pid: 42) == "host-42")
        #expect(config.logging.format == .text)
    }

    @Test func sectionsThatAreAbsentKeepDefaultsWhileOthersChange() throws {
        let config = try #require(check("""
            [scheduler]
            calls_per_minute = 600
            safety_margin = 0
            [index]
            path = "data/index.db"
            """).config)
        #expect(config.scheduler.callsPerMinute == 600)
        #expect(config.scheduler.safetyMargin == 0)
        #expect(config.scheduler.backoffCap == .seconds(60))
        #expect(config.index.path == "/srv/boxbridge/data/index.db")
        #expect(config.broker == Self.defaults(base: "/srv/boxbridge").broker)
    }

    @Test func typoedKeyGetsDidYouMeanWithLineAndKey() throws {
        let problem = try #require(onlyProblem("""
            [broker]
            journal_path = "var/journal"
            ingest_endpiont = "tcp://127.0.0.1:7301"
            """))
        #expect(problem.line == 3)
        #expect(problem.key == "broker.ingest_endpiont")
        #expect(problem.description == "bridge.conf:3: broker.ingest_endpiont: unknown key; did you mean \"ingest_endpoint\"?")
    }

    @Test func typoedSectionGetsDidYouMean() throws {
        let problem = try #require(onlyProblem("\n[colector]\npage_size = 10\n"))
        #expect(problem.line == 2)
        #expect(problem.key == "colector")
        #expect(problem.message.contains("did you mean \"collector\""))
    }

    @Test func unknownKeyFarFromAnyListsValidKeys() throws {
        let problem = try #require(onlyProblem("[index]\nzzzzzzzzzzzz = 1\n"))
        #expect(problem.message.contains("valid keys here are: path, batch_size"))
    }

    @Test func wrongTypeNamesLineKeyAndBothTypes() throws {
        let problem = try #require(onlyProblem("""
            [scheduler]
            max_attempts = 3
            calls_per_minute = "lots"
            """))
        #expect(problem.description == "bridge.conf:3: scheduler.calls_per_minute: expected an integer, found a string")
    }

    @Test func sectionOfWrongKind() throws {
        let problems = check("broker = 5\nconnections = 3\n").problems
        #expect(problems.map(\.description) == [
            "bridge.conf:1: broker: expected a table ([broker]), found an integer",
            "bridge.conf:2: connections: expected an array of tables ([[connections]]), found an integer",
        ])
    }

    @Test(arguments: [
        ("tcp//127.0.0.1:7301", "is not an endpoint"),
        ("tcp://127.0.0.1", "has no port"),
        ("tcp://127.0.0.1:99999", "port must be a number from 1 to 65535"),
        ("tcp://127.0.0.1:0", "port must be a number from 1 to 65535"),
        ("udp://127.0.0.1:7301", "not a supported transport"),
        ("tcp://bad host:7301", "is not a host name"),
        ("tcp://300.1.1.1:7301", "is not a host name"),
        ("ipc://", "needs a socket path"),
        ("inproc://", "needs a name"),
    ])
    func badEndpointNamesLineAndKey(endpoint: String, reason: String) throws {
        let problem = try #require(onlyProblem("[broker]\n\npublish_endpoint = \"\(endpoint)\"\n"))
        #expect(problem.line == 3)
        #expect(problem.key == "broker.publish_endpoint")
        #expect(problem.message.contains(reason), "\(problem.message)")
    }

    @Test func goodEndpointsOfEachTransport() throws {
        let config = try #require(check("""
            [broker]
            ingest_endpoint = "tcp://*:7301"
            publish_endpoint = "ipc://run/pub.sock"
            control_endpoint = "inproc://control"
            """).config)
        #expect(config.broker.ingestEndpoint == BusEndpoint(transport: .tcp, address: "*:7301"))
        #expect(config.broker.publishEndpoint.description == "ipc:///srv/boxbridge/run/pub.sock")
        #expect(config.broker.controlEndpoint.transport == .inproc)
        #expect(BusEndpoint.parse("tcp://[::1]:80").map(\.port) == .success(80))
        #expect(BusEndpoint.parse("tcp://[::1]:80").map(\.host) == .success("::1"))
    }

    @Test func sameEndpointTwiceConflicts() throws {
        let problem = try #require(onlyProblem("""
            [broker]
            ingest_endpoint = "tcp://127.0.0.1:7301"
            publish_endpoint = "tcp://127.0.0.1:7301"
            """))
        #expect(problem.key == "broker.publish_endpoint")
        #expect(problem.message.contains("also ingest_endpoint"))
    }

    @Test func missingSecretEnvironmentVariableNamesLineAndKey() throws {
        let problem = try #require(onlyProblem(ccgConnection, environment: [:]))
        #expect(problem.description == "bridge.conf:5: connections[0].client_secret_env: environment variable BOX_ACME_SECRET is not set")
        let empty = try #require(onlyProblem(ccgConnection, environment: ["BOX_ACME_SECRET": ""]))
        #expect(empty.message == "environment variable BOX_ACME_SECRET is empty")
    }

    @Test func connectionLoadsWithSecretFromEnvironment() throws {
        let result = check(ccgConnection, environment: ["BOX_ACME_SECRET": "s3cr3t-value"])
        #expect(result.problems.isEmpty)
        let connection = try #require(result.config?.connection(named: "acme"))
        #expect(connection.clientSecret.reveal() == "s3cr3t-value")
        #expect(connection.clientSecretSource == .environment("BOX_ACME_SECRET"))
        #expect(connection.internalDomains == ["acme.com", "acme.co.uk"])
        #expect(connection.auth == .ccg)
        #expect(connection.scope == .all)
        #expect(connection.streamType == .adminLogsStreaming)
        #expect(connection.startPosition == .now)
        #expect(connection.apiBaseURL == "https://api.box.com")
        #expect(result.config?.usesEmulator == false)
    }

    @Test func secretsAreRedactedEverywhere() throws {
        let value = "very-secret-value-123"
        let connection = try #require(check(ccgConnection, environment: ["BOX_ACME_SECRET": value]).config?.connections.first)
        let secret = connection.clientSecret
        #expect("\(secret)" == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(!String(reflecting: secret).contains(value))
        var dumped = ""
        dump(connection, to: &dumped)
        #expect(!dumped.contains(value))
        #expect(!String(describing: connection).contains(value))
        #expect(!String(reflecting: connection).contains(value))
        #expect(secret.reveal() == value)
    }

    @Test func inlineSecretIsAnErrorThatNeverEchoesIt() throws {
        let text = ccgConnection.replacingOccurrences(
            of: "client_secret_env = \"BOX_ACME_SECRET\"", with: "client_secret = \"pasted-secret-xyz\"")
        let problems = check(text).problems
        let inline = try #require(problems.first { $0.key == "connections[0].client_secret" })
        #expect(inline.line == 5)
        #expect(inline.message.contains("client_secret_env") && inline.message.contains("client_secret_file"))
        #expect(problems.allSatisfy { !$0.description.contains("pasted-secret-xyz") })
        // The missing _env/_file is reported too.
        #expect(problems.contains { $0.key == "connections[0].client_secret_env" && $0.message.hasPrefix("missing client secret") })
    }

    @Test func secretPastedIntoEnvKeyIsNotEchoed() throws {
        let text = ccgConnection.replacingOccurrences(of: "\"BOX_ACME_SECRET\"", with: "\"abc/def+ghi==\"")
        let problem = try #require(onlyProblem(text))
        #expect(problem.message.contains("name of an environment variable"))
        #expect(!problem.description.contains("abc/def+ghi=="))
    }

    @Test func secretFromFileIsTrimmedAndLooseModeWarns() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFile(folder + "/secret", "from-file\n", mode: 0o644)
        let text = ccgConnection.replacingOccurrences(of: "client_secret_env = \"BOX_ACME_SECRET\"", with: "client_secret_file = \"secret\"")
        let result = check(text, base: folder)
        let config = try #require(result.config)
        #expect(config.connections.first?.clientSecret.reveal() == "from-file")
        #expect(config.connections.first?.clientSecretSource == .file(folder + "/secret"))
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.severity == .warning)
        #expect(config.warnings.first?.message.contains("chmod 600") == true)

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder + "/secret")
        #expect(check(text, base: folder).problems.isEmpty)
    }

    @Test func missingSecretFileAndBothSources() throws {
        let missing = ccgConnection.replacingOccurrences(of: "client_secret_env = \"BOX_ACME_SECRET\"", with: "client_secret_file = \"nope/secret\"")
        let problem = try #require(onlyProblem(missing, base: "/nonexistent-boxbridge"))
        #expect(problem.description == "bridge.conf:5: connections[0].client_secret_file: secret file /nonexistent-boxbridge/nope/secret does not exist")

        let both = ccgConnection + "\nclient_secret_file = \"x\"\n"
        let conflict = try #require(onlyProblem(both, environment: ["BOX_ACME_SECRET": "v"]))
        #expect(conflict.message.contains("either client_secret_env or client_secret_file, not both"))
    }

    @Test func everyProblemIsReportedInLineOrder() throws {
        let problems = check("""
            [broker]
            ingest_endpoint = "nowhere"
            retention_age = "2 weeks"
            lease_timeout = "1s"
            heartbeat_interval = "5s"

            [collector]
            page_size = 1000
            pagesize = 3

            [[connections]]
            name = "Acme Corp"
            client_id = "x"
            client_secret_env = "MISSING_VAR"
            enterprise_id = "12a"
            admin_email = "not-an-email"
            internal_domains = [
              "acme.com",
              "not a domain",
            ]
            """).problems
        #expect(problems.map { "\($0.line ?? 0) \($0.key)" } == [
            "2 broker.ingest_endpoint",
            "3 broker.retention_age",
            "5 broker.heartbeat_interval",
            "8 collector.page_size",
            "9 collector.pagesize",
            "12 connections[0].name",
            "14 connections[0].client_secret_env",
            "15 connections[0].enterprise_id",
            "16 connections[0].admin_email",
            "19 connections[0].internal_domains[1]",
        ])
        #expect(problems[1].message.contains("\"2 weeks\" is not a duration"))
        #expect(problems[3].message == "1000 is out of range: must be from 1 to 500")
        #expect(problems[4].message.contains("did you mean \"page_size\""))
    }

    @Test func syntaxErrorGivesLineAndColumn() throws {
        let problem = try #require(onlyProblem("[broker]\njournal_path = \"var\nx = 1\n"))
        #expect(problem.line == 2)
        #expect(problem.column != nil)
        #expect(problem.message.hasPrefix("TOML syntax error"))
    }

    @Test func duplicateConnectionNames() throws {
        let env = ["BOX_ACME_SECRET": "v"]
        let problems = check(ccgConnection + "\n" + ccgConnection, environment: env).problems
        #expect(problems.count == 1)
        #expect(problems.first?.description == "bridge.conf:10: connections[1].name: duplicate connection name \"acme\": already used by connections[0] (line 1)")
    }

    @Test func missingRequiredConnectionKeysPointAtTheHeader() throws {
        let problems = check("# demo\n[[connections]]\nname = \"x\"\n").problems
        #expect(Set(problems.map(\.key)) == [
            "connections[0].client_id", "connections[0].client_secret_env", "connections[0].enterprise_id",
            "connections[0].admin_email",
        ])
        #expect(problems.allSatisfy { $0.line == 2 })
    }

    @Test func scopeAndStartPositionRules() throws {
        let env = ["BOX_ACME_SECRET": "v"]
        let usersWithoutFile = try #require(onlyProblem(ccgConnection + "\nscope = \"users\"\n", environment: env))
        #expect(usersWithoutFile.key == "connections[0].scope_file")
        let typo = try #require(onlyProblem(ccgConnection + "\nscope = \"group\"\n", environment: env))
        #expect(typo.message.contains("did you mean \"groups\""))
        let streamingTimestamp = try #require(onlyProblem(
            ccgConnection + "\nstart_position = \"2026-01-31T08:00:00Z\"\n", environment: env))
        #expect(streamingTimestamp.message.contains("stream_type = \"admin_logs\""))
        let config = try #require(check(
            ccgConnection + "\nstream_type = \"admin_logs\"\nstart_position = \"2026-01-31T08:00:00+01:00\"\n",
            environment: env).config)
        #expect(config.connections.first?.startPosition == .timestamp("2026-01-31T08:00:00+01:00"))
        let earliest = try #require(check(ccgConnection + "\nstart_position = \"0\"\n", environment: env).config)
        #expect(earliest.connections.first?.startPosition == .earliest)
        let badTime = try #require(onlyProblem(ccgConnection + "\nstream_type = \"admin_logs\"\nstart_position = \"yesterday\"\n", environment: env))
        #expect(badTime.key == "connections[0].start_position")
    }

    @Test func plainHTTPOnlyOnLoopback() throws {
        let env = ["BOX_ACME_SECRET": "v"]
        let local = try #require(check(ccgConnection + "\napi_base_url = \"http://127.0.0.1:7380/\"\n", environment: env).config)
        #expect(local.connections.first?.apiBaseURL == "http://127.0.0.1:7380")
        let remote = try #require(onlyProblem(ccgConnection + "\napi_base_url = \"http://box.example.com\"\n", environment: env))
        #expect(remote.message.contains("use https"))
    }

    @Test func ccgRejectsJWTKeys() throws {
        let problem = try #require(onlyProblem(ccgConnection + "\npublic_key_id = \"abc\"\n", environment: ["BOX_ACME_SECRET": "v"]))
        #expect(problem.message == "conflicting options: public_key_id applies only to auth = \"jwt\"")
    }

    @Test func jwtFromBoxAppConfigJSON() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFile(folder + "/app.json", """
            {"boxAppSettings": {"clientID": "cid", "clientSecret": "csecret",
              "appAuth": {"publicKeyID": "kid1", "privateKey": "-----BEGIN ENCRYPTED PRIVATE KEY-----\\nAAA\\n-----END ENCRYPTED PRIVATE KEY-----\\n", "passphrase": "pp"}},
             "enterpriseID": "777"}
            """)
        let text = """
            [[connections]]
            name = "jwt-conn"
            auth = "jwt"
            app_config_file = "app.json"
            admin_email = "admin@acme.com"
            """
        let result = check(text, base: folder)
        #expect(result.problems.isEmpty, "\(result.problems.map(\.description))")
        let connection = try #require(result.config?.connections.first)
        #expect(connection.clientID == "cid")
        #expect(connection.clientSecret.reveal() == "csecret")
        #expect(connection.enterpriseID == "777")
        #expect(connection.jwt?.publicKeyID == "kid1")
        #expect(connection.jwt?.privateKeyPassphrase?.reveal() == "pp")

        let mismatch = try #require(onlyProblem(text + "\nenterprise_id = \"778\"\n", base: folder))
        #expect(mismatch.key == "connections[0].enterprise_id")
    }

    @Test func jwtEncryptedKeyFileNeedsPassphrase() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFile(folder + "/key.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
        let text = ccgConnection.replacingOccurrences(of: "auth = \"ccg\"", with: "auth = \"jwt\"")
            + "\nprivate_key_file = \"key.pem\"\npublic_key_id = \"kid\"\n"
        let env = ["BOX_ACME_SECRET": "v"]
        let problem = try #require(onlyProblem(text, environment: env, base: folder))
        #expect(problem.key == "connections[0].private_key_passphrase_env")
        let ok = check(text + "private_key_passphrase_env = \"PASS\"\n", environment: env.merging(["PASS": "pw"]) { a, _ in a }, base: folder)
        #expect(ok.problems.isEmpty)
        #expect(ok.config?.connections.first?.jwt?.privateKeyPassphrase?.reveal() == "pw")
    }

    @Test func alertRulesDecodeWithThresholdsAndElementLines() throws {
        let result = check("""
            [alert]
            default_rules = false
            [alert.outputs]
            stdout = false
            webhook_url = "https://hooks.example.com/x"
            [[alert.rules]]
            name = "mass-download"
            severity = "high"
            categories = ["downloaded"]
            threshold = { count = 100, window = "10m" }
            suppress = "1h"
            [[alert.rules]]
            name = "public"
            categories = [
              "shared-link",
              "shared-lnk",
            ]
            exposure = ["public"]
            """)
        #expect(result.problems.map(\.description) == [
            "bridge.conf:16: alert.rules[1].categories[1]: \"shared-lnk\" is not a category (created, modified, renamed, moved, deleted, restored, shared-link, shared-direct, unshared, downloaded, previewed, shield-blocked, shield-justified, shield-alert, other); did you mean \"shared-link\"?",
        ])
        let fixed = try #require(check("""
            [[alert.rules]]
            name = "mass-download"
            severity = "high"
            categories = ["downloaded"]
            control_modes = ["enforced"]
            threshold = { count = 100, window = "10m" }
            suppress = "1h"
            """).config)
        let rule = try #require(fixed.alert.rules.first)
        #expect(rule.threshold == AlertRule.Threshold(count: 100, window: .seconds(600)))
        #expect(rule.severity == .high)
        #expect(rule.controlModes == [.enforced])
        #expect(rule.suppress == .seconds(3600))
        #expect(fixed.alert.defaultRules)

        let badThreshold = try #require(onlyProblem("[[alert.rules]]\nname = \"x\"\nthreshold = { count = 0, window = \"1m\" }\n"))
        #expect(badThreshold.key == "alert.rules[0].threshold.count")
        #expect(badThreshold.line == 3)
    }

    @Test func curveNeedsReadableZ85Keys() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let publicKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        let secretKey = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
        try writeFile(folder + "/broker.pub", publicKey + "\n", mode: 0o644)
        try writeFile(folder + "/broker.key", secretKey + "\n")
        try writeFile(folder + "/allowed", "# clients\n\(publicKey)\nnot-a-key\n")
        let text = """
            [security]
            curve = true
            broker_public_key_file = "broker.pub"
            broker_secret_key_file = "broker.key"
            allowed_clients_file = "allowed"
            """
        let problem = try #require(onlyProblem(text, base: folder))
        #expect(problem.message.hasSuffix("allowed:3: not a CURVE public key (expected 40 Z85 characters)"))
        try writeFile(folder + "/allowed", "# clients\n\(publicKey)\n")
        let keys = try #require(check(text, base: folder).config?.security.keys)
        #expect(keys.brokerPublicKey == publicKey)
        #expect(keys.brokerSecretKey?.reveal() == secretKey)
        #expect(keys.allowedClientKeys == [publicKey])
        #expect(onlyProblem("[security]\ncurve = true\n")?.key == "security.broker_public_key_file")
    }

    @Test func loadDistinguishesUnreadableFromInvalid() throws {
        #expect(throws: ConfigLoadError.self) { try BridgeConfig.load(path: "/nonexistent/bridge.conf", environment: [:]) }
        do {
            _ = try BridgeConfig.load(path: "/nonexistent/bridge.conf", environment: [:])
        } catch {
            guard case .unreadable(let file, let reason) = error else {
                Issue.record("expected unreadable, got \(error)")
                return
            }
            #expect(file == "/nonexistent/bridge.conf")
            #expect(reason == "no such file")
            #expect(error.isMissingFile)
        }
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFile(folder + "/bridge.conf", "[logging]\nlevel = \"verbose\"\n")
        do {
            _ = try BridgeConfig.load(path: folder + "/bridge.conf", environment: [:])
            Issue.record("expected a problem")
        } catch {
            guard case .invalid(_, let problems) = error else {
                Issue.record("expected invalid, got \(error)")
                return
            }
            #expect(problems.map(\.description) == [
                "\(folder)/bridge.conf:2: logging.level: \"verbose\" is not one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\""
            ])
        }
    }

    @Test func didYouMeanDistances() {
        #expect(DidYouMean.editDistance("ingest_endpiont", "ingest_endpoint") == 1)
        #expect(DidYouMean.editDistance("", "abc") == 3)
        #expect(DidYouMean.suggestion(for: "retention", among: ["retention_age", "retention_bytes"]) == nil)
        #expect(DidYouMean.suggestion(for: "PAGE_SIZE", among: ["page_size", "path"]) == "page_size")
    }

    @Test func validators() {
        #expect(Validators.isEmail("a.b+c@acme.co.uk"))
        #expect(!Validators.isEmail("a@b"))
        #expect(!Validators.isEmail("a b@acme.com"))
        #expect(!Validators.isEmail("@acme.com"))
        #expect(Validators.isDomain("acme.com"))
        #expect(!Validators.isDomain("acme"))
        #expect(!Validators.isDomain("-acme.com"))
        #expect(!Validators.isDomain("1.2.3.4"))
        #expect(Validators.isTopicSafeName("acme-eu_1"))
        #expect(!Validators.isTopicSafeName("Acme"))
        #expect(!Validators.isTopicSafeName("-acme"))
        #expect(Validators.isRFC3339Timestamp("2026-01-31T08:00:00.123Z"))
        #expect(!Validators.isRFC3339Timestamp("2026-13-31T08:00:00Z"))
        #expect(!Validators.isRFC3339Timestamp("2026-01-31T08:00:00"))
    }
}

@Suite("Keys in the wrong section")
struct WrongSectionTests {
    @Test func keyOfAnotherSectionSaysWhereItBelongs() throws {
        let problem = try #require(onlyProblem("[broker]\ncalls_per_minute = 10\n"))
        #expect(problem.description == "bridge.conf:2: broker.calls_per_minute: unknown key here; calls_per_minute belongs in [scheduler]")
        let connectionKey = try #require(onlyProblem("[collector]\nscope_file = \"x.csv\"\n"))
        #expect(connectionKey.message == "unknown key here; scope_file belongs in [[connections]]")
        let hinted = try #require(onlyProblem("[collector]\nstart_position = \"now\"\n"))
        #expect(hinted.message.contains("move it into the [[connections]] entry"))
    }
}
