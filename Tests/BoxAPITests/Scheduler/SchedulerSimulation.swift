@testable import BoxAPI

/// Drives a `SchedulerStateMachine` in simulated time, the way `RequestScheduler` does.
struct SchedulerSimulation {
    var machine: SchedulerStateMachine
    var now: Duration = .zero
    var nextID: UInt64 = 0
    /// Every grant with the time it happened.
    var grants: [(time: Duration, grant: SchedulerGrant)] = []
    var shed: [(time: Duration, request: ShedRequest)] = []
    /// Requests granted but not completed, when `autoComplete` is off.
    var outstanding: [RequestID] = []
    var autoComplete = true

    init(_ configuration: SchedulerConfiguration = SchedulerConfiguration()) {
        machine = SchedulerStateMachine(configuration: configuration, now: .zero)
    }

    @discardableResult
    mutating func enqueue(_ priority: PriorityClass, flow: String = "c1", count: Int = 1) -> [RequestID] {
        (0..<count).map { _ in
            nextID += 1
            let id = RequestID(nextID)
            if let reason = machine.enqueue(id, priority: priority, flow: flow, now: now) {
                shed.append((now, ShedRequest(id: id, reason: reason)))
            }
            return id
        }
    }

    /// Polls once at the current time; returns the step.
    @discardableResult
    mutating func pollNow() -> SchedulerStep {
        let step = machine.poll(now: now)
        for grant in step.granted {
            grants.append((now, grant))
            if autoComplete {
                machine.complete(grant.id, status: .success, now: now)
            } else {
                outstanding.append(grant.id)
            }
        }
        for request in step.shed { shed.append((now, request)) }
        return step
    }

    /// Polls at every wake-up until nothing waits or `until` is reached.
    mutating func run(until end: Duration) {
        while now <= end {
            let step = pollNow()
            guard let wake = step.wakeAt, wake <= end else { break }
            now = max(wake, now)
        }
        now = max(now, end)
    }

    func grantTimes(_ priority: PriorityClass? = nil) -> [Duration] {
        grants.filter { priority == nil || $0.grant.priority == priority }.map(\.time)
    }
}
