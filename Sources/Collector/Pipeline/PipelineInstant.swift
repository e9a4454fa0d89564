/// A reading of the pipeline's monotonic clock (`SchedulerClock.now()`), as an instant for the coalescer.
public struct PipelineInstant: InstantProtocol, Sendable, Hashable {
    /// Time since the clock's origin.
    public var offset: Duration

    public init(_ offset: Duration) { self.offset = offset }

    public func advanced(by duration: Duration) -> PipelineInstant { PipelineInstant(offset + duration) }
    public func duration(to other: PipelineInstant) -> Duration { other.offset - offset }
    public static func < (lhs: PipelineInstant, rhs: PipelineInstant) -> Bool { lhs.offset < rhs.offset }
}
