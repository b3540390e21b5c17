import Foundation
import Git

/// A registry tag read from git: its name, parsed grammar and annotated tag object.
public struct RegistryTag: Sendable {
    public let name: String
    public let parsed: TagName
    public let object: AnnotatedTag
}

extension RegistryState {
    /// Reads every annotated tag in GTO's grammar, in the order GTO indexes them (by tag time, then by name).
    public static func registryTags(in repository: Repository) throws -> [RegistryTag] {
        let references = try repository.tagReferences()
        var tags: [RegistryTag] = []
        tags.reserveCapacity(references.count)
        for reference in references {
            guard let object = reference.annotated, let parsed = TagName(parsing: reference.name) else { continue }
            tags.append(RegistryTag(name: reference.name, parsed: parsed, object: object))
        }
        tags.sort { a, b in
            let x = a.object.tagger?.time ?? 0, y = b.object.tagger?.time ?? 0
            return x != y ? x < y : Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        return tags
    }

    /// Builds the registry from the repository's tags, then attaches each version's commit, as GTO does.
    public static func load(from repository: Repository) throws -> RegistryState {
        var commits: [String: Commit?] = [:]
        return try build(tags: registryTags(in: repository)) { id in
            if let known = commits[id] { return known }
            let found = ObjectID(hex: id).flatMap { try? repository.commit($0) }
            commits[id] = found
            return found
        }
    }

    /// Builds the registry from tags already ordered by `registryTags`.
    public static func build(tags: [RegistryTag], commit: (String) throws -> Commit?) throws -> RegistryState {
        let state = RegistryState()
        let phases: [Set<TagAction>] = [[.deprecate], [.register, .deregister], [.assign, .unassign]]
        for phase in phases {
            for tag in tags where phase.contains(tag.parsed.action) {
                try state.index(tag)
            }
        }
        for artifact in state.orderedArtifacts {
            for version in artifact.versions {
                guard let found = try commit(version.commit) else { continue }
                artifact.addEnrichment(Event(kind: .commit, artifact: artifact.name,
                                  createdAt: Timestamp(seconds: found.committer.time, offsetMinutes: found.committer.offsetMinutes),
                                  author: found.author.name, authorEmail: found.author.email, message: found.message,
                                  commit: found.id.hex, tag: nil, version: version.version, stage: nil,
                                  committer: found.committer.name, committerEmail: found.committer.email), to: version)
            }
        }
        return state
    }

    /// Python's `str.strip()`: without leading and trailing whitespace.
    static func stripped(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value) }
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last) else { return text }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[start...end])
    }

    private func index(_ tag: RegistryTag) throws {
        guard let artifact = artifact(tag.parsed.artifact, create: true) else { return }
        let tagger = tag.object.tagger
        let message = Self.stripped(tag.object.message)
        let target = tag.object.target.hex
        func event(_ kind: Event.Kind, version: String?, stage: String?) -> Event {
            Event(kind: kind, artifact: artifact.name,
                  createdAt: Timestamp(seconds: tagger?.time ?? 0, offsetMinutes: tagger?.offsetMinutes ?? 0),
                  author: tagger?.name ?? "", authorEmail: tagger?.email ?? "", message: message, commit: target,
                  tag: tag.name, version: version, stage: stage)
        }
        switch tag.parsed.action {
        case .deprecate:
            try artifact.add(event(.deprecation, version: nil, stage: nil))
        case .register, .deregister:
            try artifact.add(event(tag.parsed.action == .register ? .registration : .deregistration,
                                   version: tag.parsed.version, stage: nil))
        case .assign, .unassign:
            let version = try artifact.findVersion(commit: target, create: true)?.version ?? target
            try artifact.add(event(tag.parsed.action == .assign ? .assignment : .unassignment,
                                   version: version, stage: tag.parsed.stage))
        case .create:
            break
        }
    }
}
