import Foundation
import Git
import Registry

/// What a `kf version` verb prints: JSON/YAML for scripts and lines for people.
public struct RegistryOutput {
    private let makeJSON: () -> JSONValue
    private let makeLines: () -> [String]
    private let makeJSONBytes: (() -> [UInt8])?
    /// Lines for stderr (notes such as a detached HEAD).
    public var notes: [String] = []

    /// The JSON (and YAML) form; built only when asked for.
    public var json: JSONValue { makeJSON() }
    /// The human-readable lines; built only when asked for.
    public var lines: [String] { makeLines() }

    /// The JSON text as bytes (a writer faster than building the value, where there is one).
    public var jsonBytes: [UInt8] { makeJSONBytes?() ?? json.renderedBytes() }

    public init(json: @autoclosure @escaping () -> JSONValue, lines: @autoclosure @escaping () -> [String],
                notes: [String] = [], jsonBytes: (() -> [UInt8])? = nil) {
        makeJSON = json
        makeLines = lines
        makeJSONBytes = jsonBytes
        self.notes = notes
    }
}

/// Aligned columns, "-" for empty cells.
public func table(_ header: [String], _ rows: [[String?]]) -> [String] {
    let cells = [header] + rows.map { $0.map { $0 ?? "-" } }
    var widths = [Int](repeating: 0, count: header.count)
    for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    return cells.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "   ")
    }
}

/// `kf version register`.
public struct RegisterAction {
    public var request: ModelRegistry.RegisterRequest
    public var path: String?
    public var push: Bool

    public init(request: ModelRegistry.RegisterRequest, path: String?, push: Bool) {
        self.request = request
        self.path = path
        self.push = push
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        var request = self.request
        if let path {
            request.metadata.digest = try VersionMetadata.digest(ofPath: path)
            if request.metadata.uri == nil { request.metadata.uri = Self.uri(forPath: path, in: location.registry.repository) }
        }
        var notes: [String] = []
        if request.ref == "HEAD", (try? location.registry.repository.isHeadDetached) == true {
            notes.append("HEAD is detached; registering the commit it points at, as gto does")
        }
        let remote = push ? try location.pushRemote() : location.automaticPush
        let outcome = try location.registry.register(request, pushTo: remote)
        var lines: [String]
        switch outcome.kind {
        case .existing:
            lines = ["'\(outcome.artifact)' is already registered at this commit as \(outcome.version ?? "?") with the same "
                     + "artifact; nothing to do"]
        default:
            lines = outcome.tags.map { "Created git tag '\($0)' that registers version" }
        }
        if let pushed = outcome.pushedTo { lines.append("Pushed \(outcome.tags.joined(separator: ", ")) and kf's notes to \(pushed)") }
        return RegistryOutput(json: Self.json(outcome), lines: lines, notes: notes)
    }

    static func uri(forPath path: String, in repository: Repository) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let root = repository.workingDirectory, absolute.hasPrefix(root + "/") {
            return String(absolute.dropFirst(root.count + 1))
        }
        return URL(fileURLWithPath: absolute).absoluteString
    }

    static func json(_ outcome: ModelRegistry.Outcome) -> JSONValue {
        .object([
            ("artifact", .string(outcome.artifact)),
            ("version", .optional(outcome.version)),
            ("stage", .optional(outcome.stage)),
            ("result", .string(outcome.kind == .created ? "created" : outcome.kind == .existing ? "existing" : "deleted")),
            ("tags", .array(outcome.tags.map { .string($0) })),
            ("pushed_to", .optional(outcome.pushedTo)),
        ])
    }
}

/// `kf version promote` (alias assign).
public struct PromoteAction {
    public var name: String, version: String, stage: String, message: String?, simple: Bool, force: Bool, push: Bool

    public init(name: String, version: String, stage: String, message: String?, simple: Bool, force: Bool, push: Bool) {
        self.name = name; self.version = version; self.stage = stage; self.message = message
        self.simple = simple; self.force = force; self.push = push
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let remote = push ? try location.pushRemote() : location.automaticPush
        let outcome = try location.registry.assign(name: name, version: version, stage: stage, message: message,
                                                   simple: simple, force: force, pushTo: remote)
        var lines = outcome.tags.map { "Created git tag '\($0)' that assigns stage to version '\(version)'" }
        if let pushed = outcome.pushedTo { lines.append("Pushed \(outcome.tags.joined(separator: ", ")) to \(pushed)") }
        return RegistryOutput(json: RegisterAction.json(outcome), lines: lines)
    }
}

