import Foundation
import Testing

@testable import BoxBridgeConfig

/// Checks bridge.conf text as a file named `bridge.conf` in `base`.
func check(_ text: String, environment: [String: String] = [:], base: String = "/srv/boxbridge")
    -> (config: BridgeConfig?, problems: [ConfigProblem])
{
    BridgeConfig.check(text, file: "bridge.conf", baseDirectory: base, environment: environment)
}

/// The only problem of `text`; records an issue when there is not exactly one.
func onlyProblem(
    _ text: String, environment: [String: String] = [:], base: String = "/srv/boxbridge",
    sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigProblem? {
    let result = check(text, environment: environment, base: base)
    #expect(result.problems.count == 1, "problems: \(result.problems.map(\.description))", sourceLocation: sourceLocation)
    return result.problems.first
}

/// A fresh temporary folder, removed by the caller's `defer`.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "boxbridge-config-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func writeFile(_ path: String, _ contents: String, mode: Int = 0o600) throws {
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

/// A valid CCG connection whose secret comes from BOX_ACME_SECRET.
let ccgConnection = """
    [[connections]]
    name = "acme"
    auth = "ccg"
    client_id = "client-123"
    client_secret_env = "BOX_ACME_SECRET"
    enterprise_id = "123456"
    admin_email = "admin@acme.com"
    internal_domains = ["acme.com", "ACME.co.uk"]
    """
