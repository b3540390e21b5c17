import Foundation
import Manifests
import Resources

/// Where `kf apply` and `kf delete` take their objects from: files (`-f`), a kustomization folder, or the project's
/// overlay for an environment.
public enum ManifestSource: Sendable, Equatable {
    /// YAML or JSON files, folders of them (not recursive, as kubectl without -R), or "-" for standard input.
    case files([String])
    /// A folder holding a kustomization, built as `kf build` builds it.
    case kustomization(String)

    /// The source for a command's arguments: -f files win, then a folder, then the project's overlay.
    public static func choose(files: [String], directory: String?, project: ProjectContext?, environment: String?,
                              verb: String) throws -> ManifestSource {
        if !files.isEmpty { return .files(files) }
        if let directory { return .kustomization(directory) }
        guard let project else { throw ActionError.nothingToApply(verb: verb) }
        let env = environment ?? project.file.environment
        return .kustomization(URL(fileURLWithPath: project.root).appending(path: "manifests/overlays/\(env)").path)
    }

    /// The objects, in the order given; `kind: List` documents are expanded into their items.
    public func objects(warn: @escaping @Sendable (String) -> Void = { _ in },
                        standardInput: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> [Value] {
        switch self {
        case let .kustomization(path):
            return try Kustomizer(options: BuildOptions(warn: warn)).build(path).map(\.value)
        case let .files(paths):
            var out: [Value] = []
            for path in paths {
                for (file, data) in try Self.read(path, standardInput: standardInput) {
                    for document in try YAMLParser.parse(Array(data), file: file) {
                        if document["kind"]?.text == "List", let items = document["items"]?.sequence {
                            out += items
                        } else if document.mapping?.isEmpty == false {
                            out.append(document)
                        }
                    }
                }
            }
            // As kubectl: files that hold no object are a mistake (an empty folder, a typo'd glob), not "0 unchanged".
            guard !out.isEmpty else { throw ActionError.noObjects(sources: paths) }
            return out
        }
    }

    private static func read(_ path: String, standardInput: () -> Data) throws -> [(String, Data)] {
        if path == "-" { return [("<stdin>", standardInput())] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ActionError.unreadableManifest(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw ActionError.unreadableManifest(path: path, reason: FileErrorReason.of(error))
            }
            return try names.filter { name in [".yaml", ".yml", ".json"].contains { name.hasSuffix($0) } }.sorted()
                .map { name in
                    let file = URL(fileURLWithPath: path).appending(path: name).path
                    return (file, try readFile(file))
                }
        }
        return [(path, try readFile(path))]
    }

    private static func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ActionError.unreadableManifest(path: path, reason: "cannot read the file")
        }
        return data
    }
}
