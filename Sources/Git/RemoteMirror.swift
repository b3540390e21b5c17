import CGit2
import Foundation

/// One reference a remote advertises (what `git ls-remote` prints).
public struct AdvertisedReference: Equatable, Sendable {
    /// The full name, e.g. "HEAD", "refs/heads/main", "refs/tags/v1" or "refs/tags/v1^{}" (a peeled tag).
    public let name: String
    public let target: ObjectID
    /// For HEAD, the branch it points at when the server said so.
    public let symbolicTarget: String?
}

/// Why a remote could not be used, sorted out of libgit2's error class and message.
public enum RemoteFailure: Equatable, Sendable {
    /// The host name did not resolve: no network, or no such host.
    case hostNotFound
    /// The host resolved but could not be reached (refused, unreachable, timed out while connecting).
    case connectionFailed
    /// The host answered but there is no repository there, or it needs credentials kf does not have.
    case repositoryNotFound
    /// The transfer ran past its deadline.
    case timedOut
    /// Anything else (a protocol error, a corrupt pack).
    case other
}

/// Carries a deadline into libgit2's progress callback, which aborts the transfer once it has passed.
private final class TransferDeadline {
    let deadline: Date?
    var expired = false
    init(_ deadline: Date?) { self.deadline = deadline }
}

/// Turns a failed remote call into `GitError.remote`, classifying the failure; other codes pass.
private func checkRemote(_ operation: @autoclosure () -> String, url: String, _ code: Int32,
                         deadline: TransferDeadline? = nil) throws {
    guard code < 0 else { return }
    var message = "unknown error"
    var errorClass: Int32 = 0
    if let last = git_error_last() {
        if let text = last.pointee.message { message = String(cString: text) }
        errorClass = last.pointee.klass
    }
    let kind: RemoteFailure
    let lower = message.lowercased()
    if deadline?.expired == true {
        kind = .timedOut
        message = "the transfer ran past its deadline"
    } else if lower.contains("resolve address") || lower.contains("name or service not known")
                || lower.contains("temporary failure in name resolution") || lower.contains("no address associated") {
        kind = .hostNotFound
    } else if lower.contains("failed to connect") || lower.contains("connection refused")
                || lower.contains("network is unreachable") || lower.contains("no route to host")
                || lower.contains("timed out") {
        kind = .connectionFailed
    } else if code == GIT_ENOTFOUND.rawValue || lower.contains("could not find repository")
                || lower.contains("failed to resolve path") || lower.contains("no such file or directory")
                || lower.contains("not found") || lower.contains("404") || lower.contains("401")
                || lower.contains("403") || code == GIT_EAUTH.rawValue
                || lower.contains("authentication") {
        kind = .repositoryNotFound
    } else if errorClass == Int32(GIT_ERROR_NET.rawValue) || errorClass == Int32(GIT_ERROR_SSH.rawValue)
                || errorClass == Int32(GIT_ERROR_OS.rawValue) {
        kind = .connectionFailed
    } else {
        kind = .other
    }
    throw GitError.remote(operation: operation(), url: url, failure: kind, message: message)
}

/// Callbacks shared by listing and fetching: credentials from the ssh agent, the deadline in progress reports.
private func remoteCallbacks(_ deadline: TransferDeadline) -> git_remote_callbacks {
    var callbacks = git_remote_callbacks()
    git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
    callbacks.credentials = { out, _, usernameFromURL, allowedTypes, _ in
        guard let out else { return GIT_PASSTHROUGH.rawValue }
        if allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            if let usernameFromURL { return git_credential_ssh_key_from_agent(out, usernameFromURL) }
            return git_credential_ssh_key_from_agent(out, "git")
        }
        return GIT_PASSTHROUGH.rawValue
    }
    callbacks.transfer_progress = { _, payload in
        guard let payload else { return 0 }
        let deadline = Unmanaged<TransferDeadline>.fromOpaque(payload).takeUnretainedValue()
        if let limit = deadline.deadline, Date() > limit {
            deadline.expired = true
            return -1
        }
        return 0
    }
    callbacks.payload = Unmanaged.passUnretained(deadline).toOpaque()
    return callbacks
}

extension Repository {
    /// The references the repository at `url` advertises (`git ls-remote url`), without a local repository.
    public static func advertisedReferences(at url: String) throws -> [AdvertisedReference] {
        Libgit2.ensureInitialised()
        var remote: OpaquePointer?
        let created = git_remote_create_detached(&remote, url)
        try checkRemote("opening remote \(url)", url: url, created)
        defer { git_remote_free(remote) }
        let deadline = TransferDeadline(nil)
        var callbacks = remoteCallbacks(deadline)
        let connected = withExtendedLifetime(deadline) {
            git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil)
        }
        try checkRemote("connecting to \(url)", url: url, connected)
        defer { git_remote_disconnect(remote) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try checkRemote("listing the references of \(url)", url: url, git_remote_ls(&heads, &count, remote))
        var result: [AdvertisedReference] = []
        for index in 0..<count {
            guard let head = heads?[index]?.pointee, let name = head.name else { continue }
            result.append(AdvertisedReference(name: String(cString: name), target: ObjectID(head.oid),
                                              symbolicTarget: head.symref_target.map { String(cString: $0) }))
        }
        return result
    }

    /// Fetches `refspecs` from `url` into this repository, giving up once `deadline` has passed; failures to reach
    /// the remote come out as `GitError.remote` with their kind.
    public func fetch(from url: String, refspecs: [String], deadline: Date?) throws {
        var remote: OpaquePointer?
        let created = git_remote_create_anonymous(&remote, handle, url)
        try checkRemote("opening remote \(url)", url: url, created)
        defer { git_remote_free(remote) }
        let limit = TransferDeadline(deadline)
        var options = git_fetch_options()
        try check("preparing fetch options", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
        options.callbacks = remoteCallbacks(limit)
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.update_fetchhead = 0
        try withExtendedLifetime(limit) {
            try withStrArray(refspecs) { array in
                let fetched = git_remote_fetch(remote, array, &options, "kf: remote base")
                try checkRemote("fetching from \(url)", url: url, fetched, deadline: limit)
            }
        }
    }

    /// Writes the files of `commit`'s tree into `directory` (created; it must not exist yet), as a checkout would,
    /// without touching this repository's HEAD or index. Works on bare repositories.
    public func exportTree(of commit: ObjectID, into directory: String) throws {
        var oid = commit.oid
        var object: OpaquePointer?
        try check("reading commit \(commit.short)", git_object_lookup(&object, handle, &oid, GIT_OBJECT_COMMIT))
        defer { git_object_free(object) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = git_checkout_options()
        try check("preparing checkout options", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_DONT_UPDATE_INDEX.rawValue
            | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH.rawValue
        try directory.withCString { target in
            options.target_directory = target
            try check("writing the tree of \(commit.short) into \(directory)", git_checkout_tree(handle, object, &options))
        }
    }

    /// Whether the object database has this object.
    public func contains(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        defer { git_odb_free(odb) }
        var oid = id.oid
        return git_odb_exists(odb, &oid) == 1
    }
}
