/// Decoding of every section but connections and alerts (in their own files).
///
/// Each section starts from its defaults and overrides what the file sets and is valid, so one
/// bad key never hides the next problem.
extension BridgeConfig {
    static let sectionNames = [
        "broker", "security", "connections", "scheduler", "collector", "index", "alert", "archive", "metrics",
        "emulator", "logging",
    ]

    /// Every key of every section, to tell a user that a key is valid but in another section.
    static let sectionsByKey: [String: [String]] = {
        let sections: [(String, [String])] = [
            ("[broker]", BrokerSection.keys), ("[security]", SecuritySection.keys), ("[[connections]]", ConnectionSection.keys),
            ("[scheduler]", SchedulerSection.keys), ("[collector]", CollectorSection.keys), ("[index]", IndexSection.keys),
            ("[alert]", AlertSection.keys), ("[alert.outputs]", AlertOutputs.keys), ("[[alert.rules]]", AlertRule.keys),
            ("[archive]", ArchiveSection.keys), ("[metrics]", MetricsSection.keys), ("[emulator]", EmulatorSection.keys),
            ("[logging]", LoggingSection.keys),
        ]
        var map: [String: [String]] = [:]
        for (section, keys) in sections {
            for key in keys { map[key, default: []].append(section) }
        }
        return map
    }()

    static func decode(_ root: TableReader) -> BridgeConfig {
        var config = BridgeConfig()
        root.rejectUnknownKeys(sectionNames)
        if let reader = root.table("broker") { config.broker = .decode(reader) }
        if let reader = root.table("security") { config.security = .decode(reader) }
        if let readers = root.tableArray("connections") {
            config.connections = ConnectionSection.decodeAll(readers)
        }
        if let reader = root.table("scheduler") { config.scheduler = .decode(reader) }
        if let reader = root.table("collector") { config.collector = .decode(reader) }
        if let reader = root.table("index") { config.index = .decode(reader) }
        if let reader = root.table("alert") { config.alert = .decode(reader) }
        if let reader = root.table("archive") { config.archive = .decode(reader) }
        if let reader = root.table("metrics") { config.metrics = .decode(reader) }
        if let reader = root.table("emulator") { config.emulator = .decode(reader) }
        if let reader = root.table("logging") { config.logging = .decode(reader) }
        config.resolveDefaultPaths(root.context)
        return config
    }

    /// Default paths are relative too: anchor those the file did not set to its folder.
    private mutating func resolveDefaultPaths(_ context: DecodingContext) {
        let defaults = BridgeConfig()
        if broker.journalPath == defaults.broker.journalPath { broker.journalPath = context.resolve(broker.journalPath) }
        if index.path == defaults.index.path { index.path = context.resolve(index.path) }
        if alert.statePath == defaults.alert.statePath { alert.statePath = context.resolve(alert.statePath) }
        if archive.path == defaults.archive.path { archive.path = context.resolve(archive.path) }
    }
}

extension BrokerSection {
    static let keys = [
        "ingest_endpoint", "publish_endpoint", "control_endpoint", "journal_path", "segment_bytes", "retention_bytes",
        "retention_age", "group_commit_window", "lease_timeout", "heartbeat_interval", "subscriber_hwm",
    ]

