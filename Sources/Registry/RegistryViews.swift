/// The views GTO prints (`gto show --json`, `gto show NAME --json`, `gto history --json`), built from a state.
public enum RegistryViews {
    /// The stage columns: configured stages, else the stages in use (GTO's `get_stages`).
    public static func stageColumns(_ state: RegistryState, configured: [String]?) -> [String] {
        configured ?? state.usedStages
    }

    /// `gto show --json`: for each active artifact its latest version and the version in each stage.
    public static func registry(_ state: RegistryState, stages: [String], includeDeprecated: Bool = false,
                                sort: VersionSort = .timestamp) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        for artifact in state.orderedArtifacts where artifact.isActive || includeDeprecated {
            let holders = artifact.stageAssignments(sort: sort)
            let stageValues: [(String, JSONValue)] = stages.map { stage in
                let versions = holders.first(where: { $0.stage == stage })?.holders.map(\.version) ?? []
                return (stage, versions.isEmpty ? .null : .string(versions.joined(separator: ", ")))
            }
            pairs.append((artifact.name, .object([
                ("version", .optional(artifact.latestVersion(registeredOnly: true)?.version)),
                ("stage", .object(stageValues)),
                ("registered", .bool(artifact.isRegistered)),
                ("active", .bool(artifact.isActive)),
            ])))
        }
        return .object(pairs)
    }

    /// Which versions `gto show NAME[@VERSION|@latest|#STAGE]` lists, each with its stages in effect.
    public static func versionEntries(_ artifact: Artifact, selector: Selector = .all, includeDeprecated: Bool = false,
                                      sort: VersionSort = .timestamp) -> [(version: ArtifactVersion, stages: [VersionStage])] {
        let holders = artifact.stageAssignments(sort: sort)
        guard artifact.isActive || includeDeprecated else { return [] }
        var entries = artifact.versions(activeOnly: !includeDeprecated, includeNonExplicit: true, includeDiscovered: true)
            .map { version in (version, holders.flatMap { $0.holders.filter { $0.version == version.version } }) }
        switch selector {
        case .all: break
        case .latest: entries = Array(entries.prefix(1))
        case let .version(name): entries = entries.filter { $0.0.version == name }
        case let .stage(stage):
            entries = entries.flatMap { entry in entry.1.filter { $0.stage == stage }.map { _ in entry } }
        }
        return entries
    }

    /// `gto show NAME --json`.
    public static func versions(_ artifact: Artifact, selector: Selector = .all, includeDeprecated: Bool = false,
                                sort: VersionSort = .timestamp) -> JSONValue {
        .array(versionEntries(artifact, selector: selector, includeDeprecated: includeDeprecated, sort: sort).map {
            versionValue($0.version, stages: $0.stages)
        })
    }

    /// A version as GTO dumps it.
    public static func versionValue(_ version: ArtifactVersion, stages: [VersionStage]) -> JSONValue {
        let authoring = version.authoringEvent
        return .object([
            ("artifact", .string(version.artifact)),
            ("commit_hexsha", .string(version.commit)),
            ("version", .string(version.version)),
            ("enrichments", .array(version.enrichments.map { eventValue($0, withName: false) })),
            ("registrations", .array(version.registrations.map { eventValue($0, withName: false) })),
            ("deregistrations", .array(version.deregistrations.map { eventValue($0, withName: false) })),
            ("stages", .array(stages.map(stageValue))),
            ("is_active", .bool(version.isActive)),
            ("activated_at", .optional(version.activatedAt?.iso8601)),
            ("created_at", .optional(authoring?.createdAt.iso8601)),
            ("author", .optional(authoring?.author)),
            ("author_email", .optional(authoring?.authorEmail)),
            ("message", .optional(authoring?.message)),
            ("ref", .optional(authoring?.ref)),
            ("discovered", .bool(version.isDiscovered)),
        ])
    }

    static func stageValue(_ stage: VersionStage) -> JSONValue {
        let authoring = stage.authoringEvent
        return .object([
            ("artifact", .string(stage.artifact)),
            ("commit_hexsha", .string(stage.commit)),
            ("version", .string(stage.version)),
            ("stage", .string(stage.stage)),
            ("assignments", .array(stage.assignments.map { eventValue($0, withName: true) })),
            ("unassignments", .array(stage.unassignments.map { eventValue($0, withName: true) })),
            ("is_active", .bool(stage.isActive)),
            ("activated_at", .optional(stage.activatedAt?.iso8601)),
            ("created_at", .optional(authoring?.createdAt.iso8601)),
            ("author", .optional(authoring?.author)),
            ("author_email", .optional(authoring?.authorEmail)),
            ("message", .optional(authoring?.message)),
            ("ref", .optional(authoring?.ref)),
        ])
    }

    /// An event's fields in GTO's order (`event` appended where GTO's dict_state adds it).
    static func eventValue(_ event: Event, withName: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("priority", .int(event.priority)),
            ("addition", .bool(event.kind.isAddition)),
            ("artifact", .string(event.artifact)),
            ("created_at", .string(event.createdAt.iso8601)),
            ("author", .string(event.author)),
            ("author_email", .string(event.authorEmail)),
            ("message", .string(event.message)),
            ("commit_hexsha", .string(event.commit)),
        ]
        switch event.kind {
        case .commit:
            pairs += [("version", .optional(event.version)), ("enrichments", .array([])),
                      ("committer", .optional(event.committer)), ("committer_email", .optional(event.committerEmail))]
        case .creation, .deprecation:
            pairs += [("tag", .optional(event.tag))]
        case .registration, .deregistration:
            pairs += [("tag", .optional(event.tag)), ("version", .optional(event.version))]
        case .assignment, .unassignment:
            pairs += [("tag", .optional(event.tag)), ("version", .optional(event.version)), ("stage", .optional(event.stage))]
        }
        if withName { pairs.append(("event", .string(event.kind.name))) }
        return .object(pairs)
    }

    /// `gto history [NAME] --json`: every tag event, newest first.
    public static func historyEvents(_ state: RegistryState, artifact name: String? = nil, ascending: Bool = false) -> [Event] {
        let events = state.orderedArtifacts.flatMap { $0.events() }.filter { $0.kind != .commit }
        var sorted = events.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if x.createdAt.seconds != y.createdAt.seconds { return x.createdAt.seconds < y.createdAt.seconds }
            if x.priority != y.priority { return x.priority < y.priority }
            return a.offset < b.offset
        }.map(\.element)
        if !ascending { sorted.reverse() }
        if let name { sorted = sorted.filter { $0.artifact == name } }
        return sorted
    }

    public static func history(_ state: RegistryState, artifact name: String? = nil, ascending: Bool = false) -> JSONValue {
        history(historyEvents(state, artifact: name, ascending: ascending))
    }

    /// The history JSON of events already chosen and ordered.
    public static func history(_ events: [Event]) -> JSONValue {
        .array(events.map { event in
            .object([
                ("timestamp", .string(event.createdAt.iso8601)),
                ("artifact", .string(event.artifact)),
                ("event", .string(event.kind.name)),
                ("priority", .int(event.priority)),
                ("version", .optional(event.version)),
                ("stage", .optional(event.stage)),
                ("commit", .string(event.commit)),
                ("author", .string(event.author)),
                ("author_email", .string(event.authorEmail)),
                ("message", .string(event.message)),
                ("ref", .string(event.ref)),
            ])
        })
    }

    /// The same text as `history(events).rendered()`, written straight to bytes (the history is the largest view).
    public static func historyBytes(_ events: [Event]) -> [UInt8] {
        if events.isEmpty { return Array("[]".utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(events.count * 460)
        out.append(contentsOf: "[\n".utf8)
        func field(_ key: String, _ value: String?, last: Bool = false) {
            out.append(contentsOf: "        \"".utf8)
            out.append(contentsOf: key.utf8)
            out.append(contentsOf: "\": ".utf8)
            if let value { JSONValue.quote(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
            out.append(contentsOf: (last ? "\n" : ",\n").utf8)
        }
        for (index, event) in events.enumerated() {
            out.append(contentsOf: "    {\n".utf8)
            field("timestamp", event.createdAt.iso8601)
            field("artifact", event.artifact)
            field("event", event.kind.name)
            out.append(contentsOf: "        \"priority\": \(event.priority),\n".utf8)
            field("version", event.version)
            field("stage", event.stage)
            field("commit", event.commit)
            field("author", event.author)
            field("author_email", event.authorEmail)
            field("message", event.message)
            field("ref", event.ref, last: true)
            out.append(contentsOf: (index == events.count - 1 ? "    }\n" : "    },\n").utf8)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// What `NAME`, `NAME@VERSION`, `NAME@latest` or `NAME#STAGE` picks.
    public enum Selector: Equatable, Sendable {
        case all, latest
        case version(String)
        case stage(String)
    }

    /// Splits GTO's shortcut forms; nil when `text` is none of them.
    public static func parseReference(_ text: String) -> (name: String, selector: Selector)? {
        if let hash = text.firstIndex(of: "#") {
            let name = String(text[..<hash]), stage = String(text[text.index(after: hash)...])
            guard ArtifactName.isValid(name), ArtifactName.isValidName(stage) else { return nil }
            return (name, .stage(stage))
        }
        if let at = text.firstIndex(of: "@") {
            let name = String(text[..<at]), version = String(text[text.index(after: at)...])
            guard ArtifactName.isValid(name) else { return nil }
            if version == "latest" || version == "greatest" { return (name, .latest) }
            guard SemanticVersion(version) != nil else { return nil }
            return (name, .version(version))
        }
        guard ArtifactName.isValid(text) else { return nil }
        return (text, .all)
    }
}
