import Foundation
import Resources

/// The printed forms of a build: kustomize's YAML stream, a JSON list, and one file per resource.
public enum Rendering {
    /// The YAML stream `kubectl kustomize` prints.
    public static func yaml(_ resources: [Resource]) throws -> String { try Kustomizer.yaml(resources) }

    /// The resources as kubectl prints several objects with `-o json`: a v1 List holding them as items.
    public static func json(_ resources: [Resource]) throws -> String {
        do {
            return String(decoding: try JSONEmitter.list(resources.map(\.value)), as: UTF8.self)
        } catch {
            throw ManifestsError.message("cannot print the build as JSON: \(error)")
        }
    }

    /// File names and contents for writing one file per resource, named as `kustomize build -o DIR` names them:
    /// `group_version_kind_name.yaml`, prefixed with the namespace when the build spans several namespaces.
    public static func files(_ resources: [Resource], json asJSON: Bool = false) throws -> [(name: String, content: String)] {
        let namespaces = Set(resources.filter { !$0.gvk.isClusterScoped }.map { $0.id.effectiveNamespace })
        return try resources.map { r in
            let g = r.gvk
            let typeName = [g.group, g.version, g.kind].filter { !$0.isEmpty }.joined(separator: "_")
            var name = (typeName + "_" + r.name).lowercased() + (asJSON ? ".json" : ".yaml")
            if namespaces.count > 1 && !g.isClusterScoped { name = r.id.effectiveNamespace.lowercased() + "_" + name }
            return (name, asJSON ? try JSONEmitter.string(r.value) + "\n" : try yaml([r]))
        }
    }

    /// `kustomize build -o PATH`: one file per resource into PATH when it is an existing folder, else the whole
    /// stream (or JSON list) into the file PATH. A failure names the file and why, in a few words.
    public static func write(_ resources: [Resource], to path: String, json asJSON: Bool) throws {
        var isFolder: ObjCBool = false
        let written: [(path: String, content: String)]
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            written = try files(resources, json: asJSON).map { (URL(fileURLWithPath: path).appendingPathComponent($0.name).path, $0.content) }
        } else {
            written = [(path, asJSON ? try json(resources) + "\n" : try yaml(resources))]
        }
        for (file, content) in written {
            do { try Data(content.utf8).write(to: URL(fileURLWithPath: file)) } catch {
                throw ManifestsError.cannotWrite(path: file, reason: FileErrorReason.of(error, path: file))
            }
        }
    }
}
