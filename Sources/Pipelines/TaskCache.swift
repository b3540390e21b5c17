import Foundation
import Resources

/// KFP's execution cache (the v2 driver's rule): a task's fingerprint is the SHA-256 of its CacheKey, made of the
/// input parameter values, the input artifacts, the output parameters' and artifacts' specs and the container
/// (image, command and args as written); a custom cacheKey replaces it. Input artifacts are named by the digest of
/// their content (kf departs from KFP here, which uses the artifact's name: a producer that ran again and wrote
/// the same bytes still lets its consumers be served from the cache).
public enum CacheKey {
    public static func fingerprint(component: ComponentSpec, container: ContainerSpec, parameters: [String: Value],
                                   artifacts: [String: [RuntimeArtifact]], customKey: String? = nil) -> String {
        if let customKey, !customKey.isEmpty { return customKey }
        var inputParameters = Mapping()
        for name in parameters.keys.sorted() {
            guard let value = parameters[name] else { continue }
            inputParameters[name] = component.inputParameters[name]?.type == .integer ? ExecutorInput.integral(value) : value
        }
        var inputArtifacts = Mapping()
        for name in artifacts.keys.sorted() {
            let digests = (artifacts[name] ?? []).map { Value.string(digest(path: $0.uri)) }
            inputArtifacts[name] = .mapping(Mapping([("artifactNames", .sequence(digests))]))
        }
        var outputArtifacts = Mapping()
        for (name, spec) in component.outputArtifacts.pairs {
            outputArtifacts[name] = .mapping(Mapping([("type", .mapping(Mapping([
                ("schemaTitle", .string(spec.schemaTitle)), ("schemaVersion", .string(spec.schemaVersion)),
            ])))]))
        }
        var outputParameters = Mapping()
        for (name, spec) in component.outputParameters.pairs { outputParameters[name] = .string(spec.type.rawValue) }
        let key = Value.mapping(Mapping([
            ("inputArtifactNames", .mapping(inputArtifacts)),
            ("inputParameterValues", .mapping(inputParameters)),
            ("outputArtifactsSpec", .mapping(outputArtifacts)),
            ("outputParametersSpec", .mapping(outputParameters)),
            ("containerSpec", .mapping(Mapping([
                ("image", .string(container.image)),
                ("cmdArgs", .sequence((container.command + container.args).map(Value.string))),
            ]))),
        ]))
        return SHA256.hex(JSON.encode(key.sortedKeys))
    }

    /// The SHA-256 of a file's bytes, or of a folder's files (relative path and bytes, in order); "missing" when
    /// there is nothing at the path.
    public static func digest(path: String) -> String {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return "missing" }
        var hasher = SHA256()
        if isDirectory.boolValue {
            let files = (manager.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).sorted()
            for file in files {
                let full = (path as NSString).appendingPathComponent(file)
                var nested: ObjCBool = false
                guard manager.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue else { continue }
                hasher.update(Array(file.utf8) + [0])
                hasher.update(Array(manager.contents(atPath: full) ?? Data()))
            }
        } else {
            hasher.update(Array(manager.contents(atPath: path) ?? Data()))
        }
        return hasher.finalizeHex()
    }
}

/// Where finished tasks' outputs are kept for reuse.
public protocol TaskCacheStore: Sendable {
    func lookup(pipeline: String, fingerprint: String) -> TaskOutputs?
    func store(pipeline: String, fingerprint: String, task: String, run: String, outputs: TaskOutputs)
}

/// The cache in a folder (kf-local: `.kf/pipelines/cache/<namespace>`): one JSON file per pipeline and
/// fingerprint, the newest write winning; an entry whose artifacts are gone (their run was deleted) is a miss.
public struct FileTaskCache: TaskCacheStore {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    func file(_ pipeline: String, _ fingerprint: String) -> URL {
        let safe = String(pipeline.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return directory.appendingPathComponent(safe).appendingPathComponent(fingerprint + ".json")
    }

    public func lookup(pipeline: String, fingerprint: String) -> TaskOutputs? {
        guard let data = FileManager.default.contents(atPath: file(pipeline, fingerprint).path),
              let entry = try? JSON.parse(String(decoding: data, as: UTF8.self)) else { return nil }
        let outputs = TaskOutputs(value: entry["outputs"])
        for artifact in outputs.artifacts.values.flatMap({ $0 }) where !FileManager.default.fileExists(atPath: artifact.uri) {
            return nil
        }
        return outputs
    }

    public func store(pipeline: String, fingerprint: String, task: String, run: String, outputs: TaskOutputs) {
        let url = file(pipeline, fingerprint)
        let entry = Value.mapping(Mapping([
            ("pipeline", .string(pipeline)), ("task", .string(task)), ("run", .string(run)),
            ("created", .string(Timestamp.precise(Date()))), ("outputs", outputs.value),
        ]))
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.appendingPathExtension("tmp-\(getpid())")
            try Data(JSON.encode(entry)).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            // A cache that cannot be written only costs a later re-run; say so.
            FileHandle.standardError.write(Data("kf: cannot write the pipeline cache entry \(url.path): \(error)\n".utf8))
        }
    }
}
