import Foundation
import Git

/// A git repository used as a GTO-compatible model registry: reads its state and writes tags (with kf's notes)
/// under a lock, so concurrent kf writers never lose a version and nothing is left half-written.
public final class ModelRegistry {
    public let repository: Repository
    public let config: RegistryConfig
    /// How the repository is named in messages (its path or URL).
    public let location: String
    static let lockName = "kf-registry.lock"

    public init(repository: Repository, config: RegistryConfig, location: String) {
        self.repository = repository
        self.config = config
        self.location = location
    }

    /// What a write did.
    public struct Outcome: Equatable, Sendable {
        public enum Kind: Equatable, Sendable { case created, existing, deleted }
        public var kind: Kind
        public var tags: [String]
        public var artifact: String
        public var version: String?
        public var stage: String?
        public var pushedTo: String?
    }

    public func state() throws -> RegistryState { try RegistryState.load(from: repository) }

    /// The kf note of the tag `tag` (nil when the tag has none, e.g. it was written by gto).
    public func metadata(forTag tag: String) throws -> VersionMetadata? {
        guard let object = try repository.referenceTarget("refs/tags/" + tag),
              let text = try repository.note(on: object, notesRef: VersionMetadata.notesRef) else { return nil }
        return try VersionMetadata.parse(note: text, tag: tag)
    }

    /// The kf note of a version: the one on its latest registration tag.
    public func metadata(for version: ArtifactVersion) throws -> VersionMetadata? {
        guard let tag = version.registrations.last?.tag else { return nil }
        return try metadata(forTag: tag)
    }

    // MARK: register

    public struct RegisterRequest: Sendable {
        public var name: String
        public var ref: String
        public var version: String?
        public var bump: SemanticVersion.Part?
        public var message: String?
        public var metadata: VersionMetadata

        public init(name: String, ref: String = "HEAD", version: String? = nil, bump: SemanticVersion.Part? = nil,
                    message: String? = nil, metadata: VersionMetadata = VersionMetadata()) {
            self.name = name
            self.ref = ref
            self.version = version
            self.bump = bump
            self.message = message
            self.metadata = metadata
        }
    }

    /// GTO's register: `NAME@vX.Y.Z` on REF, the next patch (or --bump) after the highest version, v0.0.1 first,
    /// one version per commit. Registering the same commit again with the same digest returns the existing version.
    public func register(_ request: RegisterRequest, pushTo remote: String? = nil) throws -> Outcome {
        let name = request.name
        guard ArtifactName.isValid(name) else { throw RegistryError.invalidName(name: name) }
        if let version = request.version, SemanticVersion(version) == nil {
            throw RegistryError.invalidVersion(version: version)
        }
        if let type = request.metadata.type { try config.checkType(type) }
        let commit = try resolve(request.ref)
        let lock = try RepositoryLock.acquire(Self.lockName, in: repository)
        defer { lock.release() }
        try pruneOrphanNotes()
        var lastTried: String?
        while true {
            let state = try self.state()
            let artifact = state.artifacts[name]
            let found = try artifact?.findVersion(commit: commit.hex)
            var version = request.version
            if let found {
                if found.isRegistered && found.isActive {
                    let existing = try metadata(for: found)
                    let sameVersion = request.version == nil || request.version == found.version
                    if sameVersion && existing?.digest == request.metadata.digest {
                        return Outcome(kind: .existing, tags: found.registrations.compactMap(\.tag), artifact: name,
                                       version: found.version, stage: nil, pushedTo: nil)
                    }
                    throw RegistryError.commitAlreadyRegistered(
                        artifact: name, version: found.version, commit: commit.short,
                        reason: Self.refusalReason(existing: existing, requested: request, found: found))
                }
                if version == nil {
                    version = found.version
                } else if found.version != version {
                    throw RegistryError.onlyVersionForCommit(artifact: name, version: found.version, commit: commit.short)
                }
            }
            let chosen: String
            if let version {
                if let other = try artifact?.findVersion(name: version), other !== found {
                    throw RegistryError.versionAlreadyRegistered(artifact: name, version: version)
                }
                chosen = version
            } else if let last = artifact?.latestVersion(registeredOnly: true), let semantic = last.semanticVersion {
                chosen = semantic.bumped(request.bump ?? .patch).text
            } else if request.bump != nil {
                throw RegistryError.bumpWithoutVersions(artifact: name)
            } else {
                chosen = SemanticVersion.minimal.text
            }
            let tag = TagName.simple(.register, artifact: name, version: chosen)
            if try repository.referenceTarget("refs/tags/" + tag) != nil {
                // Another writer (gto, or git) made it between our read and now: read again once, then give up.
                if lastTried == tag { throw RegistryError.tagExists(tag: tag) }
                lastTried = tag
                continue
            }
            let message = request.message ?? "Registering artifact \(name) version \(chosen)"
            let written: WrittenTag
            do {
                written = try writeTag(tag, on: commit, message: message, note: request.metadata.noteText)
            } catch let error as GitError where error.isAlreadyExists {
                if lastTried == tag { throw RegistryError.tagExists(tag: tag) }
                lastTried = tag
                continue
            }
            let pushed = try push([written], deleted: [], to: remote)
            return Outcome(kind: .created, tags: [tag], artifact: name, version: chosen, stage: nil, pushedTo: pushed)
        }
    }

