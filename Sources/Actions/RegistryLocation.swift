import Foundation
import Git
import Project
import Registry

/// Where `kf version` reads and writes: the repository around the current folder, a local path, or a URL cloned
/// into kf's cache (~/.cache/kf/registries) and fetched on every later call.
public struct RegistryLocation {
    public let registry: ModelRegistry
    /// The remote writes are pushed to automatically (the URL for a cached clone), else nil.
    public let automaticPush: String?
    /// kf.yaml's registry.remote, when the repository has a kf.yaml.
    public let projectRemote: String?

    /// Opens `repo` (nil: the repository around `directory`).
    public static func open(repo: String?, directory: String = FileManager.default.currentDirectoryPath) throws -> RegistryLocation {
        guard let repo else { return try openLocal(path: directory, shown: directory) }
        if FileManager.default.fileExists(atPath: repo) { return try openLocal(path: repo, shown: repo) }
        if isURL(repo) { return try openCached(url: repo) }
        throw RegistryError.noRepository(path: repo)
    }

    static func isURL(_ text: String) -> Bool {
        if text.contains("://") { return true }
        // scp-like: user@host:path
        if let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon, !text.hasPrefix("/") { return true }
        return false
    }

    private static func openLocal(path: String, shown: String) throws -> RegistryLocation {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let repository: Repository
        if let root = try Repository.discover(from: absolute) {
            repository = try Repository.open(at: root)
        } else {
            throw RegistryError.noRepository(path: shown)
        }
        let (config, remote) = try loadConfig(repository)
        return RegistryLocation(registry: ModelRegistry(repository: repository, config: config,
                                                        location: repository.workingDirectory ?? repository.gitDirectory),
                                automaticPush: nil, projectRemote: remote)
    }

    /// The cache folder for `url`.
    public static func cachePath(for url: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache")
        let readable = String(url.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }.suffix(60))
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in url.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return base + "/kf/registries/" + readable + "-" + String(hash, radix: 16)
    }

    private static func openCached(url: String) throws -> RegistryLocation {
        let path = cachePath(for: url)
        let repository: Repository
        if FileManager.default.fileExists(atPath: path + "/HEAD") {
            repository = try Repository.open(at: path)
        } else {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            do {
                repository = try Repository.clone(from: url, to: path, bare: true)
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw RegistryError.fetchFailed(remote: url, reason: "clone: " + ModelRegistryReason.text(error))
            }
        }
        do {
            try repository.fetch(from: url, refspecs: ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*",
                                                       "+\(VersionMetadata.notesRef):\(VersionMetadata.notesRef)"],
                                 prune: true)
        } catch {
            throw RegistryError.fetchFailed(remote: url, reason: ModelRegistryReason.text(error))
        }
        let (config, remote) = try loadConfig(repository)
        return RegistryLocation(registry: ModelRegistry(repository: repository, config: config, location: url),
                                automaticPush: url, projectRemote: remote)
    }

    /// `.gto` and kf.yaml from the working tree (or from HEAD in a bare repository).
    static func loadConfig(_ repository: Repository) throws -> (RegistryConfig, String?) {
        func read(_ name: String) throws -> (text: String, file: String)? {
            if let root = repository.workingDirectory {
                let path = root + "/" + name
                guard FileManager.default.fileExists(atPath: path) else { return nil }
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw RegistryError.invalidConfig(file: path, reason: "cannot be read as UTF-8 text")
                }
                return (text, path)
            }
            guard try !repository.isHeadUnborn, let data = try repository.fileContents(name) else { return nil }
            return (String(decoding: data, as: UTF8.self), "HEAD:" + name)
        }
        var config = RegistryConfig()
        if let gto = try read(".gto") {
            config = try RegistryConfig.parseGTO(gto.text, file: gto.file)
        }
        var remote: String?
        if let project = try read(ProjectFile.fileName) {
            let file = try ProjectFile.parse(project.text, file: project.file)
            config.projectStages = file.stages
            remote = file.registryRemote
        }
        return (config, remote)
    }

    /// The remote `--push` sends to and `fetch` reads from: kf.yaml's registry.remote, else origin.
    public func pushRemote() throws -> String {
        if let automaticPush { return automaticPush }
        if let projectRemote {
            if try registry.repository.remoteURL(projectRemote) != nil || Self.isURL(projectRemote)
                || FileManager.default.fileExists(atPath: projectRemote) {
                return projectRemote
            }
            throw RegistryError.noRemote(reason: "kf.yaml's registry.remote '\(projectRemote)' is neither a remote of "
                + "this repository nor a URL; fix it or run `git remote add \(projectRemote) URL`")
        }
        guard try registry.repository.remoteURL("origin") != nil else {
            throw RegistryError.noRemote(reason: "the repository has no 'origin' remote and kf.yaml sets no registry.remote; "
                + "add one with `git remote add origin URL`")
        }
        return "origin"
    }
}

enum ModelRegistryReason {
    static func text(_ error: Error) -> String {
        if case let GitError.failed(_, _, message) = error { return message }
        return String(describing: error)
    }
}