/// `kf version deprecate`.
public struct DeprecateAction {
    public var name: String, version: String?, stage: String?, message: String?, delete: Bool, push: Bool

    public init(name: String, version: String?, stage: String?, message: String?, delete: Bool, push: Bool) {
        self.name = name; self.version = version; self.stage = stage; self.message = message
        self.delete = delete; self.push = push
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let remote = push ? try location.pushRemote() : location.automaticPush
        let outcome = try location.registry.deprecate(name: name, version: version, stage: stage, message: message,
                                                      delete: delete, pushTo: remote)
        let what = stage != nil ? "unassigns stage from version '\(version ?? "")'"
            : version != nil ? "deregisters version" : "deprecates artifact"
        var lines = outcome.kind == .deleted ? outcome.tags.map { "Deleted git tag '\($0)'" }
            : outcome.tags.map { "Created git tag '\($0)' that \(what)" }
        if let pushed = outcome.pushedTo { lines.append("Pushed the change to \(pushed)") }
        return RegistryOutput(json: RegisterAction.json(outcome), lines: lines)
    }
}

/// `kf version list [NAME[@VERSION|#STAGE]]`: GTO's `show`.
public struct ListAction {
    public var reference: String?
    public var includeDeprecated: Bool

    public init(reference: String?, includeDeprecated: Bool = false) {
        self.reference = reference
        self.includeDeprecated = includeDeprecated
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let state = try location.registry.state()
        guard let reference else {
            let stages = RegistryViews.stageColumns(state, configured: location.registry.config.gtoStages)
            let json = RegistryViews.registry(state, stages: stages, includeDeprecated: includeDeprecated)
            return RegistryOutput(json: json, lines: Self.registryLines(json, stages: stages))
        }
        guard let (name, selector) = RegistryViews.parseReference(reference) else {
            throw RegistryError.invalidReference(reference: reference)
        }
        let artifact = try state.find(name)
        let entries = RegistryViews.versionEntries(artifact, selector: selector, includeDeprecated: includeDeprecated)
        return RegistryOutput(json: .array(entries.map { RegistryViews.versionValue($0.version, stages: $0.stages) }),
                              lines: Self.versionLines(entries, artifact: artifact))
    }

    static func registryLines(_ json: JSONValue, stages: [String]) -> [String] {
        var rows: [[String?]] = []
        if case let .object(artifacts) = json {
            for (name, value) in artifacts.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }) {
                guard case let .object(fields) = value else { continue }
                let field = { (key: String) in fields.first(where: { $0.0 == key })?.1 }
                var row: [String?] = [field("registered") == .bool(false) ? "*" + name : name, field("version")?.text]
                if case let .object(stageValues)? = field("stage") { row += stageValues.map { $0.1.text } }
                rows.append(row)
            }
        }
        return rows.isEmpty ? ["Nothing found in the current workspace"]
            : table(["name", "latest"] + stages.map { "#" + $0 }, rows)
    }

    static func versionLines(_ entries: [(version: ArtifactVersion, stages: [VersionStage])], artifact: Artifact) -> [String] {
        let rows: [[String?]] = entries.map { entry in
            var seen = Set<String>()
            let stages = entry.stages.map(\.stage).filter { seen.insert($0).inserted }.joined(separator: ", ")
            let version = entry.version
            return [artifact.isRegistered ? artifact.name : "*" + artifact.name,
                    SemanticVersion(version.version) == nil ? String(version.version.prefix(7)) : version.version,
                    stages, version.authoringEvent?.createdAt.iso8601, version.authoringEvent?.ref]
        }
        return rows.isEmpty ? ["Nothing found in the current workspace"]
            : table(["artifact", "version", "stage", "created_at", "ref"], rows)
    }
}

/// `kf version history [NAME]`: GTO's `history`.
public struct HistoryAction {
    public var name: String?
    public var ascending: Bool

    public init(name: String?, ascending: Bool = false) {
        self.name = name
        self.ascending = ascending
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        if let name, !ArtifactName.isValid(name) { throw RegistryError.invalidName(name: name) }
        let state = try location.registry.state()
        let events = RegistryViews.historyEvents(state, artifact: name, ascending: ascending)
        return RegistryOutput(json: RegistryViews.history(events), lines: Self.lines(events),
                              jsonBytes: { RegistryViews.historyBytes(events) })
    }