    static func decode(_ r: TableReader) -> BrokerSection {
        var s = BrokerSection()
        r.rejectUnknownKeys(keys)
        s.ingestEndpoint = r.endpoint("ingest_endpoint") ?? s.ingestEndpoint
        s.publishEndpoint = r.endpoint("publish_endpoint") ?? s.publishEndpoint
        s.controlEndpoint = r.endpoint("control_endpoint") ?? s.controlEndpoint
        s.journalPath = r.path("journal_path") ?? s.journalPath
        s.segmentBytes = r.byteSize("segment_bytes", minimum: 64 << 10) ?? s.segmentBytes
        s.retentionBytes = r.byteSize("retention_bytes", minimum: 0) ?? s.retentionBytes
        s.retentionAge = r.duration("retention_age") ?? s.retentionAge
        s.groupCommitWindow = r.duration("group_commit_window", maximum: .seconds(1)) ?? s.groupCommitWindow
        s.leaseTimeout = r.duration("lease_timeout", minimum: .milliseconds(100)) ?? s.leaseTimeout
        s.heartbeatInterval = r.duration("heartbeat_interval", minimum: .milliseconds(10)) ?? s.heartbeatInterval
        s.subscriberHWM = r.int("subscriber_hwm", in: 1...10_000_000) ?? s.subscriberHWM

        if s.heartbeatInterval >= s.leaseTimeout {
            r.report(
                r.has("heartbeat_interval") ? "heartbeat_interval" : "lease_timeout",
                "conflicting options: heartbeat_interval (\(formatConfigDuration(s.heartbeatInterval))) must be shorter than lease_timeout (\(formatConfigDuration(s.leaseTimeout))), or every lease would expire between heartbeats")
        }
        if s.retentionBytes != 0, s.retentionBytes < s.segmentBytes {
            r.report("retention_bytes", "conflicting options: retention_bytes (\(s.retentionBytes)) is smaller than one segment (segment_bytes = \(s.segmentBytes)); use 0 for no size limit")
        }
        let endpoints = [("ingest_endpoint", s.ingestEndpoint), ("publish_endpoint", s.publishEndpoint), ("control_endpoint", s.controlEndpoint)]
        for (offset, (key, endpoint)) in endpoints.enumerated() {
            if let earlier = endpoints[..<offset].first(where: { $0.1 == endpoint }) {
                r.report(key, "conflicting options: \(endpoint) is also \(earlier.0); each broker socket needs its own endpoint")
            }
        }
        return s
    }
}

extension SecuritySection {
    static let keys = [
        "curve", "broker_public_key_file", "broker_secret_key_file", "client_public_key_file",
        "client_secret_key_file", "allowed_clients_file",
    ]

    static func decode(_ r: TableReader) -> SecuritySection {
        var s = SecuritySection()
        r.rejectUnknownKeys(keys, hints: [
            "broker_secret_key": "inline keys are not allowed: put the key in a file and set broker_secret_key_file",
            "client_secret_key": "inline keys are not allowed: put the key in a file and set client_secret_key_file",
        ])
        s.curve = r.bool("curve") ?? s.curve
        s.brokerPublicKeyFile = r.path("broker_public_key_file")
        s.brokerSecretKeyFile = r.path("broker_secret_key_file")
        s.clientPublicKeyFile = r.path("client_public_key_file")
        s.clientSecretKeyFile = r.path("client_secret_key_file")
        s.allowedClientsFile = r.path("allowed_clients_file")
        guard s.curve else { return s }

        guard let brokerPublicFile = s.brokerPublicKeyFile else {
            r.report("broker_public_key_file", "curve = true needs broker_public_key_file (every process needs the broker's public key; `boxbridge keys generate` writes one)")
            return s
        }
        // The broker needs its secret key and the allowlist; clients need their own key pair.
        if (s.brokerSecretKeyFile == nil) != (s.allowedClientsFile == nil) {
            let missing = s.brokerSecretKeyFile == nil ? "broker_secret_key_file" : "allowed_clients_file"
            r.report(missing, "curve = true: broker_secret_key_file and allowed_clients_file go together (the broker needs both)")
        }
        if (s.clientPublicKeyFile == nil) != (s.clientSecretKeyFile == nil) {
            let missing = s.clientPublicKeyFile == nil ? "client_public_key_file" : "client_secret_key_file"
            r.report(missing, "curve = true: client_public_key_file and client_secret_key_file go together (a client needs its key pair)")
        }
        if s.brokerSecretKeyFile == nil, s.clientSecretKeyFile == nil {
            r.report("curve", "curve = true but no secret key is configured: set broker_secret_key_file (broker) and/or client_public_key_file + client_secret_key_file (clients)")
        }

        func key(_ name: String, _ file: String, secret: Bool) -> String? {
            let text = secret ? r.readSecretFile(name, file) : r.readFile(name, file, what: "key file")
            guard let text else { return nil }
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard Validators.isZ85Key(key) else {
                r.report(name, "\(file) does not hold a CURVE key: expected 40 Z85 characters")
                return nil
            }
            return key
        }
        let brokerPublic = key("broker_public_key_file", brokerPublicFile, secret: false)
        let brokerSecret = s.brokerSecretKeyFile.flatMap { key("broker_secret_key_file", $0, secret: true) }
        let clientPublic = s.clientPublicKeyFile.flatMap { key("client_public_key_file", $0, secret: false) }
        let clientSecret = s.clientSecretKeyFile.flatMap { key("client_secret_key_file", $0, secret: true) }
        var allowed: [String] = []
        if let file = s.allowedClientsFile, let text = r.readFile("allowed_clients_file", file, what: "allowlist") {
            for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if Validators.isZ85Key(line) {
                    allowed.append(line)
                } else {
                    r.report("allowed_clients_file", "\(file):\(offset + 1): not a CURVE public key (expected 40 Z85 characters)")
                }
            }
            if allowed.isEmpty {
                r.report("allowed_clients_file", "\(file) lists no client key: no client could connect")
            }
        }
        if let brokerPublic {
            s.keys = CurveKeys(
                brokerPublicKey: brokerPublic, brokerSecretKey: brokerSecret.map(ConfigSecret.init), clientPublicKey: clientPublic,
                clientSecretKey: clientSecret.map(ConfigSecret.init), allowedClientKeys: allowed)
        }
        return s
    }
}

