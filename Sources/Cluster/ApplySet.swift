import Foundation
import Resources

/// An ApplySet as kubectl defines it (KEP 3659): a parent object (here a Secret) whose labels and annotations
/// record which group-kinds and namespaces hold the set's members, and a `part-of` label on every member. It lets
/// `kf apply --prune` remove exactly the objects that left the set, and lets kubectl see kf's sets.
public struct ApplySet: Sendable, Equatable {
    public static let idLabel = "applyset.kubernetes.io/id"
    public static let partOfLabel = "applyset.kubernetes.io/part-of"
    public static let toolingAnnotation = "applyset.kubernetes.io/tooling"
    public static let groupKindsAnnotation = "applyset.kubernetes.io/contains-group-kinds"
    public static let namespacesAnnotation = "applyset.kubernetes.io/additional-namespaces"

    public let name: String
    public let namespace: String
    /// The tooling annotation, e.g. "kf/v0.3.0".
    public let tooling: String

    public init(name: String, namespace: String, tooling: String) {
        self.name = name
        self.namespace = namespace
        self.tooling = tooling
    }

    public var parent: ObjectReference { ObjectReference(apiVersion: "v1", kind: "Secret", name: name, namespace: namespace) }

    /// The id: "applyset-" + unpadded URL-safe base64 of SHA-256("<name>.<namespace>.<kind>.<group>") + "-v1".
    public var id: String { Self.id(name: name, namespace: namespace, kind: "Secret", group: "") }

    public static func id(name: String, namespace: String, kind: String, group: String) -> String {
        let digest = SHA256.hash(Array("\(name).\(namespace).\(kind).\(group)".utf8))
        let encoded = Data(digest).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "applyset-\(encoded)-v1"
    }

    /// "Kind.group", or "Kind" for the core group: the form of contains-group-kinds.
    static func groupKind(apiVersion: String, kind: String) -> String {
        let parts = apiVersion.split(separator: "/")
        return parts.count == 2 ? "\(kind).\(parts[0])" : kind
    }

    /// The object with the part-of label added.
    public func labelled(_ object: Value) -> Value {
        var copy = object
        var metadata = copy["metadata"]?.mapping ?? Mapping()
        var labels = metadata["labels"]?.mapping ?? Mapping()
        labels[Self.partOfLabel] = .string(id)
        metadata["labels"] = .mapping(labels)
        copy["metadata"] = .mapping(metadata)
        return copy
    }

    func parentObject(groupKinds: Set<String>, namespaces: Set<String>) -> Value {
        var annotations = Mapping([(Self.toolingAnnotation, .string(tooling)),
                                   (Self.groupKindsAnnotation, .string(groupKinds.sorted().joined(separator: ",")))])
        let others = namespaces.subtracting([namespace]).sorted()
        if !others.isEmpty { annotations[Self.namespacesAnnotation] = .string(others.joined(separator: ",")) }
        return .mapping(Mapping([
            ("apiVersion", .string("v1")), ("kind", .string("Secret")),
            ("metadata", .mapping(Mapping([("name", .string(name)), ("namespace", .string(namespace)),
                                           ("labels", .mapping(Mapping([(Self.idLabel, .string(id))]))),
                                           ("annotations", .mapping(annotations))]))),
            ("type", .string("Opaque")),
        ]))
    }

