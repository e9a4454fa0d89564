public import BoxBridgeProtocol
public import SwiftProtobuf
import Foundation

/// What normalizing one raw Box event gave: a file event, or the event set aside with its bytes.
public enum NormalizationResult: Sendable {
    case event(Boxbridge_V1_FileEvent)
    case quarantined(Boxbridge_V1_QuarantinedEvent)

    /// The file event, when there is one.
    public var event: Boxbridge_V1_FileEvent? {
        if case .event(let event) = self { return event }
        return nil
    }

    /// The quarantined event, when normalization failed.
    public var quarantined: Boxbridge_V1_QuarantinedEvent? {
        if case .quarantined(let quarantined) = self { return quarantined }
        return nil
    }
}

/// Turns one raw Box event (enterprise or user stream, any family) into the product's file event.
///
/// A pure value: the same bytes and configuration always give the same result, so the collector,
/// `boxbridge normalize` and re-normalization from the archive agree. It never throws and never
/// traps on input: anything it cannot read is quarantined with a reason naming the field.
public struct Normalizer: Sendable {
    /// The bridge's own Box account, whose activity is health information rather than user activity.
    public struct ServiceAccount: Sendable, Equatable {
        public var userID: String?
        public var login: String?

        public init(userID: String? = nil, login: String? = nil) {
            self.userID = userID
            self.login = login
        }
    }

    /// The connection name carried on every event (and in its topics).
    public var connection: String
    /// Who is inside the company, for invitees, owners and actors.
    public var internalDomains: InternalDomains
    /// The bridge's own account, when known.
    public var serviceAccount: ServiceAccount?
    /// `admin_logs`, `admin_logs_streaming`, or a user stream name; carried on every event.
    public var streamType: String

    public init(
        connection: String,
        internalDomains: [String] = [],
        serviceAccount: ServiceAccount? = nil,
        streamType: String = "admin_logs_streaming"
    ) {
        self.connection = connection
        self.internalDomains = InternalDomains(internalDomains)
        self.serviceAccount = serviceAccount
        self.streamType = streamType
    }

    /// Normalizes one Box event given as its exact JSON bytes.
    ///
    /// - Parameter quarantinedAt: the time stamped on a quarantined event (the caller's clock).
    public func normalize(raw: [UInt8], quarantinedAt: Google_Protobuf_Timestamp? = nil) -> NormalizationResult {
        raw.withUnsafeBytes { normalize(buffer: $0, quarantinedAt: quarantinedAt) }
    }

    /// Normalizes one Box event given as its exact JSON bytes, from any byte collection.
    public func normalize(raw: some Collection<UInt8>, quarantinedAt: Google_Protobuf_Timestamp? = nil) -> NormalizationResult {
        if let result = raw.withContiguousStorageIfAvailable({ normalize(buffer: UnsafeRawBufferPointer($0), quarantinedAt: quarantinedAt) }) {
            return result
        }
        return Array(raw).withUnsafeBytes { normalize(buffer: $0, quarantinedAt: quarantinedAt) }
    }

    /// Normalizes one Box event from a buffer valid for the duration of the call.
    public func normalize(buffer: UnsafeRawBufferPointer, quarantinedAt: Google_Protobuf_Timestamp? = nil) -> NormalizationResult {
        let tape: JSONTape
        do {
            tape = try JSONTape(parsing: buffer)
        } catch {
            let at = lineAndColumn(buffer, error.offset)
            return quarantine(buffer, eventID: "", reason: "invalid JSON: \(error.reason) at byte \(error.offset) (line \(at.line), column \(at.column))", at: quarantinedAt)
        }
        let view = JSONView(buffer: buffer, nodes: tape.nodes)
        guard view.kind(0) == .object else {
            return quarantine(buffer, eventID: "", reason: "not a JSON object (the event is \(view.kindName(0)))", at: quarantinedAt)
        }
        var eventID = ""
        do throws(JSONView.FieldError) {
            guard let id = try view.id(0, "event_id", path: "event_id") else {
                throw JSONView.FieldError(path: "event_id", problem: "is missing or null")
            }
            guard !id.isEmpty else { throw JSONView.FieldError(path: "event_id", problem: "is empty") }
            eventID = id
            return .event(try makeEvent(view, eventID: id, raw: buffer))
        } catch {
            return quarantine(buffer, eventID: eventID, reason: error.reason, at: quarantinedAt)
        }
    }