extension SchedulerSection {
    static let keys = [
        "calls_per_minute", "safety_margin", "max_attempts", "backoff_base", "backoff_cap", "enrichment_max_share",
        "enrichment_shed_after", "network_retries",
    ]

    static func decode(_ r: TableReader) -> SchedulerSection {
        var s = SchedulerSection()
        r.rejectUnknownKeys(keys)
        s.callsPerMinute = r.int("calls_per_minute", in: 1...1_000_000) ?? s.callsPerMinute
        s.safetyMargin = r.double("safety_margin", in: 0...1, upperExclusive: true) ?? s.safetyMargin
        s.maxAttempts = r.int("max_attempts", in: 1...100) ?? s.maxAttempts
        s.backoffBase = r.duration("backoff_base", minimum: .milliseconds(1)) ?? s.backoffBase
        s.backoffCap = r.duration("backoff_cap", minimum: .milliseconds(1)) ?? s.backoffCap
        s.enrichmentMaxShare = r.double("enrichment_max_share", in: 0...1) ?? s.enrichmentMaxShare
        s.enrichmentShedAfter = r.duration("enrichment_shed_after") ?? s.enrichmentShedAfter
        s.networkRetries = r.int("network_retries", in: 0...100) ?? s.networkRetries
        if s.backoffCap < s.backoffBase {
            r.report("backoff_cap", "conflicting options: backoff_cap (\(formatConfigDuration(s.backoffCap))) is shorter than backoff_base (\(formatConfigDuration(s.backoffBase)))")
        }
        return s
    }
}

extension CollectorSection {
    static let keys = [
        "id", "poll_interval_idle", "page_size", "coalesce_window", "dedupe_window", "dedupe_max_events", "silence_after",
        "lag_warning", "group_relookup_interval", "max_drives", "enrichment", "enrichment_cache_entries",
        "batch_max_events",
    ]

    static func decode(_ r: TableReader) -> CollectorSection {
        var s = CollectorSection()
        r.rejectUnknownKeys(keys, hints: [
            "start_position": "start_position is set per connection: move it into the [[connections]] entry"
        ])
        if let id = r.string("id") {
            if id.utf8.count <= 128, id.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }) {
                s.id = id
            } else {
                r.report("id", "\"\(id)\" is not a valid collector id: use letters, digits, -, _ and .")
            }
        }
        s.pollIntervalIdle = r.duration("poll_interval_idle", minimum: .milliseconds(100)) ?? s.pollIntervalIdle
        s.pageSize = r.int("page_size", in: 1...500) ?? s.pageSize
        s.coalesceWindow = r.duration("coalesce_window", maximum: .seconds(3600)) ?? s.coalesceWindow
        s.dedupeWindow = r.duration("dedupe_window") ?? s.dedupeWindow
        s.dedupeMaxEvents = r.int("dedupe_max_events", in: 0...100_000_000) ?? s.dedupeMaxEvents
        s.silenceAfter = r.duration("silence_after") ?? s.silenceAfter
        s.lagWarning = r.duration("lag_warning") ?? s.lagWarning
        s.groupRelookupInterval = r.duration("group_relookup_interval", minimum: .seconds(60)) ?? s.groupRelookupInterval
        s.maxDrives = r.int("max_drives", in: 1...500_000) ?? s.maxDrives
        s.enrichment = r.bool("enrichment") ?? s.enrichment
        s.enrichmentCacheEntries = r.int("enrichment_cache_entries", in: 0...10_000_000) ?? s.enrichmentCacheEntries
        s.batchMaxEvents = r.int("batch_max_events", in: 1...100_000) ?? s.batchMaxEvents
        if s.dedupeWindow == .zero, s.dedupeMaxEvents == 0 {
            r.report("dedupe_window", "dedupe is off (dedupe_window = \"0s\" and dedupe_max_events = 0): admin_logs_streaming re-delivers events, so duplicates would reach the bus", severity: .warning)
        }
        return s
    }
}

