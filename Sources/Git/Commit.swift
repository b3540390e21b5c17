/// A commit, copied out of libgit2.
public struct Commit: Equatable, Sendable {
    public let id: ObjectID
    /// The raw message, as stored (usually ending in a newline).
    public let message: String
    public let author: Signature
    public let committer: Signature
    public let parents: [ObjectID]
}

/// An annotated tag object, copied out of libgit2.
public struct AnnotatedTag: Equatable, Sendable {
    /// The id of the tag object itself.
    public let id: ObjectID
    /// The name written in the tag object.
    public let name: String
    /// The id of the object the tag points at (a commit for registry tags).
    public let target: ObjectID
    public let targetIsCommit: Bool
    public let tagger: Signature?
    /// The message, byte for byte (GTO writes no trailing newline).
    public let message: String
}

/// One reference under refs/tags/: its short name and, when it points at a tag object, that object.
public struct TagReference: Equatable, Sendable {
    /// The name after refs/tags/.
    public let name: String
    /// What the reference points at.
    public let target: ObjectID
    /// The annotated tag object, or nil for a lightweight tag.
    public let annotated: AnnotatedTag?
}
