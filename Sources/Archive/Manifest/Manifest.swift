import Foundation

/// `<root>/<connection>/MANIFEST.jsonl` read as entries, with the line each came from.
struct Manifest {
    struct Line {
        var number: Int
        var entry: ManifestEntry?
        var text: String
    }

    static let fileName = "MANIFEST.jsonl"

    var lines: [Line]

    /// Reads the manifest; a missing file is an empty archive. Lines that do not decode have no entry.
    static func read(at path: String) throws -> Manifest {
        guard FileSystem.exists(path) else { return Manifest(lines: []) }
        let data = try FileSystem.read(path)
        let decoder = JSONDecoder()
        var lines: [Line] = []
        var number = 0
        for slice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if slice.isEmpty { continue }
            let entry = try? decoder.decode(ManifestEntry.self, from: Data(slice))
            lines.append(Line(number: number, entry: entry, text: String(decoding: slice, as: UTF8.self)))
        }
        return Manifest(lines: lines)
    }
}
