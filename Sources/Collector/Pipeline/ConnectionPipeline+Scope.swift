import BoxAPI
import BoxBridgeProtocol
import BoxBridgeRuntime
import BusClient
import Foundation
import SwiftProtobuf

extension ConnectionPipeline {
    /// Fetches file owners the page's events do not name (before any state changes, so a failure
    /// leaves the page to be fetched again).
    func resolveOwners(
        _ results: inout [NormalizationResult], _ owners: inout OwnerLookup, core: inout PipelineCore, normalizer: Normalizer
    ) async throws {
        for index in results.indices {
            guard case .event(var event) = results[index], OwnerLookup.needsOwner(event),
                !event.byServiceAccount, !core.dedupe.contains(event.eventIds.first ?? "")
            else { continue }
            let owner: Boxbridge_V1_User?
            if let cached = owners.cached(event.file.id) {
                owner = cached
            } else {
                core.counters.ownerLookups += 1
                owner = try await OwnerLookup.fetch(event.file, client: box)
                owners.remember(event.file.id, owner: owner)
            }
            guard var owner else { continue }
            owner.external = normalizer.internalDomains.isExternal(login: owner.login)
            event.file.owner = owner
            results[index] = .event(event)
        }
    }

    /// Resolves the scope when the resolver says it is due; publishes what changed.
    func refreshScope(_ resolver: inout ScopeResolver, _ core: inout PipelineCore) async throws {
        switch resolver.nextAction(now: wallClock()) {
        case .wait:
            return
        case .failed(let failure):
            throw failure
        case .refresh:
            break
        }
        // A new import replaces the list; an unreadable store keeps the list in force.
        do {
            let mode = try scopeStore.mode(for: connection)
            if mode != resolver.mode { resolver.replace(mode: mode) }
        } catch {
            logger.warning("cannot read the scope list; keeping the current one", metadata: [LogKey.error: "\(error)"])
        }
        let change: ScopeChange
        do {
            change = try await ScopeRefresher(client: box, logger: logger).refresh(&resolver, now: wallClock())
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            resolver.refreshFailed(now: wallClock(), retryAfter: options.scopeRetryDelay)
            logger.warning("resolving the scope failed; keeping the last one", metadata: [LogKey.error: "\(error)"])
            onSignal(.scopeRefreshFailed(error))
            return
        }
        var health = Boxbridge_V1_CollectorHealth()
        health.connection = connection.name
        health.collectorID = collectorID
        health.at = Google_Protobuf_Timestamp(date: wallClock())
        health.details["added"] = "\(change.added.count)"
        health.details["removed"] = "\(change.removed.count)"
        if !change.unknownGroups.isEmpty { health.details["unknown_groups"] = change.unknownGroups.joined(separator: ", ") }
        if !change.unknownUsers.isEmpty { health.details["unknown_users"] = "\(change.unknownUsers.count)" }
        if let failure = change.failure {
            health.kind = .scopeLimitExceeded
            health.severity = .critical
            health.message = failure.message
            health.count = UInt64(failure.drives)
            state.withLock { $0.scopeSize = 0 }
            core.enqueue(health: health)
            try await publish(&core)
            throw failure
        }
        health.kind = .scopeRefreshed
        health.severity = .info
        health.message = "scope resolved: \(change.drives) drives monitored"
        health.count = UInt64(change.drives)
        state.withLock { $0.scopeSize = change.drives }
        core.enqueue(health: health)
        onSignal(.scopeResolved(drives: change.drives, change: change))
        try await publish(&core)
    }

    /// The bridge's own Box account: `users/me` (asked once) and the configured login.
    func serviceAccount(_ cadence: inout PollCadence) async throws -> Normalizer.ServiceAccount {
        if let id = options.serviceAccountUserID {
            return Normalizer.ServiceAccount(userID: id, login: connection.serviceAccountLogin)
        }
        while true {
            do {
                let me = try await box.me(fields: ["id", "login"], priority: .scope)
                return Normalizer.ServiceAccount(userID: me.id.rawValue, login: connection.serviceAccountLogin ?? me.login)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = cadence.recordFailure()
                logger.warning("cannot ask Box who the bridge's account is; retrying", metadata: [LogKey.error: "\(error)"])
                onSignal(.pollFailed(error, retryIn: delay))
                try await clock.sleep(for: delay)
            }
        }
    }
}
