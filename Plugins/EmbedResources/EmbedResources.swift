import Foundation
import PackagePlugin

/// Embeds every file under the package's `templates/` folder, and the git commit the build comes from, into the
/// target as generated Swift source, so the installed `kf` binary needs nothing beside it.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let templates = root.appending(path: "templates")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: templates, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker {
                if url.lastPathComponent == "__pycache__" { walker.skipDescendants(); continue }
                let isFile = (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
                if isFile { inputs.append(url) }
            }
        }
        inputs.sort { $0.path < $1.path }
        // The commit changes when HEAD or the branch it names moves: both are inputs, so the file is regenerated.
        let gitDir = root.appending(path: ".git")
        let head = gitDir.appending(path: "HEAD")
        if FileManager.default.fileExists(atPath: head.path) {
            inputs.append(head)
            if let text = try? String(contentsOf: head, encoding: .utf8), text.hasPrefix("ref: ") {
                let ref = text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
                let refFile = gitDir.appending(path: ref)
                if FileManager.default.fileExists(atPath: refFile.path) { inputs.append(refFile) }
            }
            let packed = gitDir.appending(path: "packed-refs")
            if FileManager.default.fileExists(atPath: packed.path) { inputs.append(packed) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "Embedded.swift")
        return [
            .buildCommand(
                displayName: "Embedding templates and build metadata into \(target.name)",
                executable: try context.tool(named: "KfEmbedTool").url,
                arguments: [root.path, templates.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
