/// Which files a kustomization may read.
public enum LoadRestriction: String, Sendable, CaseIterable {
    /// Only files in or below the kustomization's directory (kustomize's default).
    case rootOnly = "LoadRestrictionsRootOnly"
    /// Any file.
    case none = "LoadRestrictionsNone"
}

/// How a build fetches remote bases: the cache and where its warnings go.
struct RemoteFetching: Sendable {
    let cache: RemoteCache
    let warn: @Sendable (String) -> Void
}

/// The fetched repository a loader's root lies in.
struct RemoteRoot: Sendable {
    let spec: RemoteSpec
    /// The repository's root in the cache (symbolic links resolved).
    let tree: String
}

/// Reads the files of one kustomization directory, enforcing the load restriction, and opens the directories of
/// its bases, local or remote, refusing cycles.
struct Loader: Sendable {
    let fs: any FileSystem
    /// The directory, with symbolic links resolved.
    let root: String
    let restriction: LoadRestriction
    /// The roots of the kustomizations that led here, nearest first.
    let referrers: [String]
    /// How remote bases are fetched; nil refuses them.
    let remote: RemoteFetching?
    /// The remote repository this root was fetched from, when it was.
    let repository: RemoteRoot?
    /// The remote bases that led here (as written), nearest first, to refuse a repository including itself.
    let remoteChain: [String]

    init(fs: any FileSystem, root: String, restriction: LoadRestriction, referrers: [String] = [],
         remote: RemoteFetching? = nil, repository: RemoteRoot? = nil, remoteChain: [String] = []) {
        self.fs = fs
        self.root = root
        self.restriction = restriction
        self.referrers = referrers
        self.remote = remote
        self.repository = repository
        self.remoteChain = remoteChain
    }

    /// Whether an entry names a remote base rather than a local path (kustomize's test: it parses as a git URL).
    static func isRemote(_ path: String) -> Bool {
        RemoteSpec.isRemote(path)
    }

    /// Whether a file entry is a URL that kustomize would download over HTTP.
    static func isHTTPURL(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    /// The absolute path of an entry relative to this root.
    func absolute(_ path: String) -> String { Paths.join(root, path) }

    /// The bytes of a file, relative to the root.
    func load(_ path: String) throws -> [UInt8] {
        try fs.read(try checkedPath(path))
    }

    /// The absolute path of a file this kustomization may read (the load restriction enforced).
    func checkedPath(_ path: String) throws -> String {
        if Self.isHTTPURL(path) {
            throw ManifestsError.unsupported(feature: "the remote file '\(path)'",
                                             hint: "kf does not download files over HTTP; save it next to the kustomization and list the local file")
        }
        let full = absolute(path)
        if restriction == .rootOnly {
            let dir = fs.resolvingLinks(Paths.directory(full))
            if !fs.isFile(full) && !fs.isDirectory(full) { throw ManifestsError.notFound(path: full) }
            if fs.isDirectory(full) { throw ManifestsError.message("'\(full)' must resolve to a file") }
            if !Paths.isWithin(dir, root: root) {
                throw ManifestsError.outsideRoot(file: full, root: root)
            }
            let resolved = fs.resolvingLinks(full)
            if !Paths.isWithin(resolved, root: root) {
                throw ManifestsError.outsideRoot(file: full, root: root)
            }
        }
        return full
    }

    /// The text of a file, relative to the root.
    func loadText(_ path: String) throws -> String {
        let bytes = try load(path)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A loader for a base or component directory below (or beside) this one.
    func child(_ path: String) throws -> Loader {
        if path.isEmpty { throw ManifestsError.message("new root cannot be empty") }
        if let spec = try? RemoteSpec(path) { return try remoteChild(spec) }
        if path.hasPrefix("/") { throw ManifestsError.message("new root '\(path)' cannot be absolute") }
        let full = absolute(path)
        guard fs.isDirectory(full) else {
            throw ManifestsError.message("must build at directory: not a valid directory: evalsymlink failure on '\(full)' : lstat \(full): no such file or directory")
        }
        let resolved = fs.resolvingLinks(full)
        if let repository, !Paths.isWithin(resolved, root: repository.tree) {
            throw ManifestsError.message("security; bases in kustomizations found in cloned git repos must be within "
                                         + "the repo, but base '\(resolved)' is outside '\(repository.tree)'")
        }
        for visited in [root] + referrers where Paths.isWithin(visited, root: resolved) {
            throw ManifestsError.message("cycle detected: candidate root '\(resolved)' contains visited root '\(visited)'")
        }
        return Loader(fs: fs, root: resolved, restriction: restriction, referrers: [root] + referrers, remote: remote,
                      repository: repository, remoteChain: remoteChain)
    }

    /// A loader for a remote base: its repository fetched (or taken from the cache), rooted at the path inside it.
    /// Like kustomize, a remote root is its own root: it may read only files below it, whatever the restriction.
    func remoteChild(_ spec: RemoteSpec) throws -> Loader {
        guard let remote else {
            throw ManifestsError.remoteBase(url: spec.raw, problem: "remote bases are not fetched in this build")
        }
        for previous in remoteChain where previous.hasPrefix(spec.raw) {
            throw ManifestsError.message("cycle detected: URI '\(spec.raw)' referenced by previous URI '\(previous)'")
        }
        if spec.forcedGitProtocol {
            remote.warn("Warning: Forcing the git protocol using the 'git::' URL prefix is not supported. Kustomize "
                        + "currently strips this invalid prefix, but will stop doing so in a future release. Please "
                        + "remove the 'git::' prefix from your configuration.")
        }
        let checkout = try remote.cache.checkout(spec, warn: remote.warn)
        let tree = fs.resolvingLinks(checkout.tree)
        if spec.submodules && fs.isFile(Paths.join(tree, ".gitmodules")) {
            remote.warn("warning: \(spec.cloneURL) has submodules, which kf does not fetch; a base that needs their "
                        + "files fails on them (add ?submodules=false to silence this)")
        }
        let at = spec.ref.isEmpty ? "its default branch" : "'\(spec.ref)'"
        let full = Paths.join(tree, spec.rootPath)
        if fs.isFile(full) {
            throw ManifestsError.remoteBase(url: spec.raw, problem: "'\(spec.rootPath)' in \(spec.cloneURL) at \(at) "
                + "is a file; a remote base must be a directory with a kustomization")
        }
        guard fs.isDirectory(full) else {
            throw ManifestsError.remoteBase(url: spec.raw, problem: "there is no directory '\(spec.rootPath)' in "
                + "\(spec.cloneURL) at \(at) (commit \(checkout.commit.prefix(12)))")
        }
        let resolved = fs.resolvingLinks(full)
        guard Paths.isWithin(resolved, root: tree) else {
            throw ManifestsError.remoteBase(url: spec.raw, problem: "'\(spec.rootPath)' refers to directory outside of "
                + "the repository \(spec.cloneURL)")
        }
        return Loader(fs: fs, root: resolved, restriction: .rootOnly, referrers: [], remote: remote,
                      repository: RemoteRoot(spec: spec, tree: tree), remoteChain: [spec.raw] + remoteChain)
    }

    /// The kustomization file of this directory: its name and text.
    func kustomizationFile() throws -> (name: String, text: String) {
        var found: [(String, String)] = []
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let full = absolute(name)
            if fs.isFile(full) { found.append((name, String(decoding: try fs.read(full), as: UTF8.self))) }
        }
        switch found.count {
        case 0: throw ManifestsError.missingKustomization(directory: root)
        case 1: return found[0]
        default: throw ManifestsError.multipleKustomizations(directory: root)
        }
    }
}