    static func lines(_ events: [Event]) -> [String] {
        let rows: [[String?]] = events.map {
            [$0.createdAt.iso8601, $0.artifact, $0.kind.name, $0.version, $0.stage, String($0.commit.prefix(7)), $0.ref]
        }
        return rows.isEmpty ? ["Nothing found in the current workspace"]
            : table(["timestamp", "artifact", "event", "version", "stage", "commit", "ref"], rows)
    }
}

/// `kf version stages`: the allowed stages (.gto, else kf.yaml), else those in use.
public struct StagesAction {
    public enum Which: Sendable { case effective, allowed, used }
    public var which: Which

    public init(which: Which = .effective) { self.which = which }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let config = location.registry.config
        let stages: [String]
        switch which {
        case .allowed: stages = config.allowedStages?.stages ?? []
        case .used: stages = try location.registry.state().usedStages
        case .effective: stages = try config.allowedStages?.stages ?? location.registry.state().usedStages
        }
        return RegistryOutput(json: .array(stages.map { .string($0) }), lines: stages)
    }
}

/// `kf version show NAME[@VERSION|#STAGE]` and `kf version resolve`: one version with kf's metadata.
public struct ShowAction {
    public var reference: String

    public init(reference: String) { self.reference = reference }

    /// The version a reference names: NAME (latest), NAME@VERSION, NAME@latest, NAME#STAGE.
    public static func pick(_ reference: String, in location: RegistryLocation) throws -> (ArtifactVersion, [VersionStage], Artifact) {
        guard let (name, selector) = RegistryViews.parseReference(reference) else {
            throw RegistryError.invalidReference(reference: reference)
        }
        let state = try location.registry.state()
        let artifact = try state.find(name)
        var includeDeprecated = false
        if case .version = selector { includeDeprecated = true }
        let entries = RegistryViews.versionEntries(artifact, selector: selector == .all ? .latest : selector,
                                                   includeDeprecated: includeDeprecated)
        guard let entry = entries.first else {
            switch selector {
            case let .stage(stage): throw RegistryError.stageEmpty(artifact: name, stage: stage)
            case let .version(version): throw RegistryError.versionNotFound(artifact: name, version: version)
            default: throw RegistryError.noVersions(artifact: name)
            }
        }
        return (entry.version, entry.stages, artifact)
    }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let (version, stages, _) = try Self.pick(reference, in: location)
        let metadata = try location.registry.metadata(for: version)
        let registration = version.registrations.last
        let commit = ObjectID(hex: version.commit).flatMap { try? location.registry.repository.commit($0) }
        func pairs(_ list: [(String, String)]) -> JSONValue { .object(list.map { ($0.0, .string($0.1)) }) }
        let stageNames = stages.map(\.stage)
        let json: JSONValue = .object([
            ("artifact", .string(version.artifact)),
            ("version", .string(version.version)),
            ("commit", .string(version.commit)),
            ("tag", .optional(registration?.tag)),
            ("author", .optional(registration?.author ?? version.authoringEvent?.author)),
            ("author_email", .optional(registration?.authorEmail ?? version.authoringEvent?.authorEmail)),
            ("date", .optional((registration ?? version.authoringEvent)?.createdAt.iso8601)),
            ("message", .optional(registration?.message)),
            ("commit_message", .optional(commit.map { $0.message.trimmingCharacters(in: .whitespacesAndNewlines) })),
            ("stages", .array(stageNames.map { .string($0) })),
            ("active", .bool(version.isActive)),
            ("note", .bool(metadata != nil)),
            ("uri", .optional(metadata?.uri)),
            ("digest", .optional(metadata?.digest)),
            ("type", .optional(metadata?.type)),
            ("metrics", metadata.map { pairs($0.metrics) } ?? .object([])),
            ("params", metadata.map { pairs($0.params) } ?? .object([])),
            ("lineage", metadata.map { pairs($0.lineage) } ?? .object([])),
        ])
        var lines = [
            "Artifact:  \(version.artifact)",
            "Version:   \(version.version)" + (version.isActive ? "" : " (deprecated)"),
            "Stages:    \(stageNames.isEmpty ? "-" : stageNames.joined(separator: ", "))",
            "Commit:    \(version.commit)" + (commit.map { " (\($0.message.split(separator: "\n").first.map(String.init) ?? ""))" } ?? ""),
            "Tag:       \(registration?.tag ?? "-")",
            "Author:    \((registration ?? version.authoringEvent).map { "\($0.author) <\($0.authorEmail)>" } ?? "-")",
            "Date:      \((registration ?? version.authoringEvent)?.createdAt.iso8601 ?? "-")",
            "Message:   \(registration?.message ?? "-")",
        ]
        if let metadata {
            lines.append("URI:       \(metadata.uri ?? "-")")
            lines.append("Digest:    \(metadata.digest ?? "-")")
            if let type = metadata.type { lines.append("Type:      \(type)") }
            for (title, list) in [("Metrics", metadata.metrics), ("Params", metadata.params), ("Lineage", metadata.lineage)] {
                lines.append("\(title):".padding(toLength: 11, withPad: " ", startingAt: 0)
                             + (list.isEmpty ? "-" : list.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))
            }
        } else {
            lines.append("Note:      none (registered by gto or another tool: no URI, digest, metrics, params or lineage recorded)")
        }
        return RegistryOutput(json: json, lines: lines)
    }
}

