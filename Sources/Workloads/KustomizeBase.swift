import Manifests
import Resources
import Templates

/// A workload's kustomize base (a folder of kf's templates, which a project may override) and how an overlay kf
/// writes over it builds: what TrainingManifests and ServingManifests share.
struct KustomizeBase: Sendable {
    /// The folder under `templates/`, e.g. `train/pytorchjob`.
    let templateFolder: String
    let apiVersion: String
    let kind: String

    /// The base's files by name: the project's override in `templates/<folder>/` when it has one, else kf's own.
    func files(from store: TemplateStore) throws -> [String: String] {
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

    /// The name of the one object of `kind` in the base: the overlay's patches target it.
    func objectName(baseFiles: [String: String]) throws -> String {
        var fileSystem = MemoryFileSystem()
        for (name, text) in baseFiles { fileSystem.write("/base/" + name, text) }
        let resources: [Resource]
        do {
            resources = try Kustomizer(fileSystem: fileSystem).build("/base")
        } catch {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "\(error)")
        }
        let objects = resources.filter { $0.value["kind"]?.string == kind && $0.value["apiVersion"]?.string == apiVersion }
        guard objects.count == 1, let name = objects[0].value[path: ["metadata", "name"]]?.string else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason:
                "it must hold exactly one \(apiVersion) \(kind) with a metadata.name; it holds \(objects.count)")
        }
        return name
    }

    /// Builds the base at `baseFolder` and the overlay's files at `overlayFolder` (both relative to `manifests/`)
    /// in memory, as `kf build` would build them on disk, and returns the one object of `kind`.
    func build(baseFiles: [String: String], baseFolder: String, overlayFiles: [(name: String, text: String)],
               overlayFolder: String) throws -> Value {
        var fileSystem = MemoryFileSystem()
        for (name, text) in baseFiles { fileSystem.write("/manifests/" + baseFolder + "/" + name, text) }
        for file in overlayFiles { fileSystem.write("/manifests/" + overlayFolder + "/" + file.name, file.text) }
        let resources = try Kustomizer(fileSystem: fileSystem).build("/manifests/" + overlayFolder)
        let objects = resources.filter { $0.value["kind"]?.string == kind }
        guard objects.count == 1, let object = objects.first else {
            throw WorkloadsError.badTemplate(path: templateFolder, reason: "the build gave \(objects.count) \(kind) objects, not one")
        }
        return object.value
    }

    /// The overlay's kustomization: the base, a patch file over its object, and a rename of that object to `name`.
    func kustomization(baseReference: String, baseName: String, patchFile: String, name: String, header: String) throws -> String {
        let target = Value.mapping(Mapping([("kind", .string(kind)), ("name", .string(baseName))]))
        let rename = try KustomizeEmitter.string(.sequence([.mapping(Mapping([
            ("op", .string("replace")), ("path", .string("/metadata/name")), ("value", .string(name)),
        ]))]))
        let kustomization = Value.mapping(Mapping([
            ("apiVersion", .string("kustomize.config.k8s.io/v1beta1")),
            ("kind", .string("Kustomization")),
            ("resources", .sequence([.string(baseReference)])),
            ("patches", .sequence([
                .mapping(Mapping([("path", .string(patchFile)), ("target", target)])),
                .mapping(Mapping([("target", target), ("patch", .string(rename))])),
            ])),
        ]))
        return header + (try KustomizeEmitter.string(kustomization))
    }
}