    static func refusalReason(existing: VersionMetadata?, requested: RegisterRequest, found: ArtifactVersion) -> String {
        if let version = requested.version, version != found.version {
            return "it cannot also be \(version); commit the new model and register that commit"
        }
        switch (existing?.digest, requested.metadata.digest) {
        case let (old?, new?):
            return "the artifact differs (registered \(old), now \(new)): commit the new artifact and register that commit, "
                + "or deprecate \(found.version) first"
        case (nil, .some):
            return "\(found.version) was registered without a digest, so kf cannot tell it is the same artifact; "
                + "commit the new artifact and register that commit"
        case (.some, nil):
            return "\(found.version) records a digest; pass the same --path to re-run safely"
        case (nil, nil):
            return "commit the new model and register that commit"
        }
    }

    // MARK: promote

    /// GTO's assign: `NAME#STAGE#N` (N one more than the artifact's highest counter) or `NAME#STAGE` with `simple`.
    public func assign(name: String, version: String, stage: String, message: String? = nil, simple: Bool = false,
                       force: Bool = false, pushTo remote: String? = nil) throws -> Outcome {
        guard ArtifactName.isValid(name) else { throw RegistryError.invalidName(name: name) }
        try config.checkStage(stage)
        guard SemanticVersion(version) != nil else { throw RegistryError.invalidVersion(version: version) }
        let lock = try RepositoryLock.acquire(Self.lockName, in: repository)
        defer { lock.release() }
        var lastTried: String?
        while true {
            let state = try self.state()
            guard let found = try state.artifacts[name]?.findVersion(name: version) else {
                throw RegistryError.versionNotFound(artifact: name, version: version)
            }
            if !force && found.activeStages().contains(where: { $0.stage == stage }) {
                throw RegistryError.alreadyInStage(artifact: name, version: version, stage: stage)
            }
            let base = TagName.simple(.assign, artifact: name, stage: stage)
            let tag = simple ? base : base + "#\(try nextCounter(for: name))"
            guard let commit = ObjectID(hex: found.commit) else { throw RegistryError.versionNotFound(artifact: name, version: version) }
            let text = message ?? "Assigning stage \(stage) to artifact \(name) version \(version)"
            do {
                if try repository.referenceTarget("refs/tags/" + tag) != nil {
                    throw GitError.failed(operation: "creating \(tag)", code: -4, message: "exists")
                }
                let written = try writeTag(tag, on: commit, message: text, note: nil)
                let pushed = try push([written], deleted: [], to: remote)
                return Outcome(kind: .created, tags: [tag], artifact: name, version: version, stage: stage, pushedTo: pushed)
            } catch let error as GitError where error.isAlreadyExists {
                if simple || lastTried == tag { throw RegistryError.tagExists(tag: tag) }
                lastTried = tag
            }
        }
    }

    /// One more than the highest `#N` counter of any tag of the artifact (GTO counts across all its stages).
    func nextCounter(for name: String) throws -> Int {
        var highest = 0
        for (reference, _) in try repository.references(matching: "refs/tags/*") {
            guard let parsed = TagName(parsing: String(reference.dropFirst("refs/tags/".count))),
                  parsed.artifact == name, let counter = parsed.counter else { continue }
            highest = max(highest, counter)
        }
        return highest + 1
    }

    // MARK: deprecate

