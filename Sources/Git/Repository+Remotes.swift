import CGit2
import Foundation

/// Collects per-reference push results from libgit2's callback.
private final class PushReport {
    var rejections: [String] = []
}

/// Answers a server's request for credentials: an ssh key from the running ssh-agent, else nothing.
private let credentialsFromAgent: git_credential_acquire_cb = { out, _, usernameFromURL, allowedTypes, _ in
    guard let out else { return GIT_PASSTHROUGH.rawValue }
    if allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
        if let usernameFromURL { return git_credential_ssh_key_from_agent(out, usernameFromURL) }
        return git_credential_ssh_key_from_agent(out, "git")
    }
    return GIT_PASSTHROUGH.rawValue
}

extension Repository {
    /// The URL of the remote called `name`, or nil when there is no such remote.
    public func remoteURL(_ name: String) throws -> String? {
        var remote: OpaquePointer?
        let code = git_remote_lookup(&remote, handle, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { return nil }
        try check("reading remote \(name)", code)
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    /// Runs `body` with the remote named `nameOrURL`, or an anonymous remote for a URL or path.
    private func withRemote<T>(_ nameOrURL: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        var remote: OpaquePointer?
        var code = git_remote_lookup(&remote, handle, nameOrURL)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue {
            code = git_remote_create_anonymous(&remote, handle, nameOrURL)
        }
        try check("opening remote \(nameOrURL)", code)
        defer { git_remote_free(remote) }
        return try body(remote)
    }

    /// Pushes `refspecs` (e.g. "refs/tags/a@v1:refs/tags/a@v1", ":refs/tags/old" to delete) to the remote named
    /// `nameOrURL` (or to that URL). Throws `pushRejected` when the remote refuses any reference.
    public func push(to nameOrURL: String, refspecs: [String]) throws {
        let report = PushReport()
        try withRemote(nameOrURL) { remote in
            var options = git_push_options()
            try check("preparing push options", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
            options.callbacks.credentials = credentialsFromAgent
            options.callbacks.push_update_reference = { reference, status, payload in
                guard let status, let payload else { return 0 }
                let report = Unmanaged<PushReport>.fromOpaque(payload).takeUnretainedValue()
                let name = reference.map { String(cString: $0) } ?? "?"
                report.rejections.append("\(name): \(String(cString: status))")
                return 0
            }
            options.callbacks.payload = Unmanaged.passUnretained(report).toOpaque()
            try withStrArray(refspecs) { array in
                try check("pushing to \(nameOrURL)", git_remote_push(remote, array, &options))
            }
        }
        if !report.rejections.isEmpty {
            throw GitError.pushRejected(remote: nameOrURL, rejections: report.rejections)
        }
    }

    /// Fetches `refspecs` from the remote named `nameOrURL` (or that URL); with `prune`, deletes local references
    /// under the refspecs' destinations that the remote no longer has.
    public func fetch(from nameOrURL: String, refspecs: [String], prune: Bool) throws {
        try withRemote(nameOrURL) { remote in
            var options = git_fetch_options()
            try check("preparing fetch options", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
            options.callbacks.credentials = credentialsFromAgent
            options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            try withStrArray(refspecs) { array in
                try check("fetching from \(nameOrURL)", git_remote_fetch(remote, array, &options, "kf: fetch"))
            }
        }
    }

    /// Clones `url` into `path`; `bare` leaves out the working tree.
    public static func clone(from url: String, to path: String, bare: Bool) throws -> Repository {
        Libgit2.ensureInitialised()
        var options = git_clone_options()
        try check("preparing clone options", git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)))
        options.bare = bare ? 1 : 0
        options.fetch_opts.callbacks.credentials = credentialsFromAgent
        var pointer: OpaquePointer?
        try check("cloning \(url) into \(path)", git_clone(&pointer, url, path, &options))
        git_repository_free(pointer)
        return try open(at: path)
    }
}
