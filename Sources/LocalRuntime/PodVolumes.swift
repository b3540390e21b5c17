import Cluster
import Foundation
import LocalCluster
import Resources

/// A Pod's volumes on this machine: each one is a folder (emptyDir, configMap, secret, downwardAPI and projected
/// under the Pod's folder; a claim's folder under `.kf/volumes/`; hostPath as is). Processes are not chrooted, so
/// a container's mount paths are translated to these folders (see `PathTranslation`).
struct PodVolumes {
    /// Volume name -> the host folder backing it.
    var folders: [String: URL] = [:]

    static func claimFolder(_ kfDirectory: URL, namespace: String, claim: String) -> URL {
        kfDirectory.appendingPathComponent("volumes").appendingPathComponent(namespace).appendingPathComponent(claim)
    }

    /// Creates (or refreshes: configMap, secret and downwardAPI contents follow their sources) every volume.
    static func prepare(_ pod: Value, podFolder: URL, kfDirectory: URL, lookup: ObjectLookup) async throws(RuntimeError) -> PodVolumes {
        var result = PodVolumes()
        let namespace = pod[path: ["metadata", "namespace"]]?.text ?? "default"
        for volume in pod[path: ["spec", "volumes"]]?.sequence ?? [] {
            guard let name = volume["name"]?.text else { continue }
            let folder = podFolder.appendingPathComponent("volumes").appendingPathComponent(name)
            if volume["emptyDir"] != nil {
                try makeFolder(folder)
                result.folders[name] = folder
            } else if let source = volume["configMap"] {
                try await writeConfig(source, kind: "ConfigMap", into: folder, namespace: namespace, lookup: lookup, defaultMode: 0o644)
                result.folders[name] = folder
            } else if let source = volume["secret"] {
                var renamed = source
                renamed["name"] = source["secretName"]
                // Processes share this machine: a Secret's files stay private (0600) unless the Pod asks for
                // another mode than the 0644 (420) the API server fills in when it names none.
                if source["defaultMode"]?.text == "420" { renamed["defaultMode"] = nil }
                try await writeConfig(renamed, kind: "Secret", into: folder, namespace: namespace, lookup: lookup, defaultMode: 0o600)
                result.folders[name] = folder
            } else if let source = volume["downwardAPI"] {
                try makeFolder(folder)
                try writeDownward(source["items"]?.sequence ?? [], pod: pod, into: folder,
                                  mode: source["defaultMode"].flatMap(\.text).flatMap { Int($0) } ?? 0o644)
                result.folders[name] = folder
            } else if let source = volume["projected"] {
                try makeFolder(folder)
                let mode = source["defaultMode"].flatMap(\.text).flatMap { Int($0) } ?? 0o644
                for part in source["sources"]?.sequence ?? [] {
                    if let config = part["configMap"] {
                        try await writeConfig(config, kind: "ConfigMap", into: folder, namespace: namespace, lookup: lookup, defaultMode: mode, clear: false)
                    } else if let secret = part["secret"] {
                        try await writeConfig(secret, kind: "Secret", into: folder, namespace: namespace, lookup: lookup, defaultMode: mode, clear: false)
                    } else if let downward = part["downwardAPI"] {
                        try writeDownward(downward["items"]?.sequence ?? [], pod: pod, into: folder, mode: mode)
                    }
                    // serviceAccountToken and clusterTrustBundle sources have no local equivalent: processes reach
                    // kf-local through KUBECONFIG instead.
                }
                result.folders[name] = folder
            } else if let source = volume["hostPath"] {
                let path = source["path"]?.text ?? "/"
                let type = source["type"]?.text ?? ""
                if type == "DirectoryOrCreate" { try makeFolder(URL(fileURLWithPath: path)) }
                if type == "Directory" || type == "File", !FileManager.default.fileExists(atPath: path) {
                    throw .configMissing("hostPath type check failed: \(path) is not a \(type == "File" ? "file" : "directory")")
                }
                result.folders[name] = URL(fileURLWithPath: path)
            } else if let source = volume["persistentVolumeClaim"] {
                let claim = source["claimName"]?.text ?? name
                let folder = claimFolder(kfDirectory, namespace: namespace, claim: claim)
                try makeFolder(folder)
                result.folders[name] = folder
            } else {
                let kind = volume.mapping?.keys.first { $0 != "name" } ?? "unknown"
                throw .unsupportedVolume(name: name, kind: kind)
            }
        }
        return result
    }

