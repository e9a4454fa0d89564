import Foundation

extension ConnectionSection {
    static let keys = [
        "name", "auth", "client_id", "client_secret_env", "client_secret_file", "app_config_file", "private_key_file",
        "private_key_passphrase_env", "private_key_passphrase_file", "public_key_id", "enterprise_id", "admin_email",
        "api_base_url", "scope", "scope_file", "internal_domains", "stream_type", "start_position",
        "service_account_login",
    ]

    /// Inline secrets are refused with the keys to use instead; their values are never echoed.
    static let inlineSecretHints = [
        "client_secret": "inline secrets are not allowed: put the client secret in an environment variable (client_secret_env = \"NAME\") or a file (client_secret_file = \"path\")",
        "private_key": "inline keys are not allowed: put the PEM in a file and set private_key_file, or use app_config_file",
        "private_key_passphrase": "inline secrets are not allowed: use private_key_passphrase_env or private_key_passphrase_file",
        "passphrase": "inline secrets are not allowed: use private_key_passphrase_env or private_key_passphrase_file",
    ]

    static func nameRule(_ name: String) -> String {
        "\"\(name)\" is not a valid name: use lower-case letters, digits, - and _ (starting with a letter or digit, at most 64), as it becomes part of topic names"
    }

    static func decodeAll(_ readers: [TableReader]) -> [ConnectionSection] {
        var connections: [ConnectionSection] = []
        var firstByName: [String: ConfigKeyPath] = [:]
        for reader in readers {
            let name = reader.string("name")
            if let name, let first = firstByName[name] {
                let line = reader.context.locator.line(for: first).map { " (line \($0))" } ?? ""
                reader.report("name", "duplicate connection name \"\(name)\": already used by \(first)\(line)")
            } else if let name {
                firstByName[name] = reader.path
            }
            if let connection = decode(reader, name: name) { connections.append(connection) }
        }
        return connections
    }

    /// One connection, or nil when a required part is missing or invalid (each problem reported).
    static func decode(_ r: TableReader, name rawName: String?) -> ConnectionSection? {
        var valid = true
        r.rejectUnknownKeys(keys, hints: inlineSecretHints)
        if !inlineSecretHints.keys.filter(r.has).isEmpty { valid = false }

        var name: String?
        if let rawName {
            if Validators.isTopicSafeName(rawName) { name = rawName } else { r.report("name", nameRule(rawName)) }
        } else if !r.has("name") {
            r.report("name", "missing: every connection needs a name (lower-case, digits, - and _)")
        }

        let auth = r.has("auth") ? r.choice("auth", as: AuthMethod.self) : .ccg
        if auth == nil { valid = false }

        // Credentials: CCG needs id + secret; JWT needs id + secret + key, all of which Box's app
        // config JSON may provide.
        var clientID = r.string("client_id")
        var clientSecret: (ConfigSecret, SecretSource?)? = nil
        var jwt: JWTCredentials?
        var enterpriseFromApp: String?
        let jwtOnly = ["app_config_file", "private_key_file", "private_key_passphrase_env", "private_key_passphrase_file", "public_key_id"]
        if auth == .ccg {
            for key in jwtOnly where r.has(key) {
                r.report(key, "conflicting options: \(key) applies only to auth = \"jwt\"")
                valid = false
            }
        }
        if auth == .jwt, r.has("app_config_file") {
            for key in ["private_key_file", "private_key_passphrase_env", "private_key_passphrase_file", "public_key_id", "client_secret_env", "client_secret_file"] where r.has(key) {
                r.report(key, "conflicting options: app_config_file already provides this; remove \(key) or app_config_file")
                valid = false
            }
            if let app = decodeAppConfig(r) {
                if let configured = clientID, configured != app.clientID {
                    r.report("client_id", "conflicting options: client_id differs from boxAppSettings.clientID in app_config_file")
                    valid = false
                }
                clientID = app.clientID
                clientSecret = (app.clientSecret, nil)
                jwt = app.jwt
                enterpriseFromApp = app.enterpriseID
            } else {
                valid = false
            }
        } else {
            if let secret = r.secret("client_secret", required: true, purpose: "client secret") {
                clientSecret = (secret.0, secret.1)
            } else {
                valid = false
            }
            if auth == .jwt {
                if let credentials = decodeJWTFiles(r) { jwt = credentials } else { valid = false }
            }
            if clientID == nil, !r.has("client_id") {
                r.report("client_id", "missing: the Box app's client id is required")
            }
        }
        if clientID == nil { valid = false }

        var enterpriseID = r.string("enterprise_id")
        if let id = enterpriseID, !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
            r.report("enterprise_id", "\"\(id)\" is not a Box enterprise id (digits only, from Admin Console > Account & Billing)")
            enterpriseID = nil
            valid = false
        } else if let fromApp = enterpriseFromApp {
            if let id = enterpriseID, id != fromApp {
                r.report("enterprise_id", "conflicting options: enterprise_id \(id) differs from enterpriseID \(fromApp) in app_config_file")
                valid = false
            }
            enterpriseID = enterpriseID ?? fromApp
        } else if enterpriseID == nil {
            if !r.has("enterprise_id") { r.report("enterprise_id", "missing: the Box enterprise id is required") }
            valid = false
        }

