import Foundation
import Resources

extension SHA256 {
    /// The digest of a file's bytes, read in chunks.
    static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError.unreadableArtifact(path: path, reason: "cannot open it for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update([UInt8](chunk))
        }
        return hasher.finalizeHex()
    }
}
