import CompressNIO
import Foundation
import NIOCore

/// Whole-buffer gzip with a fixed level: zlib writes no mtime or file name, so equal input gives equal bytes.
enum Gzip {
    static func compress(_ data: Data, level: Int32) throws -> Data {
        var input = ByteBuffer(bytes: data)
        let configuration = ZlibConfiguration(windowSize: 15, compressionLevel: level, memoryLevel: 8, strategy: .default)
        do {
            var output = try input.compress(with: .gzip(configuration: configuration))
            return output.readData(length: output.readableBytes) ?? Data()
        } catch {
            throw ArchiveError(.compression, "gzip failed: \(error)")
        }
    }

    static func decompress(_ data: Data, path: String) throws -> Data {
        var input = ByteBuffer(bytes: data)
        do {
            var output = try input.decompress(with: .gzip())
            return output.readData(length: output.readableBytes) ?? Data()
        } catch {
            throw ArchiveError(.compression, path: path, "cannot decompress: \(error)")
        }
    }
}
