import BoxBridgeProtocol
import Foundation
import SwiftProtobuf
import Testing
import ZeroMQ

/// The protocol as it travels: a publisher sends `[topic, Envelope]` on a real ZeroMQ socket and a
/// subscriber with a connection prefix decodes it (protocol/README.md "Live stream").
@Suite("Envelope over ZeroMQ")
struct BusRoundTripTests {
    @Test("a subscriber decodes an envelope published on its topic prefix, and skips other connections")
    func publishAndDecode() async throws {
        let context = try ZMQContext()
        defer { context.shutdown() }
        let publisher = try AsyncSocket(context: context, type: .pub)
        let subscriber = try AsyncSocket(context: context, type: .sub)
        let endpoint = try await publisher.bind("tcp://127.0.0.1:*")
        try await subscriber.connect(endpoint)
        try await subscriber.subscribe(Topic.boxPrefix("acme"))

        var envelope = Boxbridge_V1_Envelope()
        envelope.topic = Topic.box("acme", .sharedLink)
        envelope.sequence = 7
        envelope.publishedAt = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 1_700_000_000))
        envelope.schemaVersion = UInt32(Boxbridge_V1_SchemaVersion.current.rawValue)
        envelope.fileEvent = CompatibilityTests.sampleEvent()
        envelope.fileEvent.category = .sharedLink
        envelope.fileEvent.share.linkAccess = .open
        envelope.fileEvent.exposure = Boxbridge_V1_Exposure.public
        let frame: [UInt8] = try envelope.serializedBytes()

        var other = envelope
        other.topic = Topic.box("acme2", .sharedLink)  // shares the "box/acme" prefix but not "box/acme/"
        let otherFrame: [UInt8] = try other.serializedBytes()

        // PUB/SUB joins asynchronously: publish until the subscription has taken effect.
        let deadline = ContinuousClock.now + .seconds(5)
        var received: ZeroMQ.Message?
        while received == nil, ContinuousClock.now < deadline {
            try await publisher.send(ZeroMQ.Message(frames: [Array(other.topic.utf8), otherFrame]))
            try await publisher.send(ZeroMQ.Message(frames: [Array(envelope.topic.utf8), frame]))
            received = try await subscriber.receive(timeout: .milliseconds(50))
        }
        let message = try #require(received, "nothing arrived within the deadline")
        #expect(message.frames.count == 2)
        #expect(message.string(at: 0) == "box/acme/shared-link")
        let decoded = try Boxbridge_V1_Envelope(serializedBytes: try #require(message.frame(1)))
        #expect(decoded == envelope)
        #expect(decoded.fileEvent.exposure == .public)
        #expect(decoded.fileEvent.file.size == 6_000_000_000)

        // Whatever else is queued is for acme only.
        while let more = try await subscriber.receive(timeout: .milliseconds(20)) {
            #expect(more.string(at: 0)?.hasPrefix("box/acme/") == true)
        }
        await subscriber.close()
        await publisher.close()
    }
}
