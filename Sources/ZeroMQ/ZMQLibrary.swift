import CZeroMQ

/// The libzmq library this process is linked against.
///
/// This target is the only one that imports libzmq (STYLE.md practice 2); no C type appears in
/// its public API.
///
/// Threading rule, for every type here: a ``ZMQContext`` is thread-safe; a ``Socket`` and a
/// ``Poller`` belong to one owner (one thread, or one actor such as ``AsyncSocket``) at a time.
public enum ZMQLibrary {
    /// libzmq's version as (major, minor, patch).
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with a capability such as `"curve"`, `"ipc"` or `"draft"`.
    public static func has(capability: String) -> Bool {
        zmq_has(capability) != 0
    }
}
