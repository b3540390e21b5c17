/// Which files a kustomization may read.
public enum LoadRestriction: String, Sendable, CaseIterable {
    /// Only files in or below the kustomization's directory (kustomize's default).
    case rootOnly = "LoadRestrictionsRootOnly"
    /// Any file.
    case none = "LoadRestrictionsNone"
}

/// Reads the files of one kustomization directory, enforcing the load restriction, and opens the directories of
/// its bases, refusing cycles.
struct Loader: Sendable {
    let fs: any FileSystem
    /// The directory, with symbolic links resolved.
    let root: String
    let restriction: LoadRestriction
    /// The roots of the kustomizations that led here, nearest first.
    let referrers: [String]

    init(fs: any FileSystem, root: String, restriction: LoadRestriction, referrers: [String] = []) {
        self.fs = fs
        self.root = root
        self.restriction = restriction
        self.referrers = referrers
    }

    /// Whether an entry names a remote base or file rather than a local path.
    static func isRemote(_ path: String) -> Bool {
        let lower = path.lowercased()
        for prefix in ["https://", "http://", "git::", "git@", "ssh://", "file://", "github.com/", "gitlab.com/",
                       "bitbucket.org/"] where lower.hasPrefix(prefix) {
            return true
        }
        return false
    }

    /// The absolute path of an entry relative to this root.
    func absolute(_ path: String) -> String { Paths.join(root, path) }

    /// The bytes of a file, relative to the root.
    func load(_ path: String) throws -> [UInt8] {
        try fs.read(try checkedPath(path))
    }

    /// The absolute path of a file this kustomization may read (the load restriction enforced).
    func checkedPath(_ path: String) throws -> String {
        if Self.isRemote(path) { throw ManifestsError.remoteBase(url: path) }
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
        if Self.isRemote(path) { throw ManifestsError.remoteBase(url: path) }
        if path.hasPrefix("/") { throw ManifestsError.message("new root '\(path)' cannot be absolute") }
        let full = absolute(path)
        guard fs.isDirectory(full) else {
            throw ManifestsError.message("must build at directory: not a valid directory: evalsymlink failure on '\(full)' : lstat \(full): no such file or directory")
        }
        let resolved = fs.resolvingLinks(full)
        for visited in [root] + referrers where Paths.isWithin(visited, root: resolved) {
            throw ManifestsError.message("cycle detected: candidate root '\(resolved)' contains visited root '\(visited)'")
        }
        return Loader(fs: fs, root: resolved, restriction: restriction, referrers: [root] + referrers)
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
