public import Logging
public import ServiceLifecycle

/// Runs a process's services under one `ServiceGroup` with graceful shutdown on SIGTERM and
/// SIGINT (STYLE.md: one group per process, nothing started in `init`).
public enum ProcessRunner {
    /// Runs `services` until they finish or a shutdown signal arrives; any service ending or failing
    /// shuts the rest down gracefully.
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
