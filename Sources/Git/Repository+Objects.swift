import CGit2
import Foundation

extension Repository {
    /// The git directory (for a working tree, its `.git`), without a trailing slash.
    public var gitDirectory: String {
        var text = String(cString: git_repository_path(handle))
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The git directory shared by all worktrees of the repository (where refs live), without a trailing slash.
    public var commonDirectory: String {
        var text = String(cString: git_repository_commondir(handle))
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// Whether HEAD points straight at a commit instead of a branch.
    public var isHeadDetached: Bool {
        get throws { try check("checking HEAD", git_repository_head_detached(handle)) == 1 }
    }

    /// The commit `revision` names (a branch, tag, id prefix, `HEAD~2`...), peeling tags; nil when it names nothing.
    public func resolveCommit(_ revision: String) throws -> ObjectID? {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, revision)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EAMBIGUOUS.rawValue || code == GIT_EINVALIDSPEC.rawValue {
            return nil
        }
        try check("resolving \(revision)", code)
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        let peelCode = git_object_peel(&peeled, object, GIT_OBJECT_COMMIT)
        if peelCode == GIT_ENOTFOUND.rawValue || peelCode == GIT_EINVALIDSPEC.rawValue || peelCode == GIT_EPEEL.rawValue {
            return nil
        }
        try check("peeling \(revision) to a commit", peelCode)
        defer { git_object_free(peeled) }
        return ObjectID(git_object_id(peeled))
    }

    /// The commit with this id.
    public func commit(_ id: ObjectID) throws -> Commit {
        var oid = id.oid
        var pointer: OpaquePointer?
        try check("reading commit \(id.short)", git_commit_lookup(&pointer, handle, &oid))
        defer { git_commit_free(pointer) }
        let message = git_commit_message_raw(pointer).map { String(cString: $0) } ?? ""
        let parents = (0..<git_commit_parentcount(pointer)).compactMap { index in
            git_commit_parent_id(pointer, index).map { ObjectID($0) }
        }
        return Commit(id: id, message: message, author: Signature(git_commit_author(pointer)),
                      committer: Signature(git_commit_committer(pointer)), parents: parents)
    }

    /// The annotated tag object with this id, or nil when the id names another kind of object.
    public func annotatedTag(_ id: ObjectID) throws -> AnnotatedTag? {
        var oid = id.oid
        var object: OpaquePointer?
        try check("reading object \(id.short)", git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY))
        defer { git_object_free(object) }
        guard git_object_type(object) == GIT_OBJECT_TAG else { return nil }
        return Self.copyTag(object, id: id)
    }

    private static func copyTag(_ tag: OpaquePointer?, id: ObjectID) -> AnnotatedTag {
        AnnotatedTag(id: id, name: git_tag_name(tag).map { String(cString: $0) } ?? "",
                     target: ObjectID(git_tag_target_id(tag)),
                     targetIsCommit: git_tag_target_type(tag) == GIT_OBJECT_COMMIT,
                     tagger: git_tag_tagger(tag).map { Signature($0) },
                     message: git_tag_message(tag).map { String(cString: $0) } ?? "")
    }

    /// Every reference under refs/tags/ with the tag object it points at (nil for lightweight tags),
    /// in no particular order.
    public func tagReferences() throws -> [TagReference] {
        var result: [TagReference] = []
        for (name, target) in try references(matching: "refs/tags/*") {
            var oid = target.oid
            var object: OpaquePointer?
            let code = git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY)
            if code == GIT_ENOTFOUND.rawValue { continue }
            try check("reading the object of \(name)", code)
            defer { git_object_free(object) }
            let annotated = git_object_type(object) == GIT_OBJECT_TAG ? Self.copyTag(object, id: target) : nil
            result.append(TagReference(name: String(name.dropFirst("refs/tags/".count)), target: target,
                                       annotated: annotated))
        }
        return result
    }

    /// Writes an annotated tag object (no reference yet) and returns its id.
    public func createTagObject(name: String, target: ObjectID, tagger: Signature, message: String) throws -> ObjectID {
        var oid = target.oid
        var object: OpaquePointer?
        try check("reading commit \(target.short)", git_object_lookup(&object, handle, &oid, GIT_OBJECT_COMMIT))
        defer { git_object_free(object) }
        var created = git_oid()
        try tagger.withGitSignature { signature in
            try check("writing tag object \(name)",
                      git_tag_annotation_create(&created, handle, name, object, signature, message))
        }
        return ObjectID(created)
    }

    /// The bytes of the file at `path` in the tree of `revision`, or nil when there is no such file.
    public func fileContents(_ path: String, at revision: String = "HEAD") throws -> Data? {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, "\(revision):\(path)")
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue || code == GIT_EUNBORNBRANCH.rawValue {
            return nil
        }
        try check("reading \(path) at \(revision)", code)
        defer { git_object_free(object) }
        guard git_object_type(object) == GIT_OBJECT_BLOB else { return nil }
        let size = Int(git_blob_rawsize(object))
        guard let bytes = git_blob_rawcontent(object) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The identity new tags and notes are written with: GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL when set,
    /// else user.name / user.email from git config, at the current time.
    public func committerSignature() throws -> Signature {
        let environment = ProcessInfo.processInfo.environment
        let configuredName = try configString("user.name")
        let configuredEmail = try configString("user.email")
        let name = environment["GIT_COMMITTER_NAME"] ?? configuredName
        let email = environment["GIT_COMMITTER_EMAIL"] ?? configuredEmail
        guard let name, let email, !name.isEmpty, !email.isEmpty else {
            throw GitError.failed(operation: "finding who is writing", code: GIT_ENOTFOUND.rawValue,
                                  message: "git user name and email must be configured "
                                      + "(git config user.name NAME; git config user.email EMAIL)")
        }
        return Signature.now(name: name, email: email)
    }

    /// A string from the repository's git configuration (repository, global and system), or nil when unset.
    public func configString(_ key: String) throws -> String? {
        var config: OpaquePointer?
        try check("reading git configuration", git_repository_config_snapshot(&config, handle))
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, config, key)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("reading \(key) from git configuration", code)
        return value.map { String(cString: $0) }
    }
}
