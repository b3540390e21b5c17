import Foundation
import Resources

/// A generated workload's files in the project's `manifests/`: a base copied once (then the user's to change) and
/// the workload's overlay, rewritten each time.
enum ProjectManifests {
    /// The project's copy of the base in `manifests/<folder>`, when it has one.
    static func existingBase(root: String?, folder: String) throws -> [String: String]? {
        guard let root else { return nil }
        let url = URL(fileURLWithPath: root).appending(path: "manifests/" + folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path), !names.isEmpty else { return nil }
        var files: [String: String] = [:]
        for name in names where !name.hasPrefix(".") {
            let path = url.appending(path: name).path
            do {
                files[name] = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ActionError.unreadableManifest(path: path, reason: FileErrorReason.of(error, path: path))
            }
        }
        return files
    }

    /// Writes the base (when the project has none yet) and the overlay; returns the paths written, relative to
    /// the project.
    static func write(root: String, baseFolder: String, baseFiles: [String: String], overlayFolder: String,
                      overlayFiles: [(name: String, text: String)]) throws -> [String] {
        var written: [String] = []
        let base = "manifests/" + baseFolder
        if !FileManager.default.fileExists(atPath: root + "/" + base) {
            for (name, text) in baseFiles.sorted(by: { $0.key < $1.key }) {
                try FileWriter.write(text, to: root + "/" + base + "/" + name)
                written.append(base + "/" + name)
            }
        }
        let overlay = "manifests/" + overlayFolder
        for file in overlayFiles {
            try FileWriter.write(file.text, to: root + "/" + overlay + "/" + file.name)
            written.append(overlay + "/" + file.name)
        }
        return written
    }
}