/// `kf version resolve NAME@VERSION|NAME#STAGE`: the artifact URI.
public struct ResolveAction {
    public var reference: String

    public init(reference: String) { self.reference = reference }

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let (version, stages, _) = try ShowAction.pick(reference, in: location)
        guard let metadata = try location.registry.metadata(for: version) else {
            throw RegistryError.noMetadata(artifact: version.artifact, version: version.version)
        }
        guard let uri = metadata.uri else { throw RegistryError.noURI(artifact: version.artifact, version: version.version) }
        let json: JSONValue = .object([
            ("artifact", .string(version.artifact)), ("version", .string(version.version)),
            ("stages", .array(stages.map { .string($0.stage) })), ("commit", .string(version.commit)),
            ("uri", .string(uri)), ("digest", .optional(metadata.digest)),
        ])
        return RegistryOutput(json: json, lines: [uri])
    }
}

/// `kf version fetch`: the registry remote's tags and kf notes, which a plain `git clone` does not bring.
public struct FetchAction {
    public init() {}

    public func run(_ location: RegistryLocation) throws -> RegistryOutput {
        let remote = try location.pushRemote()
        let result: (tags: Int, notes: Int)
        do {
            result = try location.registry.fetchRegistry(from: remote)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.fetchFailed(remote: remote, reason: ModelRegistryReason.text(error))
        }
        let json: JSONValue = .object([("remote", .string(remote)), ("new_tags", .int(result.tags)),
                                       ("new_notes", .int(result.notes))])
        return RegistryOutput(json: json, lines: ["Fetched \(result.tags) new tags and \(result.notes) new kf notes from \(remote)"])
    }
}

/// Names, versions and stages for shell completion; never throws (completion must stay quiet).
public enum RegistryCompletion {
    static func location(_ words: [String]) -> RegistryLocation? {
        var repo: String?
        for (index, word) in words.enumerated() {
            if word == "--repo", index + 1 < words.count { repo = words[index + 1] }
            if word.hasPrefix("--repo=") { repo = String(word.dropFirst("--repo=".count)) }
        }
        if let repo, RegistryLocation.isURL(repo) { return nil }
        return try? RegistryLocation.open(repo: repo)
    }

    public static func names(_ words: [String]) -> [String] {
        guard let state = try? location(words)?.registry.state() else { return [] }
        return state.artifactOrder.sorted()
    }

    /// Versions of the artifact named by the first positional word after the verb.
    public static func versions(_ words: [String], name: String?) -> [String] {
        guard let name, let state = try? location(words)?.registry.state(), let artifact = state.artifacts[name] else { return [] }
        return artifact.versions(activeOnly: false).map(\.version)
    }

    public static func stages(_ words: [String]) -> [String] {
        guard let location = location(words) else { return [] }
        if let allowed = location.registry.config.allowedStages { return allowed.stages }
        return (try? location.registry.state().usedStages) ?? []
    }

    /// NAME, NAME@VERSION and NAME#STAGE forms for show and resolve.
    public static func references(_ words: [String]) -> [String] {
        guard let location = location(words), let state = try? location.registry.state() else { return [] }
        var result: [String] = []
        for artifact in state.orderedArtifacts {
            result.append(artifact.name)
            result += artifact.versions().map { "\(artifact.name)@\($0.version)" }
            result += artifact.stageAssignments().map { "\(artifact.name)#\($0.stage)" }
        }
        return result
    }
}

extension JSONValue {
    /// The scalar as table text (nil for null).
    var text: String? {
        switch self {
        case .null: return nil
        case let .string(value): return value
        case let .int(value): return String(value)
        case let .bool(value): return value ? "true" : "false"
        default: return nil
        }
    }
}
