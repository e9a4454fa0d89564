import ArgumentParser

/// Thrown by a subcommand whose role has not been built yet: it says so and exits 2, and never
/// prints output that could be mistaken for a result.
struct NotBuiltYet: Error, CustomStringConvertible {
    let command: String
    let issue: Int

    var description: String {
        "boxbridge \(command) is not built yet (tracked in issue \(issue)); nothing was done."
    }
}

extension NotBuiltYet {
    /// Prints the message to standard error and exits with status 2.
    func exit() -> ExitCode {
        FileOutput.standardError.write("error: \(description)\n")
        return ExitCode(2)
    }
}
