import Foundation
import Resources
import Synchronization

/// How `kf apply` applies objects.
public struct ApplyOptions: Sendable {
    public var fieldManager: String
    public var forceConflicts: Bool
    /// Server-side dry run: the server validates and answers as if it applied, and stores nothing.
    public var serverDryRun: Bool
    /// How many objects of one phase are applied at once.
    public var concurrency: Int
    /// How long to wait for new CRDs to be Established before applying their custom resources.
    public var establishTimeout: Duration

    public init(fieldManager: String = "kf", forceConflicts: Bool = true, serverDryRun: Bool = false,
                concurrency: Int = 16, establishTimeout: Duration = .seconds(60)) {
        self.fieldManager = fieldManager
        self.forceConflicts = forceConflicts
        self.serverDryRun = serverDryRun
        self.concurrency = max(1, concurrency)
        self.establishTimeout = establishTimeout
    }
}

/// What happened to one object.
public enum ApplyOutcome: Sendable {
    case created
    case configured
    /// The live object already matched: the server changed nothing.
    case unchanged
    case failed(ClusterError)

    public var word: String {
        switch self {
        case .created: return "created"
        case .configured: return "configured"
        case .unchanged: return "unchanged"
        case .failed: return "failed"
        }
    }
}

/// One object's result, with the object as the server holds it after the apply (nil on failure).
public struct ApplyResult: Sendable {
    public let reference: ObjectReference
    public let outcome: ApplyOutcome
    public let live: Value?
}

/// The results of an apply, in the order the objects were given.
public struct ApplyReport: Sendable {
    public let results: [ApplyResult]

    public var succeeded: Bool { failures.isEmpty }
    public var failures: [ApplyResult] { results.filter { if case .failed = $0.outcome { return true } else { return false } } }
    public var changed: Bool { results.contains { if case .unchanged = $0.outcome { return false } else { return true } } }
    public func count(_ word: String) -> Int { results.filter { $0.outcome.word == word }.count }
}

/// Applies a set of objects with server-side apply, in the order a cluster needs them:
/// 1. Namespaces and CustomResourceDefinitions, then waits until the CRDs are Established;
/// 2. other cluster-scoped objects; 3. namespaced objects; 4. webhook configurations, last so that a webhook
/// whose service is not running yet cannot block the rest. Objects of one phase are applied concurrently.
/// Whether an object changed is decided against the live object (its resourceVersion before and after).
public struct Applier: Sendable {
    public let client: ClusterClient
    public let options: ApplyOptions

    public init(client: ClusterClient, options: ApplyOptions = ApplyOptions()) {
        self.client = client
        self.options = options
    }

    static let webhookKinds: Set<String> = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                                            "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]

    /// The phase of an object whose scope is not yet known: 0 first ... 3 last; 1 and 2 are settled by discovery.
    static func earlyPhase(_ object: Value) -> Int? {
        let kind = object["kind"]?.text ?? ""
        if kind == "Namespace" || kind == "CustomResourceDefinition" { return 0 }
        if webhookKinds.contains(kind) { return 3 }
        return nil
    }

    /// Applies the objects; `progress` hears each result as it comes.
    public func apply(_ objects: [Value], progress: (@Sendable (ApplyResult) -> Void)? = nil) async -> ApplyReport {
        var results = [ApplyResult?](repeating: nil, count: objects.count)
        var remaining: [Int] = []
        var first: [Int] = [], last: [Int] = []
        for (index, object) in objects.enumerated() {
            switch Self.earlyPhase(object) {
            case 0: first.append(index)
            case 3: last.append(index)
            default: remaining.append(index)
            }
        }
        let firstLive = await prefetch(first.map { ($0, false) }, objects)
        for (index, result) in await applyConcurrently(first, objects, progress, known: firstLive) { results[index] = result }

        // New CRDs must be Established before their kinds can be applied; then discovery must learn them.
        let crds = first.filter { objects[$0]["kind"]?.text == "CustomResourceDefinition" }
            .compactMap { results[$0] }.filter { if case .failed = $0.outcome { return false } else { return true } }
        // An unchanged CRD that is already Established needs neither a wait nor new discovery; a created or
        // changed one that the server answered as Established already needs no wait, only new discovery.
        let changedCRDs = crds.filter { result in
            if case .unchanged = result.outcome, let live = result.live,
               Readiness.condition(live, "Established") == true { return false }
            return true
        }
        if !changedCRDs.isEmpty {
            if !options.serverDryRun {
                for crd in changedCRDs where crd.live.map({ Readiness.condition($0, "Established") }) != true {
                    if let error = await waitEstablished(crd.reference) {
                        if let index = first.first(where: { results[$0]?.reference == crd.reference }) {
                            let failed = ApplyResult(reference: crd.reference, outcome: .failed(error), live: crd.live)
                            results[index] = failed
                            progress?(failed)
                        }
                    }
                }
            }
            await client.discovery.invalidate()
        }

        // Cluster-scoped before namespaced, which needs discovery to tell.
        var clusterScoped: [Int] = [], namespaced: [Int] = []
        for index in remaining {
            let object = objects[index]
            do throws(ClusterError) {
                let reference = try ObjectReference(object)
                let resource = try await client.resource(apiVersion: reference.apiVersion, kind: reference.kind)
                if resource.namespaced { namespaced.append(index) } else { clusterScoped.append(index) }
            } catch {
                let reference = (try? ObjectReference(object))
                    ?? ObjectReference(apiVersion: object["apiVersion"]?.text ?? "?", kind: object["kind"]?.text ?? "?",
                                       name: object[path: ["metadata", "name"]]?.text ?? "?")
                let failed = ApplyResult(reference: reference, outcome: .failed(error), live: nil)
                results[index] = failed
                progress?(failed)
            }
        }
        let live = await prefetch(clusterScoped.map { ($0, false) } + namespaced.map { ($0, true) }
                                  + last.map { ($0, false) }, objects)
        for phase in [clusterScoped, namespaced, last] {
            for (index, result) in await applyConcurrently(phase, objects, progress, known: live) { results[index] = result }
        }
        return ApplyReport(results: results.compactMap { $0 })
    }

