import Cluster
import Foundation
import Resources

/// The project's own namespace is created when missing (its manifests declare it; `kf apply` would create it
/// too); any other missing namespace is an error, as kubectl's.
enum ProjectNamespace {
    static func ensure(_ client: ClusterClient, _ namespace: String, project: ProjectContext?, serverDryRun: Bool,
                       progress: @Sendable (String) -> Void) async throws {
        let reference = ObjectReference(apiVersion: "v1", kind: "Namespace", name: namespace)
        guard try await client.get(reference) == nil else { return }
        guard namespace == project?.file.namespace else { throw ActionError.namespaceMissing(namespace: namespace) }
        if serverDryRun { return }
        _ = try await client.create(.mapping(Mapping([
            ("apiVersion", .string("v1")), ("kind", .string("Namespace")),
            ("metadata", .mapping(Mapping([("name", .string(namespace))]))),
        ])), fieldManager: "kf")
        progress("namespace/\(namespace) created (the project's namespace)")
    }
}

/// A workload's files in the project: a base copied once under `manifests/` (then the user's to change) and an
/// overlay kf rewrites each time.
enum WorkloadFiles {
    /// The project's copy of the base in `manifests/<folder>`, when it has one.
    static func existingBase(projectRoot: String?, folder: String) throws -> [String: String]? {
        guard let projectRoot else { return nil }
        let url = URL(fileURLWithPath: projectRoot).appending(path: "manifests/" + folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path), !names.isEmpty else { return nil }
        var files: [String: String] = [:]
        for name in names where !name.hasPrefix(".") {
            let path = url.appending(path: name).path
            do {
                files[name] = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ActionError.unreadableManifest(path: path, reason: (error as NSError).localizedDescription)
            }
        }
        return files
    }

    /// Writes the base (when the project has none yet) and the overlay; returns the paths written, relative to
    /// the project.
    static func write(projectRoot: String, baseFolder: String, baseFiles: [String: String], overlayFolder: String,
                      overlayFiles: [(name: String, text: String)]) throws -> [String] {
        var written: [String] = []
        let base = "manifests/" + baseFolder
        if !FileManager.default.fileExists(atPath: projectRoot + "/" + base) {
            for (name, text) in baseFiles.sorted(by: { $0.key < $1.key }) {
                try FileWriter.write(text, to: projectRoot + "/" + base + "/" + name)
                written.append(base + "/" + name)
            }
        }
        let overlay = "manifests/" + overlayFolder
        for file in overlayFiles {
            try FileWriter.write(file.text, to: projectRoot + "/" + overlay + "/" + file.name)
            written.append(overlay + "/" + file.name)
        }
        return written
    }
}

/// Following one object through a watch until a check on it gives an answer.
enum ObjectWatch {
    /// Watches the object `reference` names and calls `check` with each version of it: returns the first answer
    /// `check` gives, throws what it throws (or `deleted` when the object goes away), or returns nil once `timeout`
    /// has passed.
    static func until<Answer: Sendable>(_ client: ClusterClient, _ reference: ObjectReference, timeout: Duration,
                                        deleted: @escaping @Sendable () -> any Error,
                                        check: @escaping @Sendable (Value) throws -> Answer?) async throws -> Answer? {
        let watch = client.watch(apiVersion: reference.apiVersion, kind: reference.kind, namespace: reference.namespace,
                                 fieldSelector: "metadata.name=" + reference.name, timeoutSeconds: 60)
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                for try await event in watch {
                    let objects: [Value]
                    switch event {
                    case let .added(object), let .modified(object): objects = [object]
                    case let .relisted(list): objects = list.items
                    case .deleted: throw deleted()
                    case .bookmark: continue
                    }
                    for object in objects where object[path: ["metadata", "name"]]?.text == reference.name {
                        if let answer = try check(object) { return answer }
                    }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
