import BoxBridgeProtocol
import Testing

@testable import Collector

@Suite("Batch assembler: batch ids, splitting, consumed ids")
struct BatchAssemblerTests {
    let assembler = BatchAssembler(connection: "acme", collectorID: "c1", leaseEpoch: 7, maxItems: 2)

    func items(_ ids: [String]) -> [(Boxbridge_V1_Envelope, [String])] {
        ids.map { (assembler.envelope(pipelineFileEvent($0)), [$0]) }
    }

    @Test("only the last batch of a drain moves the checkpoint; every batch lists the ids it publishes")
    func splitting() {
        let batches = assembler.batches(items(["a", "b", "c", "d", "e"]), checkpoint: "100", target: "200")
        #expect(batches.count == 3)
        #expect(batches.map(\.fromPosition) == ["100", "100", "100"])
        #expect(batches.map(\.nextPosition) == ["100", "100", "200"])
        #expect(batches.map(\.consumedEventIds) == [["a", "b"], ["c", "d"], ["e"]])
        #expect(batches.allSatisfy { $0.leaseEpoch == 7 && $0.connection == "acme" && $0.collectorID == "c1" })
        #expect(batches[0].items[0].topic == "box/acme/downloaded")
        #expect(Set(batches.map(\.batchID)).count == 3)
    }

    @Test("the same content gives the same batch id (a resend is a DUPLICATE); other content another")
    func deterministicIDs() {
        let once = assembler.batches(items(["a", "b"]), checkpoint: "100", target: "200")
        let again = assembler.batches(items(["a", "b"]), checkpoint: "100", target: "200")
        #expect(once.map(\.batchID) == again.map(\.batchID))
        #expect(assembler.batches(items(["a", "c"]), checkpoint: "100", target: "200")[0].batchID != once[0].batchID)
        #expect(assembler.batches(items(["a", "b"]), checkpoint: "100", target: "201")[0].batchID != once[0].batchID)
    }

    @Test("nothing to publish and no move: no batch; a move alone: one empty batch")
    func positionOnly() {
        #expect(assembler.batches([], checkpoint: "100", target: "100").isEmpty)
        let move = assembler.batches([], checkpoint: "", target: "1152922976252290886")
        #expect(move.count == 1)
        #expect(move[0].items.isEmpty && move[0].fromPosition == "" && move[0].nextPosition == "1152922976252290886")
    }

    @Test("a health batch leaves the checkpoint alone")
    func healthBatch() {
        var health = Boxbridge_V1_CollectorHealth()
        health.kind = .authFailure
        health.message = "401"
        let batch = assembler.healthBatch([health])
        #expect(batch.nextPosition.isEmpty && batch.fromPosition.isEmpty)
        #expect(batch.items.map(\.topic) == ["ops/acme/auth-failure"])
        #expect(!batch.batchID.isEmpty)
    }
}