    /// What is known of an object before applying it.
    enum Known: Sendable {
        case live(Value)
        case absent
    }

    /// Lists the live objects of each kind and namespace the objects name (one request per kind and namespace
    /// instead of one per object); objects whose kind could not be listed are left out and read one by one.
    func prefetch(_ items: [(index: Int, namespaced: Bool)], _ objects: [Value]) async -> [Int: Known] {
        var groups: [String: (apiVersion: String, kind: String, namespace: String?, members: [(Int, String)])] = [:]
        for (index, namespaced) in items {
            let object = objects[index]
            guard let reference = try? ObjectReference(object) else { continue }
            let namespace = namespaced ? (reference.namespace ?? client.config.namespace) : nil
            let key = "\(reference.apiVersion)|\(reference.kind)|\(namespace ?? "")"
            groups[key, default: (reference.apiVersion, reference.kind, namespace, [])].members.append((index, reference.name))
        }
        let lists = await withTaskGroup(of: [(Int, Known)].self) { group -> [(Int, Known)] in
            for (_, entry) in groups {
                group.addTask {
                    guard let list = try? await self.client.list(apiVersion: entry.apiVersion, kind: entry.kind,
                                                                 namespace: entry.namespace ?? "") else { return [] }
                    var byName: [String: Value] = [:]
                    for item in list.items {
                        if let name = item[path: ["metadata", "name"]]?.text { byName[name] = item }
                    }
                    return entry.members.map { index, name in (index, byName[name].map(Known.live) ?? .absent) }
                }
            }
            var out: [(Int, Known)] = []
            for await part in group { out += part }
            return out
        }
        return Dictionary(lists, uniquingKeysWith: { first, _ in first })
    }

    private func applyConcurrently(_ indices: [Int], _ objects: [Value],
                                   _ progress: (@Sendable (ApplyResult) -> Void)?,
                                   known: [Int: Known] = [:]) async -> [(Int, ApplyResult)] {
        var out: [(Int, ApplyResult)] = []
        await withTaskGroup(of: (Int, ApplyResult).self) { group in
            var next = 0
            func start() {
                guard next < indices.count else { return }
                let index = indices[next]
                next += 1
                let object = objects[index]
                let before = known[index]
                group.addTask { (index, await self.applyOne(object, known: before)) }
            }
            for _ in 0..<min(options.concurrency, indices.count) { start() }
            while let finished = await group.next() {
                progress?(finished.1)
                out.append(finished)
                start()
            }
        }
        return out
    }

    /// Applies one object: reads the live object, applies, and compares resourceVersions.
    public func applyOne(_ object: Value) async -> ApplyResult {
        await applyOne(object, known: nil)
    }

