import Foundation
public import Logging

/// The emulator's state shared by all requests: the enterprise, the event log, tokens, limits, faults.
public final class EmulatorCore: @unchecked Sendable {
    public let configuration: EmulatorConfiguration
    public let enterprise: Enterprise
    public let log: EventLog
    public let pager: EventPager
    let logger: Logger
    let tokens: Locked<TokenStore>
    let limiters = Locked<[String: SlidingWindowLimiter]>([:])
    let faults: Locked<FaultInjector>
    let calls: Locked<CallLog>
    let requestCounter = Locked<UInt64>(0)
    let verifier: Locked<JWTAssertionVerifier?> = Locked(nil)
    let groundTruth: GroundTruthWriter?

    public init(configuration: EmulatorConfiguration, logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        let start = configuration.startTime ?? configuration.clock.now.rounded(.down)
        let enterprise = Enterprise(
            seed: configuration.seed, userCount: configuration.users, inactiveShare: configuration.inactiveShare,
            groupCount: configuration.groups, foldersPerUser: configuration.foldersPerUser,
            filesPerUser: configuration.filesPerUser, enterpriseID: configuration.enterpriseID, epoch: Int64(start))
        self.enterprise = enterprise
        let generator = EventGenerator(enterprise: enterprise, seed: configuration.seed, malformedShare: configuration.malformedShare)
        self.log = EventLog(
            generator: generator, backlogSize: configuration.backlogSize, spacing: configuration.effectiveBacklogSpacing,
            startTime: start, eventsPerSecond: configuration.eventsPerSecond, clock: configuration.clock)
        self.pager = EventPager(seed: configuration.seed, duplicateShare: configuration.streamingDuplicateShare,
                                reorderWindow: configuration.reorderWindow)
        self.tokens = Locked(TokenStore(seed: configuration.seed))
        var injector = FaultInjector(seed: configuration.seed)
        for rule in configuration.faults { injector.add(rule) }
        self.faults = Locked(injector)
        self.calls = Locked(CallLog(capacity: configuration.callLogCapacity))
        if let path = configuration.groundTruthPath {
            self.groundTruth = try GroundTruthWriter(path: path, scope: configuration.scope, enterprise: enterprise)
        } else {
            self.groundTruth = nil
        }
    }

    /// Prepares what needs async work (the JWT key) before serving.
    func prepare() async throws {
        guard configuration.jwtPublicKeyPEM != nil else { return }
        do {
            let v = try await JWTAssertionVerifier.make(
                publicKeyPEM: configuration.jwtPublicKeyPEM, keyID: configuration.jwtKeyID, clientID: configuration.clientID)
            verifier.withLock { $0 = v }
        } catch {
            throw EmulatorStartError(reason: "the JWT public key is not a usable RSA public key PEM: \(error)")
        }
    }

    // MARK: Public controls (the admin endpoints call these too)

    /// Adds a fault rule.
    public func addFault(_ rule: FaultRule) {
        faults.withLock { $0.add(rule) }
    }

    public func clearFaults() {
        faults.withLock { $0.clear() }
    }

    public var activeFaults: [FaultRule] { faults.withLock { $0.rules } }

    /// Revokes every token (or those acting as `userID`); later calls with them get 401.
    @discardableResult
    public func revokeTokens(userID: String? = nil) -> Int {
        tokens.withLock { $0.revoke(userID: userID) }
    }

    /// Calls answered so far (most recent `callLogCapacity`), oldest first.
    public var recordedCalls: [RecordedCall] { calls.withLock { $0.calls } }

    public var totalCalls: UInt64 { calls.withLock { $0.total } }

    public func resetCalls() { calls.withLock { $0.reset() } }

    /// Writes ground-truth lines for every event recorded so far; returns how many lines the file holds.
    @discardableResult
    public func flushGroundTruth() -> UInt64 {
        guard let groundTruth else { return 0 }
        groundTruth.catchUp(log: log)
        return groundTruth.writtenCount
    }