extension IndexSection {
    static let keys = ["path", "batch_size"]

    static func decode(_ r: TableReader) -> IndexSection {
        var s = IndexSection()
        r.rejectUnknownKeys(keys)
        s.path = r.path("path") ?? s.path
        s.batchSize = r.int("batch_size", in: 1...1_000_000) ?? s.batchSize
        return s
    }
}

extension ArchiveSection {
    static let keys = ["path", "retention_days", "compression_level"]

    static func decode(_ r: TableReader) -> ArchiveSection {
        var s = ArchiveSection()
        r.rejectUnknownKeys(keys)
        s.path = r.path("path") ?? s.path
        s.retentionDays = r.int("retention_days", in: 0...36_500) ?? s.retentionDays
        s.compressionLevel = r.int("compression_level", in: 1...9) ?? s.compressionLevel
        return s
    }
}

extension MetricsSection {
    static let keys = [
        "enabled", "host", "broker_port", "collector_port", "index_port", "alert_port", "archive_port", "emulator_port",
    ]

    static func decode(_ r: TableReader) -> MetricsSection {
        var s = MetricsSection()
        r.rejectUnknownKeys(keys)
        s.enabled = r.bool("enabled") ?? s.enabled
        if let host = r.string("host") {
            if BusEndpoint.isValidHost(host), host != "*" { s.host = host } else { r.report("host", "\"\(host)\" is not a host name or IP address") }
        }
        s.brokerPort = r.int("broker_port", in: 0...65535) ?? s.brokerPort
        s.collectorPort = r.int("collector_port", in: 0...65535) ?? s.collectorPort
        s.indexPort = r.int("index_port", in: 0...65535) ?? s.indexPort
        s.alertPort = r.int("alert_port", in: 0...65535) ?? s.alertPort
        s.archivePort = r.int("archive_port", in: 0...65535) ?? s.archivePort
        s.emulatorPort = r.int("emulator_port", in: 0...65535) ?? s.emulatorPort
        let ports = [
            ("broker_port", s.brokerPort), ("collector_port", s.collectorPort), ("index_port", s.indexPort),
            ("alert_port", s.alertPort), ("archive_port", s.archivePort), ("emulator_port", s.emulatorPort),
        ]
        for (offset, (key, port)) in ports.enumerated() where port != 0 {
            if let earlier = ports[..<offset].first(where: { $0.1 == port }) {
                r.report(key, "conflicting options: port \(port) is also \(earlier.0); use distinct ports or 0 (ephemeral)")
            }
        }
        return s
    }
}

extension EmulatorSection {
    static let keys = [
        "host", "port", "seed", "users", "backlog", "events_per_second", "rate_limit_per_minute", "connection_name",
    ]

    static func decode(_ r: TableReader) -> EmulatorSection {
        var s = EmulatorSection()
        r.rejectUnknownKeys(keys)
        if let host = r.string("host") {
            if BusEndpoint.isValidHost(host), host != "*" { s.host = host } else { r.report("host", "\"\(host)\" is not a host name or IP address") }
        }
        s.port = r.int("port", in: 0...65535) ?? s.port
        s.seed = (r.int("seed", in: Int.min...Int.max)).map(Int64.init) ?? s.seed
        s.users = r.int("users", in: 1...1_000_000) ?? s.users
        s.backlog = r.int("backlog", in: 0...100_000_000) ?? s.backlog
        s.eventsPerSecond = r.double("events_per_second", in: 0...1_000_000) ?? s.eventsPerSecond
        s.rateLimitPerMinute = r.int("rate_limit_per_minute", in: 1...1_000_000) ?? s.rateLimitPerMinute
        if let name = r.string("connection_name") {
            if Validators.isTopicSafeName(name) { s.connectionName = name } else { r.report("connection_name", ConnectionSection.nameRule(name)) }
        }
        return s
    }
}

extension LoggingSection {
    static let keys = ["level", "format"]

    static func decode(_ r: TableReader) -> LoggingSection {
        var s = LoggingSection()
        r.rejectUnknownKeys(keys)
        s.level = r.choice("level") ?? s.level
        s.format = r.choice("format") ?? s.format
        return s
    }
}