    /// GTO's deprecate: `NAME#STAGE!#N` (with a stage), `NAME@vX.Y.Z!` (with a version), `NAME@deprecated`
    /// (the artifact); with `delete`, removes the tags instead of adding one.
    public func deprecate(name: String, version: String? = nil, stage: String? = nil, message: String? = nil,
                          delete: Bool = false, pushTo remote: String? = nil) throws -> Outcome {
        guard ArtifactName.isValid(name) else { throw RegistryError.invalidName(name: name) }
        if let stage { try config.checkStage(stage) }
        if let version, SemanticVersion(version) == nil { throw RegistryError.invalidVersion(version: version) }
        let lock = try RepositoryLock.acquire(Self.lockName, in: repository)
        defer { lock.release() }
        let state = try self.state()
        if let version, let stage {
            guard let artifact = state.artifacts[name] else { throw RegistryError.artifactNotFound(name: name) }
            guard let found = try artifact.findVersion(name: version) else {
                throw RegistryError.versionNotFound(artifact: name, version: version)
            }
            guard found.stages[stage] != nil else {
                throw RegistryError.stageNotAssigned(artifact: name, version: version, stage: stage)
            }
            if delete {
                let tags = distinctTags(found.events(ascending: true).filter { $0.stage == stage })
                return try deleteTags(tags, artifact: name, version: version, stage: stage, pushTo: remote)
            }
            let tag = TagName.simple(.unassign, artifact: name, stage: stage) + "#\(try nextCounter(for: name))"
            let text = message ?? "Unassigning stage '\(stage)' to artifact '\(name)' version '\(version)'"
            return try create(tag, on: found.commit, message: text, artifact: name, version: version, stage: stage, pushTo: remote)
        }
        if let version {
            guard let found = try state.artifacts[name]?.findVersion(name: version) else {
                throw RegistryError.versionNotFound(artifact: name, version: version)
            }
            guard found.isRegistered else { throw RegistryError.versionNotRegistered(artifact: name, commit: String(found.commit.prefix(7))) }
            guard found.isActive else { throw RegistryError.versionDeregistered(artifact: name, version: version) }
            if delete {
                return try deleteTags(distinctTags(found.events(ascending: true)), artifact: name, version: version,
                                      stage: nil, pushTo: remote)
            }
            let tag = TagName.simple(.deregister, artifact: name, version: version)
            let text = message ?? "Deregistering artifact \(name) version \(version)"
            return try create(tag, on: found.commit, message: text, artifact: name, version: version, stage: nil, pushTo: remote)
        }
        guard let artifact = state.artifacts[name] else { throw RegistryError.artifactNotFound(name: name) }
        guard artifact.isActive else { throw RegistryError.alreadyDeprecated(artifact: name) }
        if delete {
            return try deleteTags(distinctTags(artifact.events().reversed()), artifact: name, version: nil, stage: nil,
                                  pushTo: remote)
        }
        guard let latest = artifact.events().first else { throw RegistryError.artifactNotFound(name: name) }
        let text = message ?? "Deprecating artifact '\(name)'"
        return try create(TagName.simple(.deprecate, artifact: name), on: latest.commit, message: text, artifact: name,
                          version: nil, stage: nil, pushTo: remote)
    }

    private func distinctTags(_ events: [Event]) -> [String] {
        var seen = Set<String>()
        return events.compactMap(\.tag).filter { seen.insert($0).inserted }
    }

    private func create(_ tag: String, on commitHex: String, message: String, artifact: String, version: String?,
                        stage: String?, pushTo remote: String?) throws -> Outcome {
        guard let commit = ObjectID(hex: commitHex) else { throw RegistryError.unresolvableRef(ref: commitHex, repository: location) }
        if try repository.referenceTarget("refs/tags/" + tag) != nil { throw RegistryError.tagExists(tag: tag) }
        let written: WrittenTag
        do {
            written = try writeTag(tag, on: commit, message: message, note: nil)
        } catch let error as GitError where error.isAlreadyExists {
            throw RegistryError.tagExists(tag: tag)
        }
        let pushed = try push([written], deleted: [], to: remote)
        return Outcome(kind: .created, tags: [tag], artifact: artifact, version: version, stage: stage, pushedTo: pushed)
    }

    // MARK: writing

    /// A tag this process wrote, with what is needed to take it back.
    struct WrittenTag {
        var name: String
        var object: ObjectID
        var notesBefore: ObjectID?
        var notesAfter: ObjectID?
    }

