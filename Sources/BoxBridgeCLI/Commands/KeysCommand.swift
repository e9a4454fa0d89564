import ArgumentParser
import Foundation
import ZeroMQ

/// `boxbridge keys`: CURVE key pairs for the bus.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate CURVE key pairs for the bus (`keys generate`).",
        subcommands: [Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new CURVE key pair: NAME.key (secret, 0600) and NAME.pub.",
            discussion: """
                Keys are Z85 text (40 characters). Give the broker its pair in [security]
                broker_public_key_file / broker_secret_key_file, each client its own pair, and add
                each client's .pub line to the broker's allowed_clients_file. Existing files are
                never overwritten.
                """
        )

        @Option(help: "Folder to write the key files into (created 0700 if missing).")
        var out: String

        @Option(help: "Base name of the files.")
        var name = "bus"

        func run() async throws {
            let pair: CurveKeyPair
            do {
                pair = try CurveKeyPair.generate()
            } catch {
                FileOutput.standardError.write("error: could not generate a CURVE key pair: \(error)\n")
                throw ExitCode(1)
            }
            let manager = FileManager.default
            try manager.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let secretPath = out + "/" + name + ".key"
            let publicPath = out + "/" + name + ".pub"
            for path in [secretPath, publicPath] where manager.fileExists(atPath: path) {
                FileOutput.standardError.write("error: \(path) already exists; not overwriting a key\n")
                throw ExitCode(1)
            }
            guard manager.createFile(atPath: secretPath, contents: Data((pair.secretKey + "\n").utf8), attributes: [.posixPermissions: 0o600]),
                manager.createFile(atPath: publicPath, contents: Data((pair.publicKey + "\n").utf8), attributes: [.posixPermissions: 0o644])
            else {
                FileOutput.standardError.write("error: could not write the key files in \(out)\n")
                throw ExitCode(1)
            }
            FileOutput.standardOutput.write("wrote \(secretPath) (secret, 0600) and \(publicPath)\npublic key: \(pair.publicKey)\n")
        }
    }
}