    /// Appends events given as JSON (one object or an array); returns the index of each.
    public func appendEvents(json bytes: [UInt8]) throws(AppendError) -> [UInt64] {
        let elements = try JSONSplitter.topLevelElements(bytes)
        var metas: [([UInt8], GeneratedEvent)] = []
        for element in elements {
            guard let object = try? JSONSerialization.jsonObject(with: Data(element)) as? [String: Any] else {
                throw AppendError(reason: "each event must be a JSON object")
            }
            metas.append((element, meta(of: object)))
        }
        return metas.map { log.append(bytes: $0.0, meta: $0.1) }
    }

    func meta(of object: [String: Any]) -> GeneratedEvent {
        let created = (object["created_at"] as? String).flatMap(Timestamp.parse) ?? log.now
        let source = object["source"] as? [String: Any]
        var owner = ((source?["owned_by"] as? [String: Any])?["id"]).map { "\($0)" }
        if owner == nil, let id = (source?["item_id"] ?? source?["file_id"] ?? source?["folder_id"]).map({ "\($0)" }) {
            if let f = enterprise.filesByID[id] { owner = enterprise.users[enterprise.files[f].owner].id }
            else if let f = enterprise.foldersByID[id] { owner = enterprise.users[enterprise.folders[f].owner].id }
        }
        let actor = ((object["created_by"] as? [String: Any])?["id"]).map { "\($0)" }
        let type = object["event_type"] as? String
        let family: EventFamily = source?["folder_id"] != nil || source?["file_id"] != nil ? .collaboration
            : (type?.hasPrefix("SHIELD") ?? false) ? .shield : .item
        return GeneratedEvent(
            json: .null, eventID: object["event_id"] as? String, eventType: type ?? "", createdAt: created, family: family,
            ownerID: source?["item_id"] != nil || source?["file_id"] != nil || source?["folder_id"] != nil ? owner : nil,
            actorID: actor, malformed: object["event_id"] as? String == nil || type == nil,
            byServiceAccount: actor == enterprise.serviceAccount.id)
    }

    func nextRequest() -> (number: UInt64, id: String) {
        let n = requestCounter.withLock { $0 += 1; return $0 }
        var rng = SeededRandom(seed: configuration.seed, stream: 10, index: n)
        return (n, rng.hex(bytes: 6) + String(n, radix: 16))
    }
}

public struct AppendError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}

/// Splits a JSON object or array into its top-level objects without reinterpreting numbers.
enum JSONSplitter {
    static func topLevelElements(_ bytes: [UInt8]) throws(AppendError) -> [[UInt8]] {
        var i = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }
        func value() throws(AppendError) -> Range<Int> {
            skipSpace()
            let start = i
            var depth = 0
            var inString = false
            while i < bytes.count {
                let c = bytes[i]
                if inString {
                    if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
                } else if c == UInt8(ascii: "\"") {
                    inString = true
                } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { i += 1; return start..<i }
                    if depth < 0 { throw AppendError(reason: "unbalanced JSON") }
                } else if depth == 0 && (c == UInt8(ascii: ",")) {
                    return start..<i
                }
                i += 1
            }
            throw AppendError(reason: "truncated JSON")
        }
        skipSpace()
        guard i < bytes.count else { throw AppendError(reason: "empty body") }
        if bytes[i] == UInt8(ascii: "{") { return [Array(bytes[try value()])] }
        guard bytes[i] == UInt8(ascii: "[") else { throw AppendError(reason: "expected a JSON object or array of events") }
        i += 1
        var out: [[UInt8]] = []
        while true {
            skipSpace()
            guard i < bytes.count else { throw AppendError(reason: "truncated JSON array") }
            if bytes[i] == UInt8(ascii: "]") { break }
            guard bytes[i] == UInt8(ascii: "{") else { throw AppendError(reason: "each event must be a JSON object") }
            out.append(Array(bytes[try value()]))
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1 }
        }
        return out
    }
}
