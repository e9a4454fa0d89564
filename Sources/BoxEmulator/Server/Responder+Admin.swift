import Foundation
import Hummingbird

extension EmulatorResponder {
    /// The `/_emulator/…` control routes tests and scripts use (unauthenticated; bind to loopback).
    func admin(_ request: Request, path: String, query: QueryItems, requestID: String) async throws -> Response {
        var request = request
        let method = request.method
        func body() async throws -> [UInt8] {
            let buffer = try await request.collectBody(upTo: 64 << 20)
            return Array(buffer.readableBytesView)
        }
        func encode<T: Encodable>(_ value: T) -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
            return BoxResponses.json(Array(data), requestID: requestID)
        }
        switch (method, path) {
        case (.get, "/_emulator/health"):
            return BoxResponses.json(JSONValue.object([("status", "ok")]), requestID: requestID)
        case (.get, "/_emulator/state"):
            let available = core.log.availableCount()
            let e = core.enterprise
            return BoxResponses.json(JSONValue.object([
                ("now", .string(Timestamp.format(unixSeconds: Int64(core.log.now)))),
                ("events_recorded", .int(Int64(available))), ("backlog_size", .int(Int64(core.log.backlogSize))),
                ("latest_stream_position", .string(EventLog.position(ofIndex: available))),
                ("first_stream_position", .string(EventLog.position(ofIndex: 0))),
                ("enterprise_id", .string(e.enterpriseID)), ("service_account_id", .string(e.serviceAccount.id)),
                ("admin_login", .string(e.users[0].login)), ("coadmin_login", .string(e.users[1].login)),
                ("users", .int(e.managedCount)), ("external_users", .int(e.users.count - e.managedCount)),
                ("groups", .int(e.groups.count)), ("files", .int(e.files.count)), ("folders", .int(e.folders.count)),
                ("calls", .int(Int64(core.totalCalls))), ("ground_truth_lines", .int(Int64(core.groundTruth?.writtenCount ?? 0))),
            ]), requestID: requestID)
        case (.get, "/_emulator/faults"):
            return encode(["faults": core.activeFaults])
        case (.delete, "/_emulator/faults"):
            core.clearFaults()
            return encode(["faults": core.activeFaults])
        case (.post, "/_emulator/faults"):
            let bytes = try await body()
            let decoder = JSONDecoder()
            var rules: [FaultRule] = []
            if let one = try? decoder.decode(FaultRule.self, from: Data(bytes)) {
                rules = [one]
            } else if let many = try? decoder.decode([FaultRule].self, from: Data(bytes)) {
                rules = many
            } else if let wrapped = try? decoder.decode([String: [FaultRule]].self, from: Data(bytes)), let many = wrapped["faults"] {
                rules = many
            } else {
                return BoxResponses.badParameter("body", "Expected a fault rule, an array of them, or {\"faults\": [...]}", requestID: requestID)
            }
            for var rule in rules {
                if rule.count == nil, rule.share == nil { rule.count = 1 }
                do { try rule.validate() } catch {
                    return BoxResponses.badParameter("body", error.description, requestID: requestID)
                }
                core.addFault(rule)
            }
            return encode(["faults": core.activeFaults])
        case (.post, "/_emulator/tokens/revoke"):
            let bytes = try await body()
            var userID: String?
            if !bytes.isEmpty, let o = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
                userID = o["user_id"] as? String
            }
            return BoxResponses.json(JSONValue.object([("revoked", .int(core.revokeTokens(userID: userID)))]), requestID: requestID)
        case (.get, "/_emulator/calls"):
            let since = query["since"].flatMap { UInt64($0) } ?? 0
            let calls = core.recordedCalls.filter { $0.seq > since }
            struct Calls: Encodable { var total: UInt64; var calls: [RecordedCall] }
            return encode(Calls(total: core.totalCalls, calls: calls))
        case (.delete, "/_emulator/calls"):
            core.resetCalls()
            return BoxResponses.json(JSONValue.object([("total", .int(0))]), requestID: requestID)
        case (.post, "/_emulator/events"):
            do {
                let indices = try core.appendEvents(json: try await body())
                return BoxResponses.json(JSONValue.object([
                    ("appended", .int(indices.count)),
                    ("positions", .array(indices.map { .string(EventLog.position(ofIndex: $0)) })),
                    ("latest_stream_position", .string(EventLog.position(ofIndex: core.log.availableCount()))),
                ]), requestID: requestID)
            } catch {
                return BoxResponses.badParameter("body", "\(error)", requestID: requestID)
            }
        case (.post, "/_emulator/ground-truth/flush"):
            return BoxResponses.json(JSONValue.object([("lines", .int(Int64(core.flushGroundTruth())))]), requestID: requestID)
        default:
            return BoxResponses.notFound(requestID: requestID)
        }
    }
}
