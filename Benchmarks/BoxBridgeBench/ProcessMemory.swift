import Foundation

/// Memory figures of a process from `/proc/<pid>/status` (Linux), for the benchmarks' RSS targets.
enum ProcessMemory {
    /// The value of `key` (`VmRSS`, `VmHWM`, …) in bytes for `pid` ("self" by default); 0 where
    /// /proc is missing or the key is absent.
    static func bytes(_ key: String, pid: String = "self") -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
        }
        return 0
    }
}
