import ArgumentParser

/// `make bench`: runs each component's benchmark and prints its figures beside its target.
/// Each benchmark is a subcommand in its own file (`Bench+<Component>.swift`).
@main
struct BoxBridgeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boxbridge-bench",
        abstract: "Measure boxbridge against its speed and memory targets.",
        subcommands: [ZeroMQBench.self, BackfillBench.self, NormalizeBench.self, EmulatorBench.self, BrokerBench.self, BrokerBenchServer.self, ArchiveBench.self, IndexBench.self, AlertBench.self]
    )
}