    private func quarantine(
        _ buffer: UnsafeRawBufferPointer, eventID: String, reason: String, at: Google_Protobuf_Timestamp?
    ) -> NormalizationResult {
        var quarantined = Boxbridge_V1_QuarantinedEvent()
        quarantined.connection = connection
        quarantined.eventID = eventID
        quarantined.reason = reason
        quarantined.raw = Self.data(buffer)
        if let at { quarantined.at = at }
        return .quarantined(quarantined)
    }

    static func data(_ buffer: UnsafeRawBufferPointer) -> Data {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return Data() }
        return Data(bytes: base, count: buffer.count)
    }

    // MARK: - Users

    /// Whether `user` is the bridge's own account.
    func isServiceAccount(_ user: Boxbridge_V1_User) -> Bool {
        guard let serviceAccount else { return false }
        if let id = serviceAccount.userID, !id.isEmpty, user.id == id { return true }
        if let login = serviceAccount.login, !login.isEmpty, !user.login.isEmpty,
           user.login.utf8.count == login.utf8.count, Self.equalsIgnoringASCIICase(user.login, login)
        {
            return true
        }
        return false
    }

    static func equalsIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        for (x, y) in zip(a.utf8, b.utf8) where x != y {
            let lx = (x &- UInt8(ascii: "A")) < 26 ? x | 0x20 : x
            let ly = (y &- UInt8(ascii: "A")) < 26 ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// A Box user object (`{type, id, name, login}`; Shield alerts use `email`).
    func user(_ view: JSONView, _ ref: JSONView.Ref?, path: @autoclosure () -> String) throws(JSONView.FieldError) -> Boxbridge_V1_User? {
        guard let ref else { return nil }
        guard view.kind(ref) == .object else {
            throw JSONView.FieldError(path: path(), problem: "is \(view.kindName(ref)), expected a user object")
        }
        var user = Boxbridge_V1_User()
        user.id = try view.id(ref, "id", path: path() + ".id") ?? ""
        user.name = try view.string(ref, "name", path: path() + ".name") ?? ""
        user.login = try view.string(ref, "login", or: "email", in: path()) ?? ""
        user.external = internalDomains.isExternal(login: user.login)
        return user
    }

    /// A user assembled from flat keys (collaboration sources: `user_id`, `user_name`, ...).
    func flatUser(id: String, name: String, login: String?) -> Boxbridge_V1_User {
        var user = Boxbridge_V1_User()
        user.id = id
        user.name = name
        // An invitee without a Box account is shown under the address the invite went to.
        if let login, !login.isEmpty {
            user.login = login
        } else if Self.looksLikeEmail(name) {
            user.login = name
        }
        user.external = internalDomains.isExternal(login: user.login)
        return user
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        var at = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "@") { at += 1 }
            if byte == 0x20 { return false }
        }
        return at == 1 && text.utf8.first != UInt8(ascii: "@") && text.utf8.last != UInt8(ascii: "@")
    }

    /// Box's anonymous user, which is never an actor.
    static let anonymousUserID = "2"

    /// An IP address as Box sent it, or "" for "Unknown IP" and anything that is not an address.
    static func ipAddress(_ text: String) -> String {
        var digits = false
        var separators = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits = true
            case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): break
            case UInt8(ascii: "."), UInt8(ascii: ":"): separators = true
            default: return ""
            }
        }
        return digits && separators ? text : ""
    }
}

/// Line and column (1-based) of a byte offset, for error messages.
func lineAndColumn(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    var i = 0
    while i < min(offset, buffer.count) {
        if buffer[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        i += 1
    }
    return (line, offset - lineStart + 1)
}