    static func split(_ text: String?) -> Set<String> {
        Set((text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }
}

/// The outcome of an apply with an ApplySet.
public struct ApplySetReport: Sendable {
    public let apply: ApplyReport
    /// What --prune deleted (empty without --prune, or when some object failed to apply: then nothing is pruned).
    public let pruned: [DeleteResult]
    /// Why pruning was skipped, if it was.
    public let pruneSkipped: String?
}

extension Applier {
    /// Applies the objects as members of `applySet`; with `prune`, deletes the set's former members that are no
    /// longer in it. The parent first records the union of old and new group-kinds (so an interrupted run leaves
    /// nothing untracked), and after a successful prune exactly the new ones.
    public func apply(_ objects: [Value], applySet: ApplySet, prune: Bool,
                      progress: (@Sendable (ApplyResult) -> Void)? = nil) async -> ApplySetReport {
        let members = objects.map(applySet.labelled)
        var newKinds = Set<String>()
        var newNamespaces = Set<String>()
        for object in members {
            newKinds.insert(ApplySet.groupKind(apiVersion: object["apiVersion"]?.text ?? "", kind: object["kind"]?.text ?? ""))
            if let namespace = object[path: ["metadata", "namespace"]]?.text, !namespace.isEmpty { newNamespaces.insert(namespace) }
        }
        // The parent lives in a namespace the set may itself create: apply that Namespace first.
        var namespaceResult: ApplyResult?
        if let index = members.firstIndex(where: {
            $0["kind"]?.text == "Namespace" && $0[path: ["metadata", "name"]]?.text == applySet.namespace
        }) {
            let result = await applyOne(members[index])
            progress?(result)
            namespaceResult = result
        }
        // The parent as it was, and then the union.
        var oldKinds = Set<String>(), oldNamespaces = Set<String>([applySet.namespace])
        do throws(ClusterError) {
            if let parent = try await client.get(applySet.parent) {
                let annotations = parent[path: ["metadata", "annotations"]]
                if let tooling = annotations?[ApplySet.toolingAnnotation]?.text, !tooling.isEmpty,
                   tooling.split(separator: "/").first != applySet.tooling.split(separator: "/").first {
                    let error = ClusterError.invalidObject(reason: "the ApplySet parent \(applySet.parent) belongs to "
                                                           + "\(tooling), not kf; choose another name")
                    return ApplySetReport(apply: ApplyReport(results: [ApplyResult(reference: applySet.parent,
                                                                                   outcome: .failed(error), live: nil)]),
                                          pruned: [], pruneSkipped: "the ApplySet parent belongs to another tool")
                }
                oldKinds = ApplySet.split(annotations?[ApplySet.groupKindsAnnotation]?.text)
                oldNamespaces.formUnion(ApplySet.split(annotations?[ApplySet.namespacesAnnotation]?.text))
            }
            _ = try await client.apply(applySet.parentObject(groupKinds: oldKinds.union(newKinds),
                                                             namespaces: oldNamespaces.union(newNamespaces)),
                                       fieldManager: options.fieldManager, force: options.forceConflicts,
                                       dryRun: options.serverDryRun)
        } catch {
            return ApplySetReport(apply: ApplyReport(results: [ApplyResult(reference: applySet.parent,
                                                                           outcome: .failed(error), live: nil)]),
                                  pruned: [], pruneSkipped: "the ApplySet parent could not be written")
        }

        // The Namespace was reported when it was applied first; its second application is told only if it failed.
        let reported = namespaceResult?.reference
        var report = await apply(members, progress: progress.map { hear in
            { @Sendable result in
                if result.reference == reported, case .unchanged = result.outcome { return }
                hear(result)
            }
        })
        if let namespaceResult {
            // The first application decided whether the Namespace was created or changed.
            report = ApplyReport(results: report.results.map {
                if $0.reference == namespaceResult.reference, case .unchanged = $0.outcome { return namespaceResult }
                return $0
            })
        }
        // Namespaces exactly as the server placed the members.
        for result in report.results {
            if let namespace = result.live?[path: ["metadata", "namespace"]]?.text, !namespace.isEmpty {
                newNamespaces.insert(namespace)
            }
        }
        guard prune else { return ApplySetReport(apply: report, pruned: [], pruneSkipped: nil) }
        guard report.succeeded else {
            return ApplySetReport(apply: report, pruned: [],
                                  pruneSkipped: "some objects failed to apply; nothing was pruned")
        }

        // Former members: every object labelled part-of in the recorded group-kinds and namespaces, not in the set.
        let keep = Set(report.results.map { "\(ApplySet.groupKind(apiVersion: $0.reference.apiVersion, kind: $0.reference.kind))|\($0.live?[path: ["metadata", "namespace"]]?.text ?? "")|\($0.reference.name)" })
        var doomed: [Value] = []
        let selector = "\(ApplySet.partOfLabel)=\(applySet.id)"
        let served = (try? await client.discovery.all()) ?? []
        for groupKind in oldKinds.union(newKinds).sorted() {
            let dot = groupKind.firstIndex(of: ".")
            let kind = dot.map { String(groupKind[..<$0]) } ?? groupKind
            let group = dot.map { String(groupKind[groupKind.index(after: $0)...]) } ?? ""
            guard let resource = served.first(where: { $0.group == group && $0.kind == kind }) else {
                continue  // the kind is gone (its CRD was removed), and its objects with it
            }
            let namespaces: [String?] = resource.namespaced ? oldNamespaces.union(newNamespaces).sorted().map { $0 } : [nil]
            for namespace in namespaces {
                guard let list = try? await client.list(apiVersion: resource.apiVersion, kind: kind,
                                                        namespace: namespace ?? "", labelSelector: selector) else { continue }
                for item in list.items {
                    let name = item[path: ["metadata", "name"]]?.text ?? ""
                    let key = "\(groupKind)|\(item[path: ["metadata", "namespace"]]?.text ?? "")|\(name)"
                    if !keep.contains(key) { doomed.append(item) }
                }
            }
        }
        let pruned = doomed.isEmpty ? [] : await delete(doomed)
        if !options.serverDryRun, pruned.allSatisfy({ if case .failed = $0.outcome { return false } else { return true } }) {
            _ = try? await client.apply(applySet.parentObject(groupKinds: newKinds, namespaces: newNamespaces),
                                        fieldManager: options.fieldManager, force: options.forceConflicts)
        }
        return ApplySetReport(apply: report, pruned: pruned, pruneSkipped: nil)
    }
}