    /// Applies one object whose live state may already be known. When the live object shows that the apply
    /// would change nothing (see ApplyNoChange), no request is sent at all.
    func applyOne(_ object: Value, known: Known?) async -> ApplyResult {
        let reference: ObjectReference
        do {
            reference = try ObjectReference(object)
        } catch {
            let fallback = ObjectReference(apiVersion: object["apiVersion"]?.text ?? "?", kind: object["kind"]?.text ?? "?",
                                           name: object[path: ["metadata", "name"]]?.text ?? "?")
            return ApplyResult(reference: fallback, outcome: .failed(error), live: nil)
        }
        do throws(ClusterError) {
            let before: Value?
            switch known {
            case let .live(value): before = value
            case .absent: before = nil
            case nil: before = try await client.get(reference)
            }
            if let before, ApplyNoChange.certainlyUnchanged(applied: object, live: before, manager: options.fieldManager) {
                return ApplyResult(reference: reference, outcome: .unchanged, live: before)
            }
            let after = try await client.apply(object, fieldManager: options.fieldManager, force: options.forceConflicts,
                                               dryRun: options.serverDryRun)
            let outcome: ApplyOutcome
            if let before {
                let old = before[path: ["metadata", "resourceVersion"]]?.text
                let new = after[path: ["metadata", "resourceVersion"]]?.text
                if options.serverDryRun {
                    // A dry run does not bump resourceVersion; compare the content the server would store.
                    outcome = Self.comparable(before) == Self.comparable(after) ? .unchanged : .configured
                } else {
                    outcome = old == new ? .unchanged : .configured
                }
            } else {
                outcome = .created
            }
            return ApplyResult(reference: reference, outcome: outcome, live: after)
        } catch {
            return ApplyResult(reference: reference, outcome: .failed(error), live: nil)
        }
    }

    /// An object without the fields the server changes on every write, for dry-run comparison.
    static func comparable(_ object: Value) -> Value {
        var copy = object
        if var metadata = copy["metadata"]?.mapping {
            for key in ["resourceVersion", "managedFields", "generation", "creationTimestamp", "uid"] {
                _ = metadata.removeValue(forKey: key)
            }
            copy["metadata"] = .mapping(metadata)
        }
        copy["status"] = nil
        return copy
    }

    /// Polls a CRD until its Established condition is True; returns an error when it is not in time.
    func waitEstablished(_ reference: ObjectReference) async -> ClusterError? {
        let deadline = ContinuousClock.now + options.establishTimeout
        var lastError: ClusterError?
        while ContinuousClock.now < deadline {
            do throws(ClusterError) {
                if let crd = try await client.get(reference), Readiness.condition(crd, "Established") == true {
                    return nil
                }
            } catch {
                lastError = error
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return lastError ?? .badResponse(method: "GET", url: reference.name,
                                         reason: "CustomResourceDefinition \(reference.name) was not Established "
                                            + "within \(options.establishTimeout)")
    }
}

/// When an object counts as ready, as `kf apply --wait` decides it.
public enum Readiness {
    /// The status of a condition of `type` (True → true, False → false), or nil when absent.
    public static func condition(_ object: Value, _ type: String) -> Bool? {
        for condition in object[path: ["status", "conditions"]]?.sequence ?? [] where condition["type"]?.text == type {
            switch condition["status"]?.text {
            case "True": return true
            case "False": return false
            default: return nil
            }
        }
        return nil
    }

    /// Whether the object is ready: CRDs Established, Deployments and StatefulSets available with every replica
    /// updated, Jobs complete, DaemonSets rolled out, and any other object with a Ready, Succeeded or Available
    /// condition True (objects with no status to wait for are ready at once).
    public static func isReady(_ object: Value) -> Bool {
        let kind = object["kind"]?.text ?? ""
        let status = object["status"]
        func int(_ value: Value?) -> Int { Int(value?.text ?? "") ?? 0 }
        let generation = int(object[path: ["metadata", "generation"]])
        let observed = int(status?["observedGeneration"])
        switch kind {
        case "CustomResourceDefinition":
            return condition(object, "Established") == true
        case "Deployment":
            let wanted = object[path: ["spec", "replicas"]].map { int($0) } ?? 1
            return observed >= generation && int(status?["updatedReplicas"]) >= wanted
                && int(status?["availableReplicas"]) >= wanted && condition(object, "Available") != false
        case "StatefulSet":
            let wanted = object[path: ["spec", "replicas"]].map { int($0) } ?? 1
            return observed >= generation && int(status?["readyReplicas"]) >= wanted
                && int(status?["updatedReplicas"]) >= wanted
        case "DaemonSet":
            let wanted = int(status?["desiredNumberScheduled"])
            return observed >= generation && int(status?["numberAvailable"]) >= wanted
                && int(status?["updatedNumberScheduled"]) >= wanted
        case "Job":
            return condition(object, "Complete") == true
        case "Pod":
            return condition(object, "Ready") == true || status?["phase"]?.text == "Succeeded"
        default:
            for type in ["Ready", "Succeeded", "Available"] {
                if let value = condition(object, type) { return value }
            }
            return true
        }
    }
}
