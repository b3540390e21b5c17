import Cluster
import Foundation
import Resources

/// `--dry-run`: none, client (print what would be sent), server (the server checks and changes nothing).
public enum DryRun: String, Sendable, CaseIterable {
    case none, client, server
}

/// `kf apply`: builds the objects and applies them with server-side apply, in the order a cluster needs.
public struct ApplyAction: Sendable {
    public var source: ManifestSource
    public var connection: ClusterConnection
    public var dryRun: DryRun = .none
    public var diff = false
    public var prune = false
    /// The ApplySet's name for --prune (default: kf-<project name>).
    public var applySetName: String?
    public var projectName: String?
    public var wait = false
    public var timeout: Duration = .seconds(300)
    public var fieldManager = "kf"
    public var forceConflicts = true
    /// The namespace given with -n, checked against objects that name another.
    public var namespaceFlag: String?

    public init(source: ManifestSource, connection: ClusterConnection) {
        self.source = source
        self.connection = connection
    }

    /// What a run did.
    public enum Outcome: Sendable {
        /// --dry-run=client: the objects that would be sent.
        case rendered([Value])
        /// --diff: a unified diff per object that would change ("" when nothing would).
        case diff(String, changed: Int, total: Int)
        case applied(ApplyReport, pruned: [DeleteResult], ready: [ReadyResult])
    }

    public func run(warn: @escaping @Sendable (String) -> Void = { _ in },
                    logger: RequestLogger? = nil,
                    progress: (@Sendable (ApplyResult) -> Void)? = nil) async throws -> Outcome {
        var objects = try source.objects(warn: warn)
        try checkNamespaces(objects)
        if dryRun == .client {
            if let namespace = connection.namespace {
                // Show what the server would receive: namespaced objects without one get the selected namespace.
                objects = objects.map { object in
                    var object = object
                    if object[path: ["metadata", "namespace"]] == nil, !Self.probablyClusterScoped(object) {
                        object["metadata"]?["namespace"] = .string(namespace)
                    }
                    return object
                }
            }
            return .rendered(objects)
        }
        let client = try await connection.client(logger: logger)
        try await client.checkReachable()
        let applier = Applier(client: client, options: ApplyOptions(fieldManager: fieldManager, forceConflicts: forceConflicts,
                                                                    serverDryRun: dryRun == .server))
        if diff {
            let previews = await applier.preview(objects)
            var text = ""
            var changed = 0
            for preview in previews {
                if let error = preview.error { throw error }
                guard preview.changes else { continue }
                changed += 1
                text += try UnifiedDiff.objects(preview.reference.description, live: preview.live, proposed: preview.proposed)
            }
            return .diff(text, changed: changed, total: previews.count)
        }
        let report: ApplyReport
        var pruned: [DeleteResult] = []
        if prune {
            guard let name = applySetName ?? projectName.map({ "kf-" + $0 }) else { throw ActionError.pruneNeedsProject }
            let set = ApplySet(name: name, namespace: connection.namespace ?? "default", tooling: "kf/" + KfVersion.current)
            let result = await applier.apply(objects, applySet: set, prune: true, progress: progress)
            report = result.apply
            pruned = result.pruned
        } else {
            report = await applier.apply(objects, progress: progress)
        }
        if !report.succeeded {
            // The server went away while applying: every later object failed the same way; say it once.
            if let unreachable = Self.unreachable(report.failures.map(\.outcome)) { throw unreachable }
            throw ActionError.applyFailed(failed: report.failures.count, total: report.results.count,
                                          details: report.failures.map(Self.failureLine))
        }
        var ready: [ReadyResult] = []
        if wait && dryRun == .none {
            ready = await applier.waitUntilReady(report.results.map(\.reference), timeout: timeout)
            let late = ready.filter { !$0.ready }
            if !late.isEmpty {
                throw ActionError.notReady(count: late.count, details: late.map { "\($0.reference): \($0.reason ?? "not ready")" })
            }
        }
        return .applied(report, pruned: pruned, ready: ready)
    }

    /// kubectl refuses an object whose namespace differs from an explicit -n; so does kf.
    func checkNamespaces(_ objects: [Value]) throws {
        guard let flag = namespaceFlag else { return }
        for object in objects {
            if let namespace = object[path: ["metadata", "namespace"]]?.text, !namespace.isEmpty, namespace != flag {
                let name = "\(object["kind"]?.text ?? "object") \(object[path: ["metadata", "name"]]?.text ?? "")"
                throw ActionError.namespaceMismatch(object: name, objectNamespace: namespace, flag: flag)
            }
        }
    }

    /// Without asking a server: the built-in kinds that live outside namespaces (for --dry-run=client only).
    static func probablyClusterScoped(_ object: Value) -> Bool {
        let kinds: Set<String> = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                                  "PersistentVolume", "StorageClass", "PriorityClass", "MutatingWebhookConfiguration",
                                  "ValidatingWebhookConfiguration", "APIService", "Node", "IngressClass",
                                  "ClusterTrainingRuntime", "ClusterServingRuntime", "RuntimeClass",
                                  "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver"]
        return kinds.contains(object["kind"]?.text ?? "")
    }

    /// The first failure that is about reaching the server, if any.
    static func unreachable(_ outcomes: [ApplyOutcome]) -> ClusterError? {
        for outcome in outcomes {
            if case let .failed(error) = outcome, error.isUnreachable { return error }
        }
        return nil
    }

    static func failureLine(_ result: ApplyResult) -> String {
        if case let .failed(error) = result.outcome { return "\(result.reference): \(error)" }
        return "\(result.reference)"
    }
}

extension ApplyAction {
    /// The line `kf apply --diff` ends with.
    public static func diffSummary(changed: Int, total: Int) -> String {
        changed == 0 ? "no change: " + (total == 1 ? "1 object matches" : "all \(total) objects match") + " the cluster"
            : "\(changed) of \(counted(total, "object")) would change"
    }

    /// The line `kf apply` ends with: how many objects were created, configured and unchanged.
    public static func summary(_ report: ApplyReport, serverDryRun: Bool, allReady: Bool) -> String {
        let total = report.results.count
        let text = report.changed
            ? "\(counted(total, "object")): \(report.count("created")) created, \(report.count("configured")) configured, \(report.count("unchanged")) unchanged"
            : "no change: " + (total == 1 ? "1 object" : "all \(total) objects") + " unchanged"
        return text + (serverDryRun ? " (server dry run)" : "") + (allReady ? "; all ready" : "")
    }
}

/// kubectl's way of naming an object in its output: `kind.group/name` in lower case (`deployment.apps/web`).
public func kubectlName(_ reference: ObjectReference) -> String {
    let group = reference.apiVersion.contains("/") ? String(reference.apiVersion.split(separator: "/")[0]) : ""
    return reference.kind.lowercased() + (group.isEmpty ? "" : "." + group) + "/" + reference.name
}
