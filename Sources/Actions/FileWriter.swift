import Foundation
import Resources

/// Writes files so that a reader never sees half of one: the text goes to a temporary file beside the target,
/// which is then renamed over it.
enum FileWriter {
    static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ActionError.cannotWrite(path: path, reason: "\(folder.path) is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = folder.appending(path: ".\(url.lastPathComponent).kf-\(ProcessInfo.processInfo.processIdentifier).tmp")
            guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8),
                                                 attributes: [.posixPermissions: mode]) else {
                throw ActionError.cannotWrite(path: path, reason: "cannot create \(temporary.path)")
            }
            guard rename(temporary.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw ActionError.cannotWrite(path: path, reason: reason)
            }
        } catch let error as ActionError {
            throw error
        } catch {
            throw ActionError.cannotWrite(path: path, reason: FileErrorReason.of(error))
        }
    }
}
