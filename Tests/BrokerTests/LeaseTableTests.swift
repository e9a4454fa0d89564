import Testing
@testable import Broker

@Suite("Lease table (simulated time)")
struct LeaseTableTests {
    @Test("each connection goes to exactly one live collector, balanced")
    func balance() {
        var table = LeaseTable(leaseTimeoutMillis: 10_000)
        for name in ["a", "b", "c", "d"] { table.addConnection(name) }
        #expect(table.heartbeat(collectorID: "one", capacity: 0, leaving: false, nowMillis: 1_000).count == 4)
        _ = table.heartbeat(collectorID: "two", capacity: 0, leaving: false, nowMillis: 1_100)
        // The first learns on its next heartbeat that it gave two up.
        let one = table.heartbeat(collectorID: "one", capacity: 0, leaving: false, nowMillis: 1_200)
        let two = table.held(by: "two")
        #expect(one.count == 2 && two.count == 2)
        #expect(Set(one.keys).isDisjoint(with: two.keys))
    }

    @Test("a silent collector's leases move after the timeout with a higher epoch; fencing refuses the old one")
    func failover() {
        var table = LeaseTable(leaseTimeoutMillis: 10_000)
        table.addConnection("acme")
        let first = table.heartbeat(collectorID: "one", capacity: 0, leaving: false, nowMillis: 1_000)
        let oldEpoch = first["acme"]!
        #expect(table.heartbeat(collectorID: "two", capacity: 0, leaving: false, nowMillis: 5_000).isEmpty)
        #expect(table.heartbeat(collectorID: "two", capacity: 0, leaving: false, nowMillis: 10_999).isEmpty)
        let taken = table.heartbeat(collectorID: "two", capacity: 0, leaving: false, nowMillis: 11_001)
        let newEpoch = taken["acme"]!
        #expect(newEpoch > oldEpoch)
        #expect(!table.admits(connection: "acme", epoch: oldEpoch))
        #expect(table.admits(connection: "acme", epoch: newEpoch))
        #expect(table.admits(connection: "acme", epoch: 0))
    }

    @Test("a leaving collector releases at once; capacity is respected")
    func leavingAndCapacity() {
        var table = LeaseTable(leaseTimeoutMillis: 10_000)
        for name in ["a", "b", "c"] { table.addConnection(name) }
        #expect(table.heartbeat(collectorID: "small", capacity: 1, leaving: false, nowMillis: 0).count == 1)
        #expect(table.heartbeat(collectorID: "big", capacity: 0, leaving: false, nowMillis: 0).count == 2)
        #expect(table.heartbeat(collectorID: "big", capacity: 0, leaving: true, nowMillis: 10).isEmpty)
        #expect(table.held(by: "small").count == 1)
        #expect(table.holders.count == 1)
    }

    @Test("epochs stay above those seen on disk after a restart")
    func epochsSurviveRestart() {
        var table = LeaseTable(leaseTimeoutMillis: 10_000)
        table.addConnection("acme", knownEpoch: 5_000_000)
        let epoch = table.heartbeat(collectorID: "one", capacity: 0, leaving: false, nowMillis: 1_000)["acme"]!
        #expect(epoch > 5_000_000)
    }
}

@Suite("Topic rates (simulated time)")
struct TopicRatesTests {
    @Test("rates over one and five minutes")
    func rates() {
        var rates = TopicRates()
        rates.record(600, nowMillis: 100_000)
        var now = rates.rates(nowMillis: 100_500)
        #expect(now.oneMinute == 10 && now.fiveMinutes == 2)
        now = rates.rates(nowMillis: 170_000)
        #expect(now.oneMinute == 0 && now.fiveMinutes == 2)
        now = rates.rates(nowMillis: 500_000)
        #expect(now.fiveMinutes == 0)
    }
}
