import CGit2
import Foundation

/// An open git repository. Owns its libgit2 handle and frees it when released.
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        git_repository_free(handle)
    }

    /// Opens the repository at `path` exactly (no search upwards).
    public static func open(at path: String) throws -> Repository {
        Libgit2.ensureInitialised()
        var pointer: OpaquePointer?
        try check("opening repository at \(path)", git_repository_open(&pointer, path))
        return Repository(handle: pointer!)
    }

    /// Creates a new repository at `path` (a working tree with `.git/`), whose first branch is `initialBranch`.
    public static func create(at path: String, initialBranch: String = "main") throws -> Repository {
        Libgit2.ensureInitialised()
        var options = git_repository_init_options()
        try check("preparing init options", git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue
        var pointer: OpaquePointer?
        try initialBranch.withCString { branch in
            options.initial_head = branch
            try check("creating repository at \(path)", git_repository_init_ext(&pointer, path, &options))
        }
        return Repository(handle: pointer!)
    }

    /// The root of the repository that contains `path`, searching upwards, or nil when there is none.
    public static func discover(from path: String) throws -> String? {
        Libgit2.ensureInitialised()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = git_repository_discover(&buffer, path, 0, nil)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("looking for a repository above \(path)", code)
        let gitDir = String(cString: buffer.ptr)
        let repository = try open(at: gitDir)
        return repository.workingDirectory ?? gitDir
    }

    /// The working directory (without a trailing slash), or nil for a bare repository.
    public var workingDirectory: String? {
        guard let path = git_repository_workdir(handle) else { return nil }
        var text = String(cString: path)
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Whether HEAD names a branch that has no commit yet (a new repository).
    public var isHeadUnborn: Bool {
        get throws { try check("checking whether HEAD is unborn", git_repository_head_unborn(handle)) == 1 }
    }

    /// The short name of the branch HEAD points at (also for an unborn branch), or nil when HEAD is detached.
    public var currentBranch: String? {
        get throws {
            if try check("checking HEAD", git_repository_head_detached(handle)) == 1 { return nil }
            var reference: OpaquePointer?
            try check("reading HEAD", git_reference_lookup(&reference, handle, "HEAD"))
            defer { git_reference_free(reference) }
            guard let target = git_reference_symbolic_target(reference) else { return nil }
            let name = String(cString: target)
            return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
        }
    }
}
