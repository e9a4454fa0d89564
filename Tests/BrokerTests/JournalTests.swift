import Foundation
import Testing
@testable import Broker

@Suite("Journal")
struct JournalTests {
    @Test("batches, checkpoints and sequences survive a reopen")
    func reopen() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let options = JournalOptions(directory: directory.path + "/journal")
        do {
            let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
            try journal.appendTest(topic: "box/acme/created", count: 3, batchID: "b1", position: "100", eventIDs: ["e1", "e2"])
            try journal.appendTest(topic: "box/acme/deleted", count: 2, batchID: "b2", position: "18446744073709551615")
            try journal.sync()
        }
        let journal = try Journal(options: options, nowMillis: 2_000, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 3)
        #expect(journal.topics["box/acme/deleted"]?.lastSequence == 2)
        let state = try #require(journal.connections["acme"])
        #expect(state.checkpoint == "18446744073709551615")
        #expect(state.recentBatchIDs.contains("b1") && state.recentBatchIDs.contains("b2"))
        #expect(state.recentEventIDs.elements == ["e1", "e2"])
        let all = try journal.readAll()
        #expect(all.map(\.1) == [1, 2, 3, 1, 2])
        #expect(journal.recovery.truncatedBytes == 0)
    }

    @Test("a torn tail is cut and everything before it is kept")
    func truncatedTail() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let options = JournalOptions(directory: directory.path)
        let segmentPath: String
        do {
            let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
            try journal.appendTest(topic: "box/acme/created", count: 2, batchID: "b1", position: "p1")
            try journal.appendTest(topic: "box/acme/created", count: 2, batchID: "b2", position: "p2")
            try journal.sync()
            segmentPath = journal.segments[0].path
        }
        // Cut the last batch in the middle of its commit record, as a crash mid-write would.
        let size = try #require(FileManager.default.attributesOfItem(atPath: segmentPath)[.size] as? Int)
        #expect(truncate(segmentPath, off_t(size - 5)) == 0)

        let journal = try Journal(options: options, nowMillis: 2_000, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 2)
        #expect(journal.connections["acme"]?.checkpoint == "p1")
        #expect(journal.connections["acme"]?.recentBatchIDs.contains("b2") == false)
        #expect(journal.recovery.truncatedBytes > 0)
        // Appending continues the sequence from what survived.
        try journal.appendTest(topic: "box/acme/created", count: 1, batchID: "b3", position: "p3")
        try journal.sync()
        #expect(try journal.readAll().map(\.1) == [1, 2, 3])
    }

    @Test("a corrupted record is detected by its checksum and cut with what follows")
    func corruptedRecord() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let options = JournalOptions(directory: directory.path)
        let segmentPath: String
        let secondBatchStart: JournalPosition
        do {
            let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
            secondBatchStart = try journal.appendTest(topic: "box/acme/created", count: 2, batchID: "b1", position: "p1")
            try journal.appendTest(topic: "box/acme/created", count: 2, batchID: "b2", position: "p2")
            try journal.sync()
            segmentPath = journal.segments[0].path
        }
        // Flip one payload byte inside the second batch's first envelope record.
        let handle = try #require(FileHandle(forUpdatingAtPath: segmentPath))
        try handle.seek(toOffset: UInt64(secondBatchStart.offset) + 30)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: UInt64(secondBatchStart.offset) + 30)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()

        let journal = try Journal(options: options, nowMillis: 2_000, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 2)
        #expect(journal.connections["acme"]?.checkpoint == "p1")
        #expect(try journal.readAll().map(\.1) == [1, 2])
        #expect(journal.writtenEnd == secondBatchStart)
    }

    @Test("envelopes without their commit record are discarded at recovery")
    func uncommittedBatch() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let options = JournalOptions(directory: directory.path)
        let segmentPath: String
        do {
            let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
            try journal.appendTest(topic: "box/acme/created", count: 1, batchID: "b1", position: "p1")
            try journal.sync()
            segmentPath = journal.segments[0].path
        }
        // A complete, valid envelope record with no commit after it.
        var orphan: [UInt8] = []
        JournalFormat.appendEnvelope(to: &orphan, topic: "box/acme/created", sequence: 2, envelope: [1, 2, 3])
        let handle = try #require(FileHandle(forUpdatingAtPath: segmentPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(orphan))
        try handle.close()

        let journal = try Journal(options: options, nowMillis: 2_000, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 1)
        #expect(journal.recovery.truncatedBytes == Int64(orphan.count))
    }

    @Test("retention drops whole oldest segments but keeps checkpoints and sequences")
    func retention() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var options = JournalOptions(directory: directory.path)
        options.segmentBytes = 2_000
        options.retentionBytes = 5_000
        do {
            let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
            for batch in 0..<40 {
                try journal.appendTest(topic: "box/acme/created", count: 5, batchID: "b\(batch)", position: "p\(batch)")
                try journal.sync()
                journal.applyRetention(nowMillis: 1_000)
            }
            #expect(journal.segmentCount > 1)
            #expect(journal.totalBytes <= options.retentionBytes + options.segmentBytes + 1_000)
            #expect(journal.oldestRetained(topic: "box/acme/created") > 1)
        }
        let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
        #expect(journal.topics["box/acme/created"]?.lastSequence == 200)
        #expect(journal.connections["acme"]?.checkpoint == "p39")
        let oldest = journal.oldestRetained(topic: "box/acme/created")
        #expect(oldest > 1)
        let all = try journal.readAll()
        #expect(all.first?.1 == oldest)
        #expect(all.last?.1 == 200)
        #expect(all.map(\.1) == Array(oldest...200))
        // Age-based: everything but the active segment is older than the limit.
        var aged = options
        aged.retentionAge = .seconds(1)
        let old = try Journal(options: aged, nowMillis: 1_000, logger: quietLogger)
        old.applyRetention(nowMillis: Int64(Date().timeIntervalSince1970 * 1000) + 10_000)
        #expect(old.segmentCount == 1)
    }

    @Test("the sparse index finds a sequence without scanning from the start")
    func index() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var options = JournalOptions(directory: directory.path)
        options.indexStride = 16
        let journal = try Journal(options: options, nowMillis: 1_000, logger: quietLogger)
        for batch in 0..<50 {
            try journal.appendTest(topic: "box/acme/created", count: 10, batchID: "a\(batch)")
            try journal.appendTest(topic: "box/acme/deleted", count: 3, batchID: "d\(batch)")
        }
        try journal.sync()
        let start = journal.position(topic: "box/acme/created", sequence: 400)
        #expect(start.offset > JournalFormat.headerSize)
        let created = try journal.readAll(from: start).filter { $0.0 == "box/acme/created" }.map(\.1)
        let first = try #require(created.first)
        #expect(first <= 400 && first > 400 - 16 - 10)
        #expect(created.last == 500)
    }

    @Test("journal files are 0600 and its folder 0700")
    func permissions() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let journal = try Journal(options: JournalOptions(directory: directory.path + "/j"), nowMillis: 0, logger: quietLogger)
        let folder = try FileManager.default.attributesOfItem(atPath: directory.path + "/j")
        let file = try FileManager.default.attributesOfItem(atPath: journal.segments[0].path)
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        #expect((file[.posixPermissions] as? Int) == 0o600)
    }

    @Test("CRC-32C matches the standard check value")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