        var adminEmail: String?
        if let email = r.string("admin_email") {
            if Validators.isEmail(email) { adminEmail = email.lowercased() } else { r.report("admin_email", "\"\(email)\" is not an email address") }
        } else if !r.has("admin_email") {
            r.report("admin_email", "missing: the email of a Box admin or co-admin of the enterprise is required")
        }
        if adminEmail == nil { valid = false }

        var apiBaseURL = "https://api.box.com"
        if let url = r.string("api_base_url") {
            if let problem = checkBaseURL(url) {
                r.report("api_base_url", problem)
                valid = false
            } else {
                apiBaseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            }
        }

        let scope = r.has("scope") ? r.choice("scope", as: Scope.self) : .all
        let scopeFile = r.path("scope_file")
        switch scope {
        case .users?, .groups?:
            if let scopeFile {
                if r.readFile("scope_file", scopeFile, what: "scope CSV") == nil { valid = false }
            } else if !r.has("scope_file") {
                r.report("scope_file", "missing: scope = \"\(scope!.rawValue)\" needs a CSV of \(scope!.rawValue) (scope_file)")
                valid = false
            }
        case .all?:
            if r.has("scope_file") {
                r.report("scope_file", "conflicting options: scope = \"all\" monitors every user; remove scope_file or set scope = \"users\" or \"groups\"")
                valid = false
            }
        case nil:
            valid = false
        }

        var internalDomains: [String] = []
        if let domains = r.stringArray("internal_domains") {
            for domain in domains {
                let lowered = domain.value.lowercased().trimmingCharacters(in: .whitespaces)
                if Validators.isDomain(lowered) {
                    if !internalDomains.contains(lowered) { internalDomains.append(lowered) }
                } else {
                    r.context.report(domain.path, "\"\(domain.value)\" is not a domain name (e.g. \"acme.com\")")
                    valid = false
                }
            }
        } else if r.has("internal_domains") {
            valid = false
        }

        let streamType = r.has("stream_type") ? r.choice("stream_type", as: StreamType.self) : .adminLogsStreaming
        if streamType == nil { valid = false }
        let startPosition = decodeStartPosition(r, streamType: streamType ?? .adminLogsStreaming)
        if startPosition == nil { valid = false }

        var serviceAccountLogin: String?
        if let login = r.string("service_account_login") {
            if Validators.isEmail(login) || login.hasPrefix("AutomationUser_") {
                serviceAccountLogin = login.lowercased()
            } else {
                r.report("service_account_login", "\"\(login)\" is not an email address or a Box service account login (AutomationUser_…@boxdevedition.com)")
                valid = false
            }
        }