    /// Writes the tag object, then its note (moving refs/notes/kf only if nobody else moved it), then the tag
    /// reference; when the reference cannot be created the note is taken back, so neither exists without the other.
    func writeTag(_ name: String, on commit: ObjectID, message: String, note: String?) throws -> WrittenTag {
        let tagger = try repository.committerSignature()
        let object = try repository.createTagObject(name: name, target: commit, tagger: tagger, message: message)
        var written = WrittenTag(name: name, object: object)
        if let note {
            let before = try repository.referenceTarget(VersionMetadata.notesRef)
            let after = try repository.noteCommit(setting: note, on: object, parent: before, signature: tagger)
            try repository.updateReference(VersionMetadata.notesRef, to: after, expected: before,
                                           message: "kf: note for \(name)")
            written.notesBefore = before
            written.notesAfter = after
        }
        do {
            try repository.createReference("refs/tags/" + name, target: object, message: "kf: \(name)")
        } catch {
            try? restoreNotes(written)
            throw error
        }
        return written
    }

    private func restoreNotes(_ written: WrittenTag) throws {
        guard let after = written.notesAfter else { return }
        if let before = written.notesBefore {
            try repository.updateReference(VersionMetadata.notesRef, to: before, expected: after,
                                           message: "kf: roll back the note for \(written.name)")
        } else {
            try repository.deleteReference(VersionMetadata.notesRef, expected: after)
        }
    }

    /// Removes notes under refs/notes/kf whose tag no longer exists (deleted by gto or git, or left by a writer that
    /// died between the note and the tag), so no note outlives its tag. Runs under the registry lock.
    func pruneOrphanNotes() throws {
        guard let before = try repository.referenceTarget(VersionMetadata.notesRef) else { return }
        let live = Set(try repository.references(matching: "refs/tags/*").map(\.target))
        let orphans = try repository.noteEntries(notesRef: VersionMetadata.notesRef).keys.filter { !live.contains($0) }
        guard !orphans.isEmpty else { return }
        let signature = try repository.committerSignature()
        var tip = before
        for object in orphans.sorted() {
            tip = try repository.noteCommit(removingNoteOn: object, parent: tip, signature: signature)
        }
        try repository.updateReference(VersionMetadata.notesRef, to: tip, expected: before,
                                       message: "kf: drop notes whose tags are gone")
    }

    /// Takes back tags this process wrote: their references, then their notes.
    private func rollBack(_ tags: [WrittenTag]) {
        for tag in tags.reversed() {
            _ = try? repository.deleteReference("refs/tags/" + tag.name, expected: tag.object)
            try? restoreNotes(tag)
        }
    }

    /// Deletes the tags (references first, then their notes) and pushes the deletions.
    private func deleteTags(_ tags: [String], artifact: String, version: String?, stage: String?,
                            pushTo remote: String?) throws -> Outcome {
        var removed: [(String, ObjectID)] = []
        for tag in tags {
            guard let object = try repository.referenceTarget("refs/tags/" + tag) else { continue }
            try repository.deleteReference("refs/tags/" + tag, expected: object)
            removed.append((tag, object))
        }
        if let before = try repository.referenceTarget(VersionMetadata.notesRef) {
            let signature = try repository.committerSignature()
            var tip = before
            for (_, object) in removed {
                tip = try repository.noteCommit(removingNoteOn: object, parent: tip, signature: signature)
            }
            if tip != before {
                try repository.updateReference(VersionMetadata.notesRef, to: tip, expected: before,
                                               message: "kf: drop notes of deleted tags")
            }
        }
        var pushed: String?
        if let remote {
            do {
                try pushNotes(to: remote)
                try repository.push(to: remote, refspecs: removed.map { ":refs/tags/\($0.0)" } + notesRefspec())
                pushed = remote
            } catch {
                throw RegistryError.pushFailed(remote: remote, reason: Self.reason(error))
                    .withLocalNote("the tags were deleted locally; run the command again with --push after fixing it")
            }
        }
        return Outcome(kind: .deleted, tags: removed.map(\.0), artifact: artifact, version: version, stage: stage,
                       pushedTo: pushed)
    }

    private func notesRefspec() throws -> [String] {
        try repository.referenceTarget(VersionMetadata.notesRef) != nil
            ? ["\(VersionMetadata.notesRef):\(VersionMetadata.notesRef)"] : []
    }

