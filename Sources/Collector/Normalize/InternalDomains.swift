/// A connection's internal email domains: who counts as inside the company.
///
/// A login is internal when its domain equals one of the domains or is a subdomain of one
/// (`eu.acme.com` under `acme.com`), compared case-insensitively. With no domains configured
/// nothing can be told apart, so nobody is marked external and exposure stays unknown.
public struct InternalDomains: Sendable, Equatable {
    /// Lower-cased, without a leading `@` or `.`.
    public let domains: [String]
    private let domainBytes: [[UInt8]]

    public init(_ domains: [String]) {
        var cleaned: [String] = []
        for domain in domains {
            var d = Substring(domain.trimmingASCIIWhitespace())
            while let first = d.first, first == "@" || first == "." { d = d.dropFirst() }
            let lowered = String(d).asciiLowercased()
            if !lowered.isEmpty, !cleaned.contains(lowered) { cleaned.append(lowered) }
        }
        self.domains = cleaned
        self.domainBytes = cleaned.map { Array($0.utf8) }
    }

    public var isEmpty: Bool { domains.isEmpty }

    /// Whether `login` is in one of the domains; nil when that cannot be told (no domains
    /// configured, or the login is not an email address).
    public func isInternal(login: String) -> Bool? {
        guard !domainBytes.isEmpty else { return nil }
        var login = login
        return login.withUTF8 { utf8 -> Bool? in
            guard let at = utf8.lastIndex(of: UInt8(ascii: "@")), at + 1 < utf8.count else { return nil }
            let host = UnsafeBufferPointer(rebasing: utf8[(at + 1)...])
            for domain in domainBytes {
                if host.count == domain.count {
                    if equalsIgnoringASCIICase(host, 0, domain) { return true }
                } else if host.count > domain.count {
                    let offset = host.count - domain.count
                    if host[offset - 1] == UInt8(ascii: "."), equalsIgnoringASCIICase(host, offset, domain) { return true }
                }
            }
            return false
        }
    }

    /// True only when the login is known to be outside every internal domain.
    public func isExternal(login: String) -> Bool {
        isInternal(login: login) == false
    }

    /// Whether `host[offset...]` equals the lower-cased `domain`, ignoring ASCII case.
    private func equalsIgnoringASCIICase(_ host: UnsafeBufferPointer<UInt8>, _ offset: Int, _ domain: [UInt8]) -> Bool {
        guard host.count - offset == domain.count else { return false }
        for k in 0..<domain.count {
            let x = host[offset + k]
            let lx = (x &- UInt8(ascii: "A")) < 26 ? x | 0x20 : x
            if lx != domain[k] { return false }
        }
        return true
    }
}

extension String {
    func asciiLowercased() -> String {
        String(decoding: utf8.map { ($0 &- UInt8(ascii: "A")) < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}
