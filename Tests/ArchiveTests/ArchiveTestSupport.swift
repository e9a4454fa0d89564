import BusClient
import Foundation
import Logging
@testable import Broker

let quietLogger: Logger = {
    var logger = Logger(label: "archive-tests")
    logger.logLevel = .critical
    return logger
}()

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "boxbridge-archive-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A broker on ephemeral loopback ports with its journal in a temporary folder.
struct TestBroker {
    let directory: TemporaryDirectory
    let server: BrokerServer
    let endpoints: BrokerEndpoints

    static func start() throws -> TestBroker {
        let directory = TemporaryDirectory()
        var options = BrokerOptions(journalDirectory: directory.path + "/journal")
        options.ingestEndpoint = "tcp://127.0.0.1:*"
        options.publishEndpoint = "tcp://127.0.0.1:*"
        options.controlEndpoint = "tcp://127.0.0.1:*"
        let server = BrokerServer(options: options, logger: quietLogger)
        let endpoints = try server.start()
        return TestBroker(directory: directory, server: server, endpoints: endpoints)
    }

    func client() throws -> BusClient {
        try BusClient(
            endpoints: BusEndpoints(ingest: endpoints.ingest, publish: endpoints.publish, control: endpoints.control),
            timeout: .seconds(5))
    }

    func stop() async throws { try await server.stop() }
}
