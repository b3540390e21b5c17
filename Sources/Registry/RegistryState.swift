/// How versions are ordered: by SemVer (highest first) or by when they were created (newest first).
public enum VersionSort: String, Sendable, CaseIterable {
    case semver, timestamp
}

/// One stage of one version: its assignments and unassignments.
public final class VersionStage {
    public let artifact: String
    public let commit: String
    public let version: String
    public let stage: String
    public private(set) var assignments: [Event] = []
    public private(set) var unassignments: [Event] = []

    init(artifact: String, commit: String, version: String, stage: String) {
        self.artifact = artifact
        self.commit = commit
        self.version = version
        self.stage = stage
    }

    private var cachedEvents: [Event]?

    func add(_ event: Event) {
        cachedEvents = nil
        if event.kind == .assignment {
            assignments = (assignments + [event]).sortedByTime()
        } else {
            unassignments = (unassignments + [event]).sortedByTime()
        }
    }

    /// Newest first.
    public var events: [Event] {
        if let cachedEvents { return cachedEvents }
        let computed = (assignments + unassignments).newestFirst()
        cachedEvents = computed
        return computed
    }
    public var isActive: Bool { events.first?.kind == .assignment }
    public var activatedAt: Timestamp? {
        guard let first = events.first, first.kind == .assignment else { return nil }
        return first.createdAt
    }
    /// The event that describes this stage: its latest assignment.
    public var authoringEvent: Event? { events.first(where: { $0.kind.isAddition }) ?? events.first }
}

/// One version of an artifact (a registered SemVer version, or a commit that only has stage assignments).
public final class ArtifactVersion {
    public let artifact: String
    public let commit: String
    public let version: String
    public private(set) var enrichments: [Event] = []
    public private(set) var registrations: [Event] = []
    public private(set) var deregistrations: [Event] = []
    public private(set) var stageOrder: [String] = []
    public private(set) var stages: [String: VersionStage] = [:]

    init(artifact: String, commit: String, version: String) {
        self.artifact = artifact
        self.commit = commit
        self.version = version
    }

    private var cache: [Int: [Event]] = [:]

    func add(_ event: Event) {
        cache = [:]
        switch event.kind {
        case .registration: registrations = (registrations + [event]).sortedByTime()
        case .deregistration: deregistrations = (deregistrations + [event]).sortedByTime()
        case .commit: enrichments = (enrichments + [event]).sortedByTime()
        case .assignment, .unassignment:
            stage(event.stage ?? "", create: true)?.add(event)
        case .creation, .deprecation: break
        }
    }

    func stage(_ name: String, create: Bool) -> VersionStage? {
        if let existing = stages[name] { return existing }
        guard create else { return nil }
        let new = VersionStage(artifact: artifact, commit: commit, version: version, stage: name)
        stages[name] = new
        stageOrder.append(name)
        return new
    }

    public func events(direct: Bool = true, indirect: Bool = true, ascending: Bool = false) -> [Event] {
        let key = (direct ? 1 : 0) | (indirect ? 2 : 0) | (ascending ? 4 : 0)
        if let cached = cache[key] { return cached }
        var list: [Event] = []
        if direct { list += registrations + deregistrations }
        if indirect { list += enrichments + stageOrder.flatMap { stages[$0]!.events } }
        let sorted = list.sortedByTime()
        let result = ascending ? sorted : Array(sorted.reversed())
        cache[key] = result
        return result
    }

    public var isActive: Bool {
        let direct = events(indirect: false)
        if let first = direct.first { return first.kind == .registration }
        return !events(direct: false).isEmpty
    }

    public var activatedAt: Timestamp? {
        registrations.first?.createdAt ?? events(ascending: true).first?.createdAt
    }

    public var isRegistered: Bool { !registrations.isEmpty }
    /// GTO calls a version "discovered" when no tag registered or deregistered it.
    public var isDiscovered: Bool { registrations.isEmpty && deregistrations.isEmpty }

