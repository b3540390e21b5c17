import CGit2

extension Repository {
    /// Every direct reference whose name matches `glob` (e.g. "refs/tags/*"), with its target.
    public func references(matching glob: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check("listing \(glob)", git_reference_iterator_glob_new(&iterator, handle, glob))
        defer { git_reference_iterator_free(iterator) }
        var result: [(name: String, target: ObjectID)] = []
        while true {
            var reference: OpaquePointer?
            let code = git_reference_next(&reference, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            try check("listing \(glob)", code)
            defer { git_reference_free(reference) }
            guard let target = git_reference_target(reference) else { continue }
            result.append((String(cString: git_reference_name(reference)), ObjectID(target)))
        }
        return result
    }

    /// The id a direct reference points at, or nil when it does not exist.
    public func referenceTarget(_ name: String) throws -> ObjectID? {
        var reference: OpaquePointer?
        let code = git_reference_lookup(&reference, handle, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { return nil }
        try check("reading \(name)", code)
        defer { git_reference_free(reference) }
        var resolved: OpaquePointer?
        try check("resolving \(name)", git_reference_resolve(&resolved, reference))
        defer { git_reference_free(resolved) }
        return git_reference_target(resolved).map { ObjectID($0) }
    }

    /// Creates `name` pointing at `target`; fails with `isAlreadyExists` when it exists.
    public func createReference(_ name: String, target: ObjectID, message: String) throws {
        var oid = target.oid
        var reference: OpaquePointer?
        try check("creating \(name)", git_reference_create(&reference, handle, name, &oid, 0, message))
        git_reference_free(reference)
    }

    /// Moves `name` to `target` only if it still points at `expected` (nil: only if it does not exist yet);
    /// fails with `isConcurrentModification` or `isAlreadyExists` when another writer got there first.
    public func updateReference(_ name: String, to target: ObjectID, expected: ObjectID?, message: String) throws {
        var oid = target.oid
        var reference: OpaquePointer?
        if var current = expected?.oid {
            try check("updating \(name)",
                      git_reference_create_matching(&reference, handle, name, &oid, 1, &current, message))
        } else {
            try check("creating \(name)", git_reference_create(&reference, handle, name, &oid, 0, message))
        }
        git_reference_free(reference)
    }

    /// Deletes `name` if it exists and, when `expected` is given, still points there. Returns whether it deleted.
    @discardableResult
    public func deleteReference(_ name: String, expected: ObjectID? = nil) throws -> Bool {
        var reference: OpaquePointer?
        let code = git_reference_lookup(&reference, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return false }
        try check("reading \(name)", code)
        defer { git_reference_free(reference) }
        if let expected, let target = git_reference_target(reference), ObjectID(target) != expected {
            throw GitError.failed(operation: "deleting \(name)", code: GIT_EMODIFIED.rawValue,
                                  message: "it moved to \(ObjectID(target).short) while kf worked")
        }
        try check("deleting \(name)", git_reference_delete(reference))
        return true
    }
}
