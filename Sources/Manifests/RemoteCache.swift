import Foundation
import Git
import Resources
#if canImport(Glibc)
import Glibc
#endif

/// Where remote bases are fetched to and kept between builds.
///
/// Layout of `directory`:
///
///     repos/<url key>/         a git repository per clone URL that fetches accumulate in (locked while used)
///     trees/<commit>/          the files of one commit, written once into a temporary folder and renamed
///     refs/<url+ref key>       the commit a URL and ref resolved to at the last fetch, and when
///
/// A tree is never changed once renamed into place, so concurrent builds read it safely; fetches into one
/// repository are serialised by a lock, and every file is written to a temporary name first, so an interrupted
/// fetch leaves nothing half-written behind a final name.
public struct RemoteCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/kf/remote`, else `~/.cache/kf/remote`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return Paths.join(xdg, "kf/remote") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return Paths.join(home, ".cache/kf/remote")
    }

    /// A fetched remote base: the folder holding the repository's files at the commit its ref named.
    public struct Checkout: Sendable, Equatable {
        /// The repository's root in the cache.
        public let tree: String
        public let commit: String
        /// Whether the copy was used without reaching the remote.
        public let offline: Bool
    }

    /// The repository of `spec` at its ref, fetched unless the ref is a commit already in the cache. When the
    /// remote cannot be reached and the cache has a copy of this URL and ref, that copy is used and `warn` says
    /// so; otherwise the error names the URL and says how to vendor the base.
    public func checkout(_ spec: RemoteSpec, warn: (String) -> Void) throws -> Checkout {
        let url = spec.cloneURL
        if spec.refIsCommit, isDirectory(treePath(spec.ref)) {
            return Checkout(tree: treePath(spec.ref), commit: spec.ref, offline: true)
        }
        do {
            try makeDirectories()
            let repository = try mirror(for: url)
            let lock = try RepositoryLock.acquire("kf-remote.lock", in: repository, timeout: max(120, spec.timeout * 4))
            defer { lock.release() }
            let commit = try fetch(spec, into: repository)
            let tree = try export(commit, from: repository)
            try record(commit, for: spec)
            return Checkout(tree: tree, commit: commit.hex, offline: false)
        } catch let GitError.remote(_, _, failure, message) {
            if failure != .other, let cached = recorded(spec), isDirectory(treePath(cached.commit)) {
                warn("warning: could not reach \(url) (\(message)); building '\(spec.raw)' from the copy of commit "
                     + "\(cached.commit.prefix(12)) fetched \(cached.fetched) and kept in \(directory)")
                return Checkout(tree: treePath(cached.commit), commit: cached.commit, offline: true)
            }
            throw unreachable(spec, failure: failure, message: message)
        } catch let error as ManifestsError {
            throw error
        } catch {
            throw ManifestsError.remoteBase(url: spec.raw, problem: "fetching \(url) into \(directory) failed: \(error)")
        }
    }

    // MARK: Fetching

    /// The commit `spec.ref` names, fetched into `repository` when it is not there yet.
    private func fetch(_ spec: RemoteSpec, into repository: Repository) throws -> ObjectID {
        let url = spec.cloneURL
        let deadline = Date().addingTimeInterval(spec.timeout)
        let advertised = try Repository.advertisedReferences(at: url)
        let wanted: AdvertisedReference?
        if spec.ref.isEmpty {
            let head = advertised.first { $0.name == "HEAD" }
            wanted = head.flatMap { h in h.symbolicTarget.flatMap { t in advertised.first { $0.name == t } } } ?? head
        } else {
            // git's order for a short name: as given, under refs/, a tag, a branch, a remote-tracking branch.
            let names = [spec.ref, "refs/" + spec.ref, "refs/tags/" + spec.ref, "refs/heads/" + spec.ref,
                         "refs/remotes/" + spec.ref, "refs/remotes/" + spec.ref + "/HEAD"]
            wanted = names.lazy.compactMap { name in advertised.first { $0.name == name } }.first
        }
        if let wanted {
            if !repository.contains(wanted.target) {
                let destination = "refs/kf/" + Self.key(url + "\n" + spec.ref)
                try repository.fetch(from: url, refspecs: ["+\(wanted.name):\(destination)"], deadline: deadline)
            }
            guard let commit = try repository.resolveCommit(wanted.target.hex) else {
                throw ManifestsError.remoteBase(url: spec.raw, problem: "'\(spec.ref)' in \(url) does not name a commit")
            }
            return commit
        }
        if spec.refIsCommit, let id = ObjectID(hex: spec.ref) {
            if !repository.contains(id) {
                // Servers advertise branches and tags only: fetch them all and look for the commit among them.
                try repository.fetch(from: url, refspecs: ["+refs/heads/*:refs/kf/all/heads/*",
                                                           "+refs/tags/*:refs/kf/all/tags/*"], deadline: deadline)
            }
            if repository.contains(id), let commit = try repository.resolveCommit(id.hex) { return commit }
            throw ManifestsError.remoteBase(url: spec.raw, problem: "commit \(spec.ref) is not in \(url) "
                + "(it is on none of its branches or tags)")
        }
        let known = advertised.map(\.name).filter { $0.hasPrefix("refs/heads/") || ($0.hasPrefix("refs/tags/") && !$0.hasSuffix("^{}")) }
            .map { $0.hasPrefix("refs/heads/") ? String($0.dropFirst(11)) : String($0.dropFirst(10)) }
        let listed = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", ..." : "")
        throw ManifestsError.remoteBase(url: spec.raw, problem: spec.ref.isEmpty
            ? "\(url) has no default branch (HEAD); give one with ?ref="
            : "\(url) has no branch or tag named '\(spec.ref)' (it has: \(listed.isEmpty ? "none" : listed)); "
                + "a commit must be given by its full 40-character id")
    }

    /// The repository fetches from `url` accumulate in, created under a temporary name and renamed into place.
    private func mirror(for url: String) throws -> Repository {
        let path = Paths.join(directory, "repos/" + Self.key(url))
        if let repository = try? Repository.open(at: path) { return repository }
        let temporary = Paths.join(directory, "repos/.tmp-" + UUID().uuidString)
        _ = try Repository.create(at: temporary)
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
        }
        return try Repository.open(at: path)
    }

    /// The folder holding `commit`'s files, written now unless another build already did.
    private func export(_ commit: ObjectID, from repository: Repository) throws -> String {
        let final = treePath(commit.hex)
        if isDirectory(final) { return final }
        let temporary = Paths.join(directory, "trees/.tmp-" + UUID().uuidString)
        do {
            try repository.exportTree(of: commit, into: temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if rename(temporary, final) != 0 {
            // Another build renamed the same commit into place first; its copy is identical.
            try? FileManager.default.removeItem(atPath: temporary)
            guard isDirectory(final) else {
                throw ManifestsError.remoteBase(url: repository.gitDirectory, problem:
                    "cannot move the files of \(commit.short) into \(final): \(String(cString: strerror(errno)))")
            }
        }
        return final
    }

    // MARK: Records of URL and ref

    private func recordPath(_ spec: RemoteSpec) -> String {
        Paths.join(directory, "refs/" + Self.key(spec.cloneURL + "\n" + spec.ref))
    }

    private func record(_ commit: ObjectID, for spec: RemoteSpec) throws {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let text = "\(commit.hex)\n\(stamp)\n\(spec.cloneURL)\n\(spec.ref)\n"
        let temporary = Paths.join(directory, "refs/.tmp-" + UUID().uuidString)
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, recordPath(spec)) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    private func recorded(_ spec: RemoteSpec) -> (commit: String, fetched: String)? {
        guard let data = FileManager.default.contents(atPath: recordPath(spec)) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, ObjectID(hex: String(lines[0])) != nil else { return nil }
        return (String(lines[0]), String(lines[1]))
    }

    // MARK: Errors

    private func unreachable(_ spec: RemoteSpec, failure: RemoteFailure, message: String) -> ManifestsError {
        let url = spec.cloneURL
        let at = spec.ref.isEmpty ? "" : " --branch \(spec.ref)"
        let vendor = "To build without the network, vendor the base: `git clone\(at) \(url)`, copy "
            + (spec.rootPath.isEmpty ? "the repository" : "its folder '\(spec.rootPath)'")
            + " into your kustomization's tree and list that local folder instead of the URL (or `kf build` "
            + "the local copy)"
        let problem: String
        switch failure {
        case .hostNotFound:
            problem = "cannot reach \(url): the host name does not resolve (no network, or no such host: \(message)) "
                + "and the cache (\(directory)) has no copy of it. " + vendor
        case .connectionFailed:
            problem = "cannot connect to the host of \(url) (\(message)) and the cache (\(directory)) has no copy of "
                + "it. " + vendor
        case .timedOut:
            problem = "fetching \(url) took longer than \(Int(spec.timeout))s (raise it with ?timeout=, e.g. "
                + "?timeout=120) and the cache has no copy of it. " + vendor
        case .repositoryNotFound:
            var text = "there is no git repository at \(url), or it needs credentials kf does not have (\(message)); "
                + "check the URL (ssh URLs use the keys of the running ssh-agent)"
            if spec.host.hasPrefix("http") {
                text += ". If the URL names a single file, kf does not download files over HTTP: save it next to "
                    + "the kustomization and list the local file"
            }
            problem = text
        case .other:
            problem = "fetching \(url) failed: \(message)"
        }
        return ManifestsError.remoteBase(url: spec.raw, problem: problem)
    }

    // MARK: Paths

    private func treePath(_ commit: String) -> String { Paths.join(directory, "trees/" + commit) }

    private func makeDirectories() throws {
        for sub in ["repos", "trees", "refs"] {
            try FileManager.default.createDirectory(atPath: Paths.join(directory, sub), withIntermediateDirectories: true)
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// A file name for a cache key: the first 32 hex digits of its SHA-256.
    static func key(_ text: String) -> String {
        String(SHA256.hex(Array(text.utf8)).prefix(32))
    }
}