    public var authoringEvent: Event? {
        if let addition = events(indirect: false).first(where: { $0.kind.isAddition }) { return addition }
        return events(direct: false).first ?? events().first
    }

    /// The stages in effect, ordered by when they became active (newest first unless `ascending`).
    public func activeStages(ascending: Bool = false) -> [VersionStage] {
        let active = stageOrder.compactMap { stages[$0] }.filter(\.isActive)
        let sorted = active.enumerated().sorted { a, b in
            let x = a.element.activatedAt?.seconds ?? 0, y = b.element.activatedAt?.seconds ?? 0
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        return ascending ? sorted : sorted.reversed()
    }

    public private(set) lazy var semanticVersion: SemanticVersion? = SemanticVersion(version)
}

/// An artifact: its versions and deprecations.
public final class Artifact {
    public let name: String
    public private(set) var versions: [ArtifactVersion] = []
    public private(set) var creations: [Event] = []
    public private(set) var deprecations: [Event] = []

    init(name: String) { self.name = name }

    private var cachedEvents: [Event]?

    /// Adds the commit event of one of this artifact's versions.
    func addEnrichment(_ event: Event, to version: ArtifactVersion) {
        cachedEvents = nil
        version.add(event)
    }

    func add(_ event: Event) throws {
        cachedEvents = nil
        switch event.kind {
        case .creation: creations = (creations + [event]).sortedByTime()
        case .deprecation: deprecations = (deprecations + [event]).sortedByTime()
        default:
            let version = try findVersion(name: event.version, commit: event.commit, create: true)
            version?.add(event)
        }
    }

    /// GTO's lookup: versions matching the name and commit given, leaving out "discovered" ones unless asked.
    func findVersion(name: String? = nil, commit: String? = nil, includeDiscovered: Bool = false,
                     create: Bool = false) throws -> ArtifactVersion? {
        let matches = versionsMatching(name: name, commit: commit, includeDiscovered: includeDiscovered)
        if matches.isEmpty {
            guard create, let commit else { return nil }
            let new = ArtifactVersion(artifact: self.name, commit: commit, version: name ?? commit)
            versions.append(new)
            return new
        }
        if matches.count > 1 {
            throw RegistryError.manyVersions(artifact: self.name, versions: matches.map(\.version))
        }
        return matches[0]
    }

    func versionsMatching(name: String? = nil, commit: String? = nil, includeDiscovered: Bool = false) -> [ArtifactVersion] {
        versions.filter { version in
            (name == nil || version.version == name) && (commit == nil || version.commit == commit)
                && (includeDiscovered || !version.isDiscovered)
        }
    }

    public func events(direct: Bool = true, indirect: Bool = true) -> [Event] {
        if direct && indirect, let cachedEvents { return cachedEvents }
        var list: [Event] = []
        if direct { list += creations + deprecations }
        if indirect { list += versions.flatMap { $0.events() } }
        let result = list.newestFirst()
        if direct && indirect { cachedEvents = result }
        return result
    }

    public var isActive: Bool {
        guard let first = events().first else { return false }
        return first.kind != .deprecation
    }

    /// Whether any tag (not only a commit) mentions the artifact.
    public var isRegistered: Bool { !events().allSatisfy { $0.kind == .commit } }

    public func versions(activeOnly: Bool = true, includeNonExplicit: Bool = false, includeDiscovered: Bool = false,
                         sort: VersionSort = .semver, ascending: Bool = false) -> [ArtifactVersion] {
        let chosen = versions.filter { version in
            !activeOnly || version.isActive && ((version.isRegistered && !version.isDiscovered)
                || (includeDiscovered && version.isDiscovered) || (includeNonExplicit && !version.isRegistered))
        }
        return Self.sorted(chosen, by: sort, ascending: ascending)
    }

