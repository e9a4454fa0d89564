import Testing
import ZeroMQ

@Suite("CURVE")
struct CurveTests {
    @Test("libzmq is built with CURVE")
    func hasCurve() {
        #expect(ZMQLibrary.has(capability: "curve"))
        #expect(!ZMQLibrary.has(capability: "no-such-capability"))
    }

    @Test("key pairs: Z85, public derived from secret, secret redacted")
    func keyPairs() throws {
        let pair = try CurveKeyPair.generate()
        #expect(Z85.isKey(pair.publicKey) && Z85.isKey(pair.secretKey))
        #expect(pair.publicKey != pair.secretKey)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(!pair.description.contains(pair.secretKey))
        #expect(Z85.decode(pair.publicKey).flatMap(Z85.encode) == pair.publicKey)
        let error = try #require(throws: ZMQError.self) { try CurveKeyPair(secretKey: "short") }
        #expect(error.code == ZMQError.Code.invalidArgument)
    }

    @Test("handshake succeeds with the allowed client key and fails with another", arguments: [Transport.tcp, .ipc])
    func handshake(transport: Transport) async throws {
        try await onThread {
            let context = try ZMQContext()
            let serverKeys = try CurveKeyPair.generate()
            let allowedKeys = try CurveKeyPair.generate()
            let otherKeys = try CurveKeyPair.generate()
            let authenticator = try CurveAuthenticator(context: context, allowedClientKeys: [allowedKeys.publicKey])
            try authenticator.start()
            defer { authenticator.stop() }

            let server = try context.socket(.router)
            try server.setOption(.curveServer, true)
            try server.setOption(.curveSecretKey, serverKeys.secretKey)
            try server.setOption(.zapDomain, "boxbridge")
            let endpoint = try server.bind(transport.endpoint())
            defer { transport.cleanUp(endpoint) }

            func client(_ keys: CurveKeyPair) throws -> Socket {
                let socket = try context.socket(.dealer)
                try socket.setOption(.curveServerKey, serverKeys.publicKey)
                try socket.setOption(.curvePublicKey, keys.publicKey)
                try socket.setOption(.curveSecretKey, keys.secretKey)
                try socket.connect(endpoint)
                return socket
            }

            let intruder = try client(otherKeys)
            try intruder.send(Message("intruder"))
            try eventually("the authenticator to deny the intruder") { authenticator.denials >= 1 }

            let allowed = try client(allowedKeys)
            try allowed.send(Message("hello"))
            let request = try server.receive(within: .seconds(5), "the allowed client's message")
            #expect(request.string(at: 1) == "hello")
            try server.send(Message(frames: [request.frames[0], Array("welcome".utf8)]))
            #expect(try allowed.receive(within: .seconds(5)).string(at: 0) == "welcome")

            // The denied client's message never reaches the server, and nothing comes back.
            #expect(throws: TestTimeout.self) { try server.receive(within: .milliseconds(300)) }
            #expect(try intruder.receive(dontWait: true) == nil)
            #expect(authenticator.statistics.approved >= 1)
        }
    }

    @Test("a second authenticator in the same context is refused")
    func oneHandlerPerContext() throws {
        let context = try ZMQContext()
        let first = try CurveAuthenticator(context: context, allowedClientKeys: [String]())
        try first.start()
        defer { first.stop() }
        let second = try CurveAuthenticator(context: context, allowedClientKeys: [String]())
        let error = try #require(throws: ZMQError.self) { try second.start() }
        #expect(error.code == ZMQError.Code.addressInUse)
        #expect(error.function == "zmq_bind")
    }

    @Test("invalid allowlist keys are rejected with their position")
    func invalidAllowlist() throws {
        let context = try ZMQContext()
        let error = try #require(throws: ZMQError.self) {
            try CurveAuthenticator(context: context, allowedClientKeys: [try CurveKeyPair.generate().publicKey, "nope"])
        }
        #expect(error.detail?.contains("#2") == true)
    }
}