    /// Pushes new tags and refs/notes/kf; on failure takes the local writes back and explains.
    private func push(_ written: [WrittenTag], deleted: [String], to remote: String?) throws -> String? {
        guard let remote else { return nil }
        do {
            try pushNotes(to: remote)
            let refspecs = written.map { "refs/tags/\($0.name):refs/tags/\($0.name)" } + (try notesRefspec())
            try repository.push(to: remote, refspecs: refspecs)
            return remote
        } catch {
            rollBack(written)
            throw RegistryError.pushFailed(remote: remote, reason: Self.reason(error))
        }
    }

    /// Joins the remote's refs/notes/kf into ours (before a push, so pushing our notes never drops theirs).
    func pushNotes(to remote: String) throws {
        let scratch = "refs/kf/remote-notes"
        _ = try? repository.deleteReference(scratch)
        try repository.fetch(from: remote, refspecs: ["+\(VersionMetadata.notesRef):\(scratch)"], prune: false)
        defer { _ = try? repository.deleteReference(scratch) }
        guard let theirs = try repository.referenceTarget(scratch) else { return }
        try mergeNotes(theirs)
    }

    /// Fetches the remote's tags (replacing any that moved) and joins its refs/notes/kf into ours: what a plain
    /// `git clone` leaves out. Returns how many tags and notes were new.
    public func fetchRegistry(from remote: String) throws -> (tags: Int, notes: Int) {
        let lock = try RepositoryLock.acquire(Self.lockName, in: repository)
        defer { lock.release() }
        let tagsBefore = Set(try repository.references(matching: "refs/tags/*").map(\.name))
        let notesBefore = try repository.noteEntries(notesRef: VersionMetadata.notesRef).count
        try repository.fetch(from: remote, refspecs: ["+refs/tags/*:refs/tags/*"], prune: false)
        try pushNotes(to: remote)
        let tagsAfter = Set(try repository.references(matching: "refs/tags/*").map(\.name))
        let notesAfter = try repository.noteEntries(notesRef: VersionMetadata.notesRef).count
        return (tagsAfter.subtracting(tagsBefore).count, max(0, notesAfter - notesBefore))
    }

    /// Adds every note of `theirs` that ours lacks (ours win on the same object) and records both histories.
    public func mergeNotes(_ theirs: ObjectID) throws {
        let ours = try repository.referenceTarget(VersionMetadata.notesRef)
        if let ours, try repository.isAncestor(theirs, of: ours) { return }
        if let ours, try repository.isAncestor(ours, of: theirs) {
            try repository.updateReference(VersionMetadata.notesRef, to: theirs, expected: ours, message: "kf: fast-forward notes")
            return
        }
        guard let ours else {
            try repository.updateReference(VersionMetadata.notesRef, to: theirs, expected: nil, message: "kf: take remote notes")
            return
        }
        let scratch = "refs/kf/theirs-notes"
        try repository.updateReference(scratch, to: theirs, expected: try repository.referenceTarget(scratch), message: "kf")
        defer { _ = try? repository.deleteReference(scratch) }
        let mine = try repository.noteEntries(notesRef: VersionMetadata.notesRef)
        let other = try repository.noteEntries(notesRef: scratch)
        let signature = try repository.committerSignature()
        var tip = ours
        for (object, _) in other where mine[object] == nil {
            if let text = try repository.note(on: object, notesRef: scratch) {
                tip = try repository.noteCommit(setting: text, on: object, parent: tip, signature: signature)
            }
        }
        let merged = try repository.mergeCommit(treeOf: tip, parents: [ours, theirs], message: "kf: merge notes",
                                                signature: signature)
        try repository.updateReference(VersionMetadata.notesRef, to: merged, expected: ours, message: "kf: merge notes")
    }

    static func reason(_ error: Error) -> String {
        if case let GitError.failed(_, _, message) = error { return message }
        return String(describing: error)
    }

    // MARK: reading helpers

    /// The commit `ref` names, with clear errors for an empty repository and a name that resolves to nothing.
    public func resolve(_ ref: String) throws -> ObjectID {
        guard let commit = try repository.resolveCommit(ref) else {
            if try repository.isHeadUnborn, try repository.references(matching: "refs/heads/*").isEmpty {
                throw RegistryError.emptyRepository(path: location)
            }
            throw RegistryError.unresolvableRef(ref: ref, repository: location)
        }
        return commit
    }
}

extension RegistryError {
    func withLocalNote(_ note: String) -> RegistryError {
        if case let .pushFailed(remote, reason) = self { return .pushFailed(remote: remote, reason: reason + "; " + note) }
        return self
    }
}
