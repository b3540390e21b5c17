import Manifests
import Resources
import Templates

/// One resource built kustomize-style, in memory, from a base (a template folder, copied into the project once)
/// and an overlay kf writes: what TrainingManifests and TuningManifests share.
struct KustomizeBase: Sendable {
    let apiVersion: String
    let kind: String
    /// The base's folder under `templates/`.
    let templateFolder: String
    /// The base's and the overlay's folders under the project's `manifests/`.
    let baseFolder: String
    let overlayFolder: String

    /// The base's files by name: the project's override under `templates/` when it has one, else kf's own.
    func baseFiles(from store: TemplateStore) throws -> [String: String] {
        let templates: [Template]
        do {
            templates = try store.templates(under: templateFolder)
        } catch {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "\(error)")
        }
        guard !templates.isEmpty else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "no files found")
        }
        let prefix = templateFolder + "/"
        var files: [String: String] = [:]
        for template in templates where template.path.hasPrefix(prefix) {
            files[String(template.path.dropFirst(prefix.count))] = template.text
        }
        return files
    }

    /// The name of the resource in the base: the overlay's patches target it.
    func baseName(baseFiles: [String: String]) throws -> String {
        guard let name = try baseResource(baseFiles: baseFiles)[path: ["metadata", "name"]]?.string else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "its \(apiVersion) \(kind) has no metadata.name")
        }
        return name
    }

    /// The one resource of the base, as the base alone builds it.
    func baseResource(baseFiles: [String: String]) throws -> Value {
        var fileSystem = MemoryFileSystem()
        for (name, text) in baseFiles { fileSystem.write("/base/" + name, text) }
        let resources: [Resource]
        do {
            resources = try Kustomizer(fileSystem: fileSystem).build("/base")
        } catch {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "\(error)")
        }
        let found = resources.filter { $0.value["kind"]?.string == kind && $0.value["apiVersion"]?.string == apiVersion }
        guard found.count == 1, found[0].value[path: ["metadata", "name"]]?.string != nil else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason:
                "it must hold exactly one \(apiVersion) \(kind) with a metadata.name; it holds \(found.count)")
        }
        return found[0].value
    }

    /// The overlay's kustomization: the base, the patch file over its resource, and the rename to `name`.
    func kustomization(baseName: String, name: String, patchFile: String, header: String) throws -> String {
        let target = Value.mapping(Mapping([("kind", .string(kind)), ("name", .string(baseName))]))
        let rename = try KustomizeEmitter.string(.sequence([.mapping(Mapping([
            ("op", .string("replace")), ("path", .string("/metadata/name")), ("value", .string(name)),
        ]))]))
        // The base relative to the overlay: up past what the folders do not share, then down.
        let from = overlayFolder.split(separator: "/"), to = baseFolder.split(separator: "/")
        var shared = 0
        while shared < min(from.count, to.count), from[shared] == to[shared] { shared += 1 }
        let relativeBase = String(repeating: "../", count: from.count - shared) + to[shared...].joined(separator: "/")
        let kustomization = Value.mapping(Mapping([
            ("apiVersion", .string("kustomize.config.k8s.io/v1beta1")),
            ("kind", .string("Kustomization")),
            ("resources", .sequence([.string(relativeBase)])),
            ("patches", .sequence([
                .mapping(Mapping([("path", .string(patchFile)), ("target", target)])),
                .mapping(Mapping([("target", target), ("patch", .string(rename))])),
            ])),
        ]))
        return header + (try KustomizeEmitter.string(kustomization))
    }

    /// Builds the one resource from the base's files and the overlay's, as `kf build` would build them on disk.
    func build(baseFiles: [String: String], overlayFiles: [(name: String, text: String)]) throws -> Value {
        var fileSystem = MemoryFileSystem()
        for (name, text) in baseFiles { fileSystem.write("/manifests/" + baseFolder + "/" + name, text) }
        for file in overlayFiles { fileSystem.write("/manifests/" + overlayFolder + "/" + file.name, file.text) }
        let resources = try Kustomizer(fileSystem: fileSystem).build("/manifests/" + overlayFolder)
        let found = resources.filter { $0.value["kind"]?.string == kind }
        guard found.count == 1, let resource = found.first else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "the build gave \(found.count) \(kind) objects, not one")
        }
        return resource.value
    }
}
