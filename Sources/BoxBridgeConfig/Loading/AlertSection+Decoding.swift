import Foundation

extension AlertSection {
    static let keys = ["state_path", "default_rules", "personal_domains", "outputs", "rules"]

    static func decode(_ r: TableReader) -> AlertSection {
        var s = AlertSection()
        r.rejectUnknownKeys(keys)
        s.statePath = r.path("state_path") ?? s.statePath
        s.defaultRules = r.bool("default_rules") ?? s.defaultRules
        if let domains = r.stringArray("personal_domains") {
            var list: [String] = []
            for domain in domains {
                let lowered = domain.value.lowercased()
                if Validators.isDomain(lowered) {
                    list.append(lowered)
                } else {
                    r.context.report(domain.path, "\"\(domain.value)\" is not a domain name (e.g. \"gmail.com\")")
                }
            }
            s.personalDomains = list
        }
        if let outputs = r.table("outputs") { s.outputs = .decode(outputs) }
        if let rules = r.tableArray("rules") {
            var firstByName: [String: ConfigKeyPath] = [:]
            for reader in rules {
                guard let rule = AlertRule.decode(reader) else { continue }
                if let first = firstByName[rule.name] {
                    reader.report("name", "duplicate rule name \"\(rule.name)\": already used by \(first)")
                    continue
                }
                firstByName[rule.name] = reader.path
                s.rules.append(rule)
            }
        }
        if !s.defaultRules, s.rules.isEmpty {
            r.report("default_rules", "no alert rule is active (default_rules = false and no [[alert.rules]])", severity: .warning)
        }
        return s
    }
}

extension AlertOutputs {
    static let keys = [
        "stdout", "file", "webhook_url", "webhook_secret_env", "webhook_secret_file", "webhook_max_attempts", "webhook_timeout",
        "webhook_queue_limit", "bus",
    ]

    static func decode(_ r: TableReader) -> AlertOutputs {
        var s = AlertOutputs()
        r.rejectUnknownKeys(
            keys,
            hints: ["webhook_secret": "inline secrets are not allowed: use webhook_secret_env or webhook_secret_file"])
        s.stdout = r.bool("stdout") ?? s.stdout
        s.file = r.path("file")
        if let url = r.string("webhook_url") {
            if let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                let host = components.host, !host.isEmpty
            {
                s.webhookURL = url
            } else {
                r.report("webhook_url", "\"\(url)\" is not an http(s) URL")
            }
        }
        if let secret = r.secret("webhook_secret", required: false, purpose: "webhook signing secret") {
            s.webhookSecret = secret.0
            s.webhookSecretSource = secret.1
        }
        if !r.has("webhook_url"), r.has("webhook_secret_env") || r.has("webhook_secret_file") {
            r.report(r.has("webhook_secret_env") ? "webhook_secret_env" : "webhook_secret_file", "conflicting options: a webhook secret without webhook_url")
        }
        s.webhookMaxAttempts = r.int("webhook_max_attempts", in: 1...100) ?? s.webhookMaxAttempts
        s.webhookQueueLimit = r.int("webhook_queue_limit", in: 1...10_000_000) ?? s.webhookQueueLimit
        s.webhookTimeout = r.duration("webhook_timeout", minimum: .milliseconds(100)) ?? s.webhookTimeout
        s.bus = r.bool("bus") ?? s.bus
        if !s.stdout, s.file == nil, !r.has("webhook_url"), !s.bus {
            r.report("bus", "every alert output is off: alerts would go nowhere", severity: .warning)
        }
        return s
    }
}

extension AlertRule {
    static let keys = [
        "name", "enabled", "severity", "categories", "exposure", "classifications", "control_modes", "actors",
        "actor_domains", "invitee_domains", "classified", "file_name_pattern", "threshold", "group_by", "suppress",
    ]

    static func decode(_ r: TableReader) -> AlertRule? {
        r.rejectUnknownKeys(keys)
        var valid = true
        guard let name = r.string("name") else {
            if !r.has("name") { r.report("name", "missing: every rule needs a name (it becomes part of alerts/<connection>/<name>)") }
            return nil
        }
        guard Validators.isTopicSafeName(name) else {
            r.report("name", ConnectionSection.nameRule(name))
            return nil
        }
        var rule = AlertRule(name: name)
        rule.enabled = r.bool("enabled") ?? rule.enabled
        rule.severity = r.choice("severity") ?? rule.severity
        if let categories = r.stringArray("categories") {
            for category in categories {
                if AlertRule.categories.contains(category.value) {
                    rule.categories.append(category.value)
                } else {
                    var message = "\"\(category.value)\" is not a category (\(AlertRule.categories.joined(separator: ", ")))"
                    if let suggestion = DidYouMean.suggestion(for: category.value, among: AlertRule.categories) {
                        message += "; did you mean \"\(suggestion)\"?"
                    }
                    r.context.report(category.path, message)
                    valid = false
                }
            }
        }
        rule.exposure = r.choices("exposure") ?? rule.exposure
        rule.classifications = r.stringArray("classifications")?.map(\.value) ?? []
        rule.controlModes = r.choices("control_modes") ?? rule.controlModes
        rule.actors = r.stringArray("actors")?.map { $0.value.lowercased() } ?? []
        for (key, keyPath) in [("actor_domains", \AlertRule.actorDomains), ("invitee_domains", \AlertRule.inviteeDomains)] {
            guard let domains = r.stringArray(key) else { continue }
            for domain in domains {
                let lowered = domain.value.lowercased()
                if Validators.isDomain(lowered) {
                    rule[keyPath: keyPath].append(lowered)
                } else {
                    r.context.report(domain.path, "\"\(domain.value)\" is not a domain name (e.g. \"gmail.com\")")
                    valid = false
                }
            }
        }
        rule.classified = r.bool("classified") ?? rule.classified
        if let pattern = r.string("file_name_pattern") {
            if pattern.filter({ $0 == "[" }).count != pattern.filter({ $0 == "]" }).count {
                r.report("file_name_pattern", "\"\(pattern)\" has an unbalanced [ ] bracket expression")
                valid = false
            } else {
                rule.fileNamePattern = pattern
            }
        }
        if let threshold = r.table("threshold") {
            threshold.rejectUnknownKeys(["count", "window"])
            let count = threshold.int("count", in: 1...10_000_000)
            let window = threshold.duration("window", minimum: .seconds(1))
            if !threshold.has("count") { threshold.report("count", "missing: a threshold needs count and window") }
            if !threshold.has("window") { threshold.report("window", "missing: a threshold needs count and window") }
            if let count, let window {
                rule.threshold = Threshold(count: count, window: window)
            } else {
                valid = false
            }
        }
        rule.groupBy = r.choice("group_by") ?? rule.groupBy
        rule.suppress = r.duration("suppress") ?? rule.suppress
        return valid ? rule : nil
    }
}
