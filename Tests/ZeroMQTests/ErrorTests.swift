import Testing
import ZeroMQ

@Suite("Errors")
struct ErrorTests {
    @Test("a bad endpoint throws errno and the C function, naming the endpoint")
    func badEndpoint() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pub)
        let invalid = try #require(throws: ZMQError.self) { try socket.bind("tcp://not an endpoint") }
        #expect(invalid.code == ZMQError.Code.invalidArgument)
        #expect(invalid.function == "zmq_bind")
        #expect(invalid.detail == "tcp://not an endpoint")
        #expect(invalid.description.contains("zmq_bind"))
        #expect(invalid.description.contains("errno \(ZMQError.Code.invalidArgument)"))
        #expect(!invalid.isRetriable)

        let protocolError = try #require(throws: ZMQError.self) { try socket.connect("carrier-pigeon://x") }
        #expect(protocolError.code == ZMQError.Code.protocolNotSupported)
        #expect(protocolError.function == "zmq_connect")
    }

    @Test("binding a port in use is EADDRINUSE and retriable")
    func addressInUse() throws {
        let context = try ZMQContext()
        let first = try context.socket(.router)
        let endpoint = try first.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))
        let second = try context.socket(.router)
        let error = try #require(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(error.code == ZMQError.Code.addressInUse)
        #expect(error.isRetriable)
    }

    @Test("a closed socket reports ENOTSOCK from the operation; close is idempotent")
    func closedSocket() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        let error = try #require(throws: ZMQError.self) { try socket.receive(dontWait: true) }
        #expect(error.code == ZMQError.Code.notSocket)
        #expect(error.function == "zmq_msg_recv")
    }

    @Test("would-block is a value, not an error")
    func wouldBlockIsAValue() throws {
        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        #expect(try dealer.receive(dontWait: true) == nil)
        // A DEALER with no peer cannot queue a message.
        #expect(try dealer.send(Message("x"), dontWait: true) == false)
        try dealer.setOption(.receiveTimeout, .milliseconds(20))
        #expect(try dealer.option(.receiveTimeout) == .milliseconds(20))
        #expect(try dealer.receive() == nil)
    }

    @Test("typed options round-trip")
    func optionsRoundTrip() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        #expect(try socket.option(.linger) == .zero, "sockets default to linger 0")
        try socket.setOption(.linger, nil)
        #expect(try socket.option(.linger) == nil)
        try socket.setOption(.receiveHighWaterMark, 123)
        #expect(try socket.option(.receiveHighWaterMark) == 123)
        try socket.setOption(.maxMessageSize, 1 << 20)
        #expect(try socket.option(.maxMessageSize) == 1 << 20)
        try socket.setOption(.heartbeatInterval, .milliseconds(250))
        #expect(try socket.option(.heartbeatInterval) == .milliseconds(250))
        try socket.setOption(.immediate, true)
        #expect(try socket.option(.immediate))
        #expect(try socket.option(.type) == 5) // ZMQ_DEALER
        #expect(try socket.fileDescriptor >= 0)
        #expect(try socket.events == [])
    }
}
