import CGit2

/// Collects note entries from git_note_foreach.
private final class NoteCollector {
    var entries: [ObjectID: ObjectID] = [:]
}

extension Repository {
    /// The note attached to `object` under `notesRef` (e.g. "refs/notes/kf"), or nil when there is none.
    public func note(on object: ObjectID, notesRef: String) throws -> String? {
        guard try referenceTarget(notesRef) != nil else { return nil }
        var oid = object.oid
        var note: OpaquePointer?
        let code = git_note_read(&note, handle, notesRef, &oid)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("reading the note on \(object.short) in \(notesRef)", code)
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }

    /// Every annotated object under `notesRef` mapped to the blob of its note.
    public func noteEntries(notesRef: String) throws -> [ObjectID: ObjectID] {
        guard try referenceTarget(notesRef) != nil else { return [:] }
        let collector = NoteCollector()
        let payload = Unmanaged.passUnretained(collector).toOpaque()
        try check("listing notes in \(notesRef)", git_note_foreach(handle, notesRef, { blob, annotated, payload in
            guard let blob, let annotated, let payload else { return 0 }
            let collector = Unmanaged<NoteCollector>.fromOpaque(payload).takeUnretainedValue()
            collector.entries[ObjectID(annotated)] = ObjectID(blob)
            return 0
        }, payload))
        return collector.entries
    }

    /// Writes a notes commit on top of `parent` (nil: a new notes history) that sets `text` as the note on
    /// `object`, replacing any note it had. Does not move any reference; returns the new commit.
    public func noteCommit(setting text: String, on object: ObjectID, parent: ObjectID?,
                           signature: Signature) throws -> ObjectID {
        try withCommit(parent) { parentCommit in
            var target = object.oid
            var commitOut = git_oid()
            var blobOut = git_oid()
            try signature.withGitSignature { sig in
                try check("writing the note on \(object.short)",
                          git_note_commit_create(&commitOut, &blobOut, handle, parentCommit, sig, sig, &target, text, 1))
            }
            return ObjectID(commitOut)
        }
    }

    /// Writes a notes commit on top of `parent` without the note on `object`; returns `parent` when there was none.
    public func noteCommit(removingNoteOn object: ObjectID, parent: ObjectID, signature: Signature) throws -> ObjectID {
        try withCommit(parent) { parentCommit in
            var target = object.oid
            var note: OpaquePointer?
            let readCode = git_note_commit_read(&note, handle, parentCommit, &target)
            if readCode == GIT_ENOTFOUND.rawValue { return parent }
            try check("reading the note on \(object.short)", readCode)
            git_note_free(note)
            var commitOut = git_oid()
            try signature.withGitSignature { sig in
                try check("removing the note on \(object.short)",
                          git_note_commit_remove(&commitOut, handle, parentCommit, sig, sig, &target))
            }
            return ObjectID(commitOut)
        }
    }

    /// Whether `descendant` has `ancestor` in its history (or is it).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        var a = descendant.oid
        var b = ancestor.oid
        return try check("comparing \(descendant.short) with \(ancestor.short)", git_graph_descendant_of(handle, &a, &b)) == 1
    }

    /// A commit with the tree of `treeOf` and the given parents (used to join two notes histories).
    public func mergeCommit(treeOf source: ObjectID, parents: [ObjectID], message: String,
                            signature: Signature) throws -> ObjectID {
        var commits: [OpaquePointer?] = []
        defer { commits.forEach { git_commit_free($0) } }
        for parent in parents {
            var oid = parent.oid
            var pointer: OpaquePointer?
            try check("reading commit \(parent.short)", git_commit_lookup(&pointer, handle, &oid))
            commits.append(pointer)
        }
        return try withCommit(source) { sourceCommit in
            var tree: OpaquePointer?
            try check("reading the tree of \(source.short)", git_commit_tree(&tree, sourceCommit))
            defer { git_tree_free(tree) }
            var out = git_oid()
            try signature.withGitSignature { sig in
                try commits.withUnsafeMutableBufferPointer { buffer in
                    try buffer.baseAddress!.withMemoryRebound(to: OpaquePointer?.self, capacity: buffer.count) { base in
                        try check("writing a merge commit", git_commit_create(
                            &out, handle, nil, sig, sig, nil, message, tree, buffer.count, base))
                    }
                }
            }
            return ObjectID(out)
        }
    }

    /// Runs `body` with the looked-up commit (nil when `id` is nil); the pointer never escapes.
    private func withCommit<T>(_ id: ObjectID?, _ body: (OpaquePointer?) throws -> T) throws -> T {
        guard let id else { return try body(nil) }
        var oid = id.oid
        var pointer: OpaquePointer?
        try check("reading commit \(id.short)", git_commit_lookup(&pointer, handle, &oid))
        defer { git_commit_free(pointer) }
        return try body(pointer)
    }
}