    static func makeFolder(_ folder: URL) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .filesystem(path: folder.path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Writes a ConfigMap's or Secret's keys (or the listed `items`) as files.
    static func writeConfig(_ source: Value, kind: String, into folder: URL, namespace: String, lookup: ObjectLookup,
                            defaultMode: Int, clear: Bool = true) async throws(RuntimeError) {
        let name = source["name"]?.text ?? ""
        let optional = source["optional"]?.text == "true"
        let mode = source["defaultMode"].flatMap(\.text).flatMap { Int($0) } ?? defaultMode
        guard let object = try await lookup.get(kind: kind, namespace: namespace, name: name) else {
            if optional { try makeFolder(folder); return }
            throw .configMissing("\(kind.lowercased()) \"\(name)\" not found")
        }
        let data = ObjectLookup.data(of: object, kind: kind)
        var files: [(String, [UInt8], Int)] = []
        if let items = source["items"]?.sequence {
            for item in items {
                guard let key = item["key"]?.text, let path = item["path"]?.text else { continue }
                guard let bytes = data[key] else {
                    if optional { continue }
                    throw .configMissing("configmap references non-existent config key: \(key)")
                }
                files.append((path, bytes, item["mode"].flatMap(\.text).flatMap { Int($0) } ?? mode))
            }
        } else {
            for key in data.keys.sorted() { files.append((key, data[key]!, mode)) }
        }
        if clear, FileManager.default.fileExists(atPath: folder.path) {
            // Keys removed from the source disappear from the folder too.
            let wanted = Set(files.map { $0.0.split(separator: "/").first.map(String.init) ?? $0.0 })
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !wanted.contains(entry) {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(entry))
            }
        }
        try makeFolder(folder)
        for (path, bytes, fileMode) in files {
            try writeFile(folder.appendingPathComponent(path), bytes, mode: fileMode)
        }
    }

    static func writeDownward(_ items: [Value], pod: Value, into folder: URL, mode: Int) throws(RuntimeError) {
        for item in items {
            guard let path = item["path"]?.text else { continue }
            var text = ""
            if let field = item[path: ["fieldRef", "fieldPath"]]?.text {
                if field == "metadata.labels" || field == "metadata.annotations" {
                    let key = field == "metadata.labels" ? "labels" : "annotations"
                    let pairs = pod[path: ["metadata", key]]?.mapping?.pairs.map { "\($0.0)=\"\($0.1.text ?? "")\"" } ?? []
                    text = pairs.sorted().joined(separator: "\n")
                } else {
                    text = PodFields.value(field, pod: pod) ?? ""
                }
            } else if let resource = item["resourceFieldRef"] {
                text = PodFields.resource(resource, pod: pod, container: resource["containerName"]?.text) ?? ""
            }
            try writeFile(folder.appendingPathComponent(path), Array(text.utf8),
                          mode: item["mode"].flatMap(\.text).flatMap { Int($0) } ?? mode)
        }
    }

    static func writeFile(_ file: URL, _ bytes: [UInt8], mode: Int) throws(RuntimeError) {
        try makeFolder(file.deletingLastPathComponent())
        if let existing = FileManager.default.contents(atPath: file.path), [UInt8](existing) == bytes {
            try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
            return
        }
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes), attributes: [.posixPermissions: mode]) else {
            throw .filesystem(path: file.path, reason: "cannot create the file")
        }
        guard rename(temporary.path, file.path) == 0 else {
            throw .filesystem(path: file.path, reason: String(cString: strerror(errno)))
        }
    }
}

/// A container's view of the Pod's volumes: its mount paths and the host paths behind them.
struct PathTranslation: Sendable {
    /// (mountPath, hostPath), longest mount path first.
    let mounts: [(String, String)]

    init(container: Value, volumes: PodVolumes) throws(RuntimeError) {
        var mounts: [(String, String)] = []
        for mount in container["volumeMounts"]?.sequence ?? [] {
            guard let name = mount["name"]?.text, let path = mount["mountPath"]?.text else { continue }
            guard let folder = volumes.folders[name] else {
                throw .configMissing("volumeMount \"\(name)\" names no volume of the Pod")
            }
            var host = folder
            if let subPath = mount["subPath"]?.text, !subPath.isEmpty {
                host = folder.appendingPathComponent(subPath)
                if !FileManager.default.fileExists(atPath: host.path) { try PodVolumes.makeFolder(host) }
            }
            mounts.append((Self.trimmed(path), host.path))
        }
        self.mounts = mounts.sorted { $0.0.count > $1.0.count }
    }

    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Replaces every mount path in `text` that stands as a path (followed by `/`, the end, or a character that
    /// cannot continue a file name such as a space, quote, `:` or `;`) by its host path.
    func translate(_ text: String) -> String {
        guard !mounts.isEmpty, text.contains("/") else { return text }
        var result = ""
        var index = text.startIndex
        outer: while index < text.endIndex {
            let atBoundary = index == text.startIndex || !Self.continuesName(text[text.index(before: index)])
            if atBoundary && text[index] == "/" {
                for (mount, host) in mounts where text[index...].hasPrefix(mount) {
                    let end = text.index(index, offsetBy: mount.count)
                    if end == text.endIndex || text[end] == "/" || !Self.continuesName(text[end]) {
                        result += host
                        index = end
                        continue outer
                    }
                }
            }
            result.append(text[index])
            index = text.index(after: index)
        }
        return result
    }

    private static func continuesName(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "._-~+@%".contains(character)
    }

    /// `KF_MOUNTS`: one `mountPath=hostPath` per line.
    var exported: String { mounts.map { "\($0.0)=\($0.1)" }.joined(separator: "\n") }
}
