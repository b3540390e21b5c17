import Resources

/// An ordered set of resources with unique ids (kustomize's ResMap).
public struct ResourceList {
    public private(set) var resources: [Resource] = []

    public init() {}

    public init(_ resources: [Resource]) throws {
        for r in resources { try append(r) }
    }

    init(unchecked resources: [Resource]) {
        self.resources = resources
    }

    public var count: Int { resources.count }

    /// Adds a resource; its current id must be new.
    public mutating func append(_ resource: Resource) throws {
        let key = resource.idKey
        if resources.contains(where: { $0.idKey == key }) {
            throw ManifestsError.duplicateId(id: resource.id.description)
        }
        resources.append(resource)
    }


    public mutating func append(contentsOf other: ResourceList) throws {
        var seen = Set<IdKey>(minimumCapacity: resources.count + other.count)
        for r in resources { seen.insert(r.idKey) }
        for r in other.resources {
            guard seen.insert(r.idKey).inserted else {
                throw ManifestsError.duplicateId(id: r.id.description)
            }
            resources.append(r)
        }
    }

    mutating func replaceAll(_ list: [Resource]) { resources = list }

    mutating func remove(where shouldRemove: (Resource) -> Bool) { resources.removeAll(where: shouldRemove) }

    /// Resources any of whose ids (current or earlier) `matches` accepts.
    func matchingAnyId(_ matches: (ResourceId) -> Bool) -> [Resource] {
        resources.filter { r in
            if r.isEmpty { return false }
            return matches(r.id) || r.previousIds.contains(where: matches)
        }
    }

    /// Resources whose current id `matches` accepts.
    func matchingCurrentId(_ matches: (ResourceId) -> Bool) -> [Resource] {
        resources.filter { matches($0.id) }
    }

    /// The one resource with `id` among current and earlier ids.
    func one(withId id: ResourceId) throws -> Resource {
        let found = matchingAnyId { $0.matches(id) }
        if found.count == 1 { return found[0] }
        if found.isEmpty {
            throw ManifestsError.message("no matches for Id \(id); failed to find unique target for patch \(id)")
        }
        throw ManifestsError.message("multiple matches for Id \(id); failed to find unique target for patch \(id)")
    }

    /// Adds generated resources, honouring their behavior: create adds, merge and replace change an existing one.
    mutating func absorb(_ incoming: Resource) throws {
        let id = incoming.id
        let matches = matchingAnyId { $0.matches(id) }
        switch matches.count {
        case 0:
            if incoming.behavior == .merge || incoming.behavior == .replace {
                throw ManifestsError.message("id \(Self.goSyntax(id)) does not exist; cannot merge or replace")
            }
            try append(incoming)
        case 1:
            let old = matches[0]
            guard let index = resources.firstIndex(where: { $0 === old }) else { return }
            switch incoming.behavior {
            case .replace:
                incoming.copyMergeMetadata(from: old)
            case .merge:
                let origin = old.origin
                incoming.copyMergeMetadata(from: old)
                incoming.mergeStringMap("data", from: old)
                incoming.mergeStringMap("binaryData", from: old)
                if let origin { incoming.origin = origin }
            default:
                throw ManifestsError.message(
                    "id \(Self.goSyntax(id)) exists; can not use behavior: '\(incoming.behavior.rawValue)', behavior must be merge or replace")
            }
            resources[index] = incoming
        default:
            throw ManifestsError.message("found multiple objects \(matches.map(\.id.description)) that could accept merge of \(id)")
        }
    }

    /// The id as Go's %#v prints kustomize's ResId.
    static func goSyntax(_ id: ResourceId) -> String {
        "resid.ResId{Gvk:resid.Gvk{Group:\"\(id.gvk.group)\", Version:\"\(id.gvk.version)\", Kind:\"\(id.gvk.kind)\", "
            + "isClusterScoped:\(id.gvk.isClusterScoped)}, Name:\"\(id.name)\", Namespace:\"\(id.namespace)\"}"
    }
}

extension Resource {
    /// For generator merge/replace: labels and annotations merged (this resource's win), name and namespace taken
    /// from `old`, which this one replaces.
    func copyMergeMetadata(from old: Resource) {
        setStringMap("labels", Self.merged(old.labels, labels))
        setStringMap("annotations", Self.merged(old.annotations, annotations))
        setName(old.name)
        setNamespace(old.namespace)
        // kustomize keeps its build annotations from the old resource, and the hash only when both want it.
        needsHashSuffix = needsHashSuffix && old.needsHashSuffix
        behavior = old.behavior
        previous = old.previous
        prefixes = old.prefixes
        suffixes = old.suffixes
        referencedBy = old.referencedBy
        refVarNames = old.refVarNames
    }

    /// `data` or `binaryData` of `old` overlaid with this resource's.
    func mergeStringMap(_ field: String, from old: Resource) {
        let mine = value[field]?.pairsOrEmpty ?? []
        let theirs = old.value[field]?.pairsOrEmpty ?? []
        if mine.isEmpty && theirs.isEmpty { return }
        var m = Mapping()
        for (k, v) in theirs { m[k] = v }
        for (k, v) in mine { m[k] = v }
        value.set([field], to: .mapping(m))
    }

    static func merged(_ base: [(String, String)], _ over: [(String, String)]) -> [(String, String)] {
        var out = base
        for (k, v) in over {
            if let i = out.firstIndex(where: { $0.0 == k }) { out[i].1 = v } else { out.append((k, v)) }
        }
        return out
    }
}