    static func sorted(_ versions: [ArtifactVersion], by sort: VersionSort, ascending: Bool) -> [ArtifactVersion] {
        switch sort {
        case .semver:
            let valid = versions.enumerated().compactMap { item in
                item.element.semanticVersion.map { (item.offset, item.element, $0) }
            }.sorted { a, b in
                let order = a.2.compare(b.2)
                return order != 0 ? order < 0 : a.0 < b.0
            }.map(\.1)
            let other = versions.filter { $0.semanticVersion == nil }.enumerated().sorted { a, b in
                a.element.version != b.element.version
                    ? Array(a.element.version.utf8).lexicographicallyPrecedes(Array(b.element.version.utf8))
                    : a.offset < b.offset
            }.map(\.element)
            return ascending ? valid + other : valid.reversed() + other.reversed()
        case .timestamp:
            let sorted = versions.enumerated().sorted { a, b in
                let x = a.element.authoringEvent?.createdAt.seconds ?? 0
                let y = b.element.authoringEvent?.createdAt.seconds ?? 0
                return x != y ? x < y : a.offset < b.offset
            }.map(\.element)
            return ascending ? sorted : sorted.reversed()
        }
    }

    /// The highest active version (only explicitly registered ones when `registeredOnly`).
    public func latestVersion(registeredOnly: Bool, sort: VersionSort = .semver) -> ArtifactVersion? {
        versions(includeNonExplicit: !registeredOnly, sort: sort).first
    }

    /// Which versions each stage holds: GTO's rule (the last `versionsPerStage` versions assigned, -1 for all).
    public func stageAssignments(registeredOnly: Bool = false, assignmentsPerVersion: Int = -1,
                                 versionsPerStage: Int = 1, sort: VersionSort = .semver) -> [(stage: String, holders: [VersionStage])] {
        let candidates = versions(includeNonExplicit: !registeredOnly, sort: sort)
        var assignments: [VersionStage] = candidates.flatMap { version -> [VersionStage] in
            let stages = version.activeStages(ascending: true)
            return assignmentsPerVersion > -1 ? Array(stages.prefix(assignmentsPerVersion)) : stages
        }
        if sort == .timestamp {
            assignments = assignments.enumerated().sorted { a, b in
                let x = a.element.authoringEvent?.createdAt.seconds ?? 0
                let y = b.element.authoringEvent?.createdAt.seconds ?? 0
                return x != y ? x < y : a.offset < b.offset
            }.map(\.element).reversed()
        }
        var order: [String] = []
        var holders: [String: [VersionStage]] = [:]
        for assignment in assignments {
            if holders[assignment.stage] == nil {
                holders[assignment.stage] = []
                order.append(assignment.stage)
            }
            if versionsPerStage > -1 && holders[assignment.stage]!.count >= versionsPerStage { continue }
            if !holders[assignment.stage]!.contains(where: { $0.version == assignment.version }) {
                holders[assignment.stage]!.append(assignment)
            }
        }
        return order.map { ($0, holders[$0]!) }
    }

    /// The stages currently held by some version.
    public var uniqueStages: Set<String> { Set(stageAssignments().map(\.stage)) }
}

/// The whole registry as GTO reads it from tags.
public final class RegistryState {
    public private(set) var artifactOrder: [String] = []
    public private(set) var artifacts: [String: Artifact] = [:]

    public init() {}

    func artifact(_ name: String, create: Bool) -> Artifact? {
        if let existing = artifacts[name] { return existing }
        guard create else { return nil }
        let new = Artifact(name: name)
        artifacts[name] = new
        artifactOrder.append(name)
        return new
    }

    /// Artifacts in the order GTO meets them.
    public var orderedArtifacts: [Artifact] { artifactOrder.map { artifacts[$0]! } }

    public func find(_ name: String) throws -> Artifact {
        guard let found = artifacts[name] else { throw RegistryError.artifactNotFound(name: name) }
        return found
    }

    /// Stages held by any artifact, sorted.
    public var usedStages: [String] {
        Set(orderedArtifacts.flatMap(\.uniqueStages)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
