/// Polls `condition` until it holds or `timeout` passes; the deadline is what fails a test.
///
/// Suspends between checks (`Task.sleep`), so the cooperative thread is free for whatever the
/// condition waits on. A cancelled task gets one last check instead of a busy loop.
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(5), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        do { try await Task.sleep(for: interval) } catch { break }
    }
    return try await condition()
}