        guard valid, let name, let auth, let clientID, let clientSecret, let enterpriseID, let adminEmail,
            let scope, let streamType, let startPosition
        else { return nil }
        var connection = ConnectionSection(
            name: name, clientID: clientID, clientSecret: clientSecret.0, enterpriseID: enterpriseID, adminEmail: adminEmail)
        connection.auth = auth
        connection.clientSecretSource = clientSecret.1
        connection.jwt = jwt
        connection.apiBaseURL = apiBaseURL
        connection.scope = scope
        connection.scopeFile = scopeFile
        connection.internalDomains = internalDomains
        connection.streamType = streamType
        connection.startPosition = startPosition
        connection.serviceAccountLogin = serviceAccountLogin
        return connection
    }

    /// Why a Box API base URL is unusable, or nil. Plain http only on loopback (the emulator):
    /// tokens and secrets must not cross a network in clear.
    static func checkBaseURL(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "\"\(url)\" is not a URL such as https://api.box.com" }
        guard components.query == nil, components.fragment == nil else { return "\"\(url)\" must not have a query or fragment" }
        switch scheme {
        case "https": return nil
        case "http":
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"]
            return loopback.contains(host) ? nil : "\"\(url)\": plain http would send Box tokens in clear; use https (http is allowed only on loopback, for the emulator)"
        default:
            return "\"\(url)\": the scheme must be https"
        }
    }

    private static func decodeStartPosition(_ r: TableReader, streamType: StreamType) -> StartPosition? {
        guard r.has("start_position") else { return .now }
        let value = r.table["start_position"]!.tomlValue
        let text: String
        if let string = value.string {
            text = string
        } else if let dateTime = value.dateTime {
            // An unquoted TOML date-time: keep its RFC 3339 spelling.
            guard dateTime.offset != nil else {
                r.report("start_position", "a timestamp needs a time zone, e.g. 2026-01-31T08:00:00Z")
                return nil
            }
            text = dateTime.debugDescription
        } else if let int = value.int, int == 0 {
            text = "0"
        } else {
            r.report("start_position", "expected \"now\", \"0\" or an RFC 3339 timestamp, found \(TableReader.describe(value.type))")
            return nil
        }
        switch text {
        case "now": return .now
        case "0": return .earliest
        default:
            guard Validators.isRFC3339Timestamp(text) else {
                r.report("start_position", "\"\(text)\" is not \"now\", \"0\" or an RFC 3339 timestamp such as \"2026-01-31T08:00:00Z\"")
                return nil
            }
            guard streamType == .adminLogs else {
                r.report("start_position", "conflicting options: a timestamp start needs stream_type = \"admin_logs\" (admin_logs_streaming only starts at \"now\" or \"0\")")
                return nil
            }
            return .timestamp(text)
        }
    }

    /// JWT from separate files: private_key_file, its passphrase, public_key_id.
    private static func decodeJWTFiles(_ r: TableReader) -> JWTCredentials? {
        var valid = true
        let keyID = r.string("public_key_id")
        if keyID == nil {
            if !r.has("public_key_id") { r.report("public_key_id", "missing: auth = \"jwt\" needs public_key_id (or app_config_file)") }
            valid = false
        }
        var pem: String?
        let file = r.path("private_key_file")
        if let file {
            if let text = r.readSecretFile("private_key_file", file) {
                if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
                    pem = text
                } else {
                    r.report("private_key_file", "\(file) does not hold a PEM private key (-----BEGIN ... PRIVATE KEY-----)")
                }
            }
        } else if !r.has("private_key_file") {
            r.report("private_key_file", "missing: auth = \"jwt\" needs private_key_file (or app_config_file)")
        }
        if pem == nil { valid = false }
        let passphrase = r.secret("private_key_passphrase", required: false, purpose: "private key passphrase")
        if let pem, pem.contains("ENCRYPTED"), passphrase == nil, !r.has("private_key_passphrase_env"), !r.has("private_key_passphrase_file") {
            r.report("private_key_passphrase_env", "the private key is encrypted: set private_key_passphrase_env or private_key_passphrase_file")
            valid = false
        }
        if (r.has("private_key_passphrase_env") || r.has("private_key_passphrase_file")), passphrase == nil { valid = false }
        guard valid, let keyID, let pem, let file else { return nil }
        return JWTCredentials(publicKeyID: keyID, privateKeyPEM: ConfigSecret(pem), privateKeyPassphrase: passphrase?.0, source: file)
    }

    private struct AppConfig {
        var clientID: String
        var clientSecret: ConfigSecret
        var jwt: JWTCredentials
        var enterpriseID: String?
    }

    /// Box's app config JSON (Developer Console > Configuration > Generate a Public/Private Keypair).
    private static func decodeAppConfig(_ r: TableReader) -> AppConfig? {
        guard let file = r.path("app_config_file"), let text = r.readSecretFile("app_config_file", file) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            r.report("app_config_file", "\(file) is not a JSON object (expected Box's app config JSON)")
            return nil
        }
        let settings = object["boxAppSettings"] as? [String: Any]
        let appAuth = settings?["appAuth"] as? [String: Any]
        var missing: [String] = []
        func field(_ dictionary: [String: Any]?, _ key: String, _ dotted: String) -> String? {
            if let text = dictionary?[key] as? String, !text.isEmpty { return text }
            if let number = dictionary?[key] as? NSNumber { return number.stringValue }
            missing.append(dotted)
            return nil
        }
        let clientID = field(settings, "clientID", "boxAppSettings.clientID")
        let clientSecret = field(settings, "clientSecret", "boxAppSettings.clientSecret")
        let keyID = field(appAuth, "publicKeyID", "boxAppSettings.appAuth.publicKeyID")
        let privateKey = field(appAuth, "privateKey", "boxAppSettings.appAuth.privateKey")
        let passphrase = (appAuth?["passphrase"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let enterpriseID: String? =
            (object["enterpriseID"] as? String) ?? (object["enterpriseID"] as? NSNumber)?.stringValue
        guard missing.isEmpty, let clientID, let clientSecret, let keyID, let privateKey else {
            r.report("app_config_file", "\(file) lacks \(missing.joined(separator: ", ")) (expected Box's app config JSON with a key pair)")
            return nil
        }
        if privateKey.contains("ENCRYPTED"), passphrase == nil {
            r.report("app_config_file", "\(file): the private key is encrypted but boxAppSettings.appAuth.passphrase is empty")
            return nil
        }
        let jwt = JWTCredentials(
            publicKeyID: keyID, privateKeyPEM: ConfigSecret(privateKey), privateKeyPassphrase: passphrase.map(ConfigSecret.init), source: file)
        return AppConfig(clientID: clientID, clientSecret: ConfigSecret(clientSecret), jwt: jwt, enterpriseID: enterpriseID)
    }
}
