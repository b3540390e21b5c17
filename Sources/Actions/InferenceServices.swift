import Cluster
import Foundation
import Resources
import Synchronization
import Workloads

/// Reading, changing, waiting for, querying and deleting InferenceServices through the API: the same on kf-local
/// and on a cluster running KServe.
public struct InferenceServices: Sendable {
    public let client: ClusterClient

    public init(client: ClusterClient) { self.client = client }

    static let component = "KServe v0.20 (kubectl apply --server-side -f https://github.com/kserve/kserve/releases/download/v0.20.0/kserve.yaml, "
        + "then kserve-cluster-resources.yaml from the same release)"

    static func reference(_ name: String, namespace: String?) -> ObjectReference {
        ObjectReference(apiVersion: ServingManifests.apiVersion, kind: ServingManifests.kind, name: name, namespace: namespace)
    }

    /// The service when it exists; an error naming KServe when the cluster lacks the kind.
    static func existing(_ client: ClusterClient, _ reference: ObjectReference) async throws -> Value? {
        do {
            return try await client.get(reference)
        } catch {
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: reference.kind, apiVersion: reference.apiVersion, component: component)
            }
            throw error
        }
    }

    /// Every InferenceService in `namespace` ("" for all), oldest first.
    public func list(namespace: String?) async throws -> [InferenceServiceStatus] {
        let items: [Value]
        do {
            items = try await client.list(apiVersion: ServingManifests.apiVersion, kind: ServingManifests.kind, namespace: namespace).items
        } catch {
            // A kind the discovery cache still knows but the server no longer serves answers 404 to a list.
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: ServingManifests.kind, apiVersion: ServingManifests.apiVersion, component: Self.component)
            }
            if case let .api(_, _, status, _) = error, status.code == 404 {
                throw ActionError.kindNotInstalled(kind: ServingManifests.kind, apiVersion: ServingManifests.apiVersion, component: Self.component)
            }
            throw error
        }
        return items.map(InferenceServiceStatus.init)
            .sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
    }

    /// The service named `name`; an error listing the namespace's services when there is none.
    public func find(_ name: String, namespace: String?) async throws -> Value {
        if let service = try await Self.existing(client, Self.reference(name, namespace: namespace)) { return service }
        let names = try await list(namespace: namespace).map(\.name)
        throw ActionError.serviceNotFound(name: name, namespace: namespace ?? client.config.namespace, existing: names)
    }

    // MARK: Changes

    /// Reads the service, changes it with `change` and writes it back (PUT with its resourceVersion), reading again
    /// when another writer got there first.
    func replace(_ reference: ObjectReference, dryRun: Bool = false, current: Value? = nil,
                 change: (Value) throws -> Value) async throws -> Value {
        var object = current
        for attempt in 1...5 {
            if object == nil {
                guard let read = try await Self.existing(client, reference) else {
                    throw ActionError.serviceNotFound(name: reference.name, namespace: reference.namespace ?? client.config.namespace, existing: [])
                }
                object = read
            }
            guard let read = object else { continue }
            do {
                return try await client.update(try change(read), dryRun: dryRun, fieldManager: "kf")
            } catch {
                guard let clusterError = error as? ClusterError, case let .api(_, _, status, _) = clusterError, status.code == 409,
                      attempt < 5 else { throw error }
                object = nil
            }
        }
        throw ActionError.serviceNotFound(name: reference.name, namespace: reference.namespace ?? "", existing: [])
    }

    /// `current` with the spec of `rendered` and the labels and annotations both have (the rendered ones win; kf's
    /// record of the model is the rendered one's alone): what `kf serve` writes over an existing service.
    static func updated(_ current: Value, with rendered: Value) -> Value {
        var result = current
        result["spec"] = rendered["spec"]
        for field in ["labels", "annotations"] {
            var merged = current[path: ["metadata", field]]?.mapping ?? Mapping()
            if field == "annotations" {
                merged[ServingManifests.modelReferenceAnnotation] = nil
                merged[ServingManifests.modelVersionAnnotation] = nil
            }
            for (key, value) in (rendered[path: ["metadata", field]]?.mapping ?? Mapping()).pairs { merged[key] = value }
            result["metadata"]?[field] = merged.isEmpty ? nil : .mapping(merged)
        }
        result["status"] = nil
        return result
    }

    /// Moves all traffic to the canary: Serverless mode removes `canaryTrafficPercent` (KServe then routes 100 % to
    /// the latest revision); Standard mode makes the canary's predictor the stable one (its name, model and
    /// container fields over the stable predictor's replicas and settings) and removes `spec.canary`.
    public func promote(_ name: String, namespace: String?) async throws -> InferenceServiceStatus {
        InferenceServiceStatus(try await replace(Self.reference(name, namespace: namespace)) { try Self.promoted($0, name: name) })
    }

    static func promoted(_ service: Value, name: String) throws -> Value {
        var result = service
        if let canaries = service[path: ["spec", "canary"]]?.sequence, let first = canaries.first?["predictor"]?.mapping {
            var predictor = service[path: ["spec", "predictor"]]?.mapping ?? Mapping()
            for (key, value) in first.pairs { predictor[key] = value }
            if var model = predictor["model"]?.mapping, model["name"]?.text == "kserve-container" {
                model["name"] = nil
                predictor["model"] = .mapping(model)
            }
            result["spec"]?["predictor"] = .mapping(predictor)
            result["spec"]?["canary"] = nil
        } else if service[path: ["spec", "predictor", "canaryTrafficPercent"]] != nil {
            result["spec"]?["predictor"]?["canaryTrafficPercent"] = nil
        } else {
            throw ActionError.noCanary(name: name, verb: "promote")
        }
        result["status"] = nil
        return result
    }

    /// Sends all traffic back to the previously rolled-out predictor: Serverless mode sets `canaryTrafficPercent` to
    /// 0; Standard mode sets each canary's `trafficPercent` to 0 (the canary stays deployed; promote still works).
    public func rollback(_ name: String, namespace: String?) async throws -> InferenceServiceStatus {
        InferenceServiceStatus(try await replace(Self.reference(name, namespace: namespace)) { try Self.rolledBack($0, name: name) })
    }

    static func rolledBack(_ service: Value, name: String) throws -> Value {
        var result = service
        if let canaries = service[path: ["spec", "canary"]]?.sequence, !canaries.isEmpty {
            result["spec"]?["canary"] = .sequence(canaries.map { entry in
                var changed = entry
                changed["trafficPercent"] = .int(0)
                return changed
            })
        } else if service[path: ["spec", "predictor", "canaryTrafficPercent"]] != nil {
            result["spec"]?["predictor"]?["canaryTrafficPercent"] = .int(0)
        } else {
            throw ActionError.noCanary(name: name, verb: "roll back")
        }
        result["status"] = nil
        return result
    }

    /// Deletes the service; the cluster's garbage collector removes what KServe made for it.
    public func delete(_ name: String, namespace: String?) async throws {
        let reference = Self.reference(name, namespace: namespace)
        _ = try await find(name, namespace: namespace)
        _ = try await client.delete(reference, propagationPolicy: .background)
    }

    // MARK: Waiting

    /// Follows the service until it is ready for its current generation (returns its status), fails for good
    /// (throws with KServe's reason), or `timeout` passes; reports each change of state.
    /// A predictor Pod whose container waits for a reason that does not clear by itself is told once through
    /// `trouble`; on kf-local (`local`) an unmapped image ends the wait at once.
    ///
    /// A failure recorded before the wait began (a re-run with an unchanged spec after fixing what failed, e.g. the
    /// runtime's venv) is not taken at once: the controller gets `staleGrace` to look again (kf-local's rechecks
    /// every 5 s; a fix that changes nothing in the spec triggers no new status), and only a failure still standing
    /// then ends the wait.
    public func wait(_ reference: ObjectReference, timeout: Duration, local: Bool = false, staleGrace: Duration = .seconds(12),
                     trouble: @escaping @Sendable (String) -> Void = { _ in },
                     progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> InferenceServiceStatus {
        final class LastState: Sendable { let text = Mutex("") }
        let last = LastState()
        let client = self.client
        let started = Date()
        let pods = PodWatch(workload: "InferenceService \(reference.name)", local: local,
                            pods: PodWatch.selector(client, namespace: reference.namespace ?? client.config.namespace,
                                                    "serving.kserve.io/inferenceservice=" + reference.name),
                            report: trouble)
        /// The failure of `status` if it ends the wait: nil while none, or while it predates the wait and the grace lasts.
        @Sendable func verdict(_ status: InferenceServiceStatus, graceOver: Bool) -> ActionError? {
            guard status.isFailed, let failure = status.failure else { return nil }
            if !graceOver, let time = status.failureTime, time < started.addingTimeInterval(-1) { return nil }
            return ActionError.serviceFailed(name: reference.name, message: failure.reason + ": " + failure.message)
        }
        let result = try await pods.during {
            try await withThrowingTaskGroup(of: InferenceServiceStatus?.self) { group in
                group.addTask {
                    try await ObjectWatch.until(client, reference, timeout: timeout, deleted: {
                        ActionError.serviceFailed(name: reference.name, message: "it was deleted while kf waited")
                    }) { object -> InferenceServiceStatus? in
                        let status = InferenceServiceStatus(object)
                        let state = Self.state(status)
                        if last.text.withLock({ previous in defer { previous = state }; return previous != state }) { progress(state) }
                        if let failed = verdict(status, graceOver: Date().timeIntervalSince(started) >= Double(staleGrace.components.seconds)) {
                            throw failed
                        }
                        return status.isReady ? status : nil
                    }
                }
                group.addTask {
                    // After the grace, a failure still standing (however old) ends the wait; else this one waits on.
                    try await Task.sleep(for: staleGrace)
                    if let object = (try? await client.get(reference)) ?? nil, let failed = verdict(InferenceServiceStatus(object), graceOver: true) {
                        throw failed
                    }
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
        guard let result else {
            let state = (try? await client.get(reference)).flatMap { $0 }.map { Self.state(InferenceServiceStatus($0)) } ?? "unknown"
            throw ActionError.serviceNotReady(name: reference.name, seconds: Int(timeout.components.seconds), state: state)
        }
        return result
    }

    /// One line for a state: Ready or not, with KServe's reason.
    static func state(_ status: InferenceServiceStatus) -> String {
        if status.isReady { return "Ready" + (status.url.map { " at " + $0 } ?? "") }
        return "Ready=\(status.ready)" + (status.message.isEmpty ? "" : " (\(status.message))")
    }

    // MARK: Logs

    /// The service's predictor Pods, by name; with `canary` only the canary's: Standard mode's `spec.canary`
    /// predictors (KServe's Deployments `NAME-ENTRY-predictor`, kf-local's labelled `kf.dev/canary`), else in
    /// Serverless mode the latest revision's.
    public func pods(of service: Value, canary: Bool = false) async throws -> [Value] {
        let name = service[path: ["metadata", "name"]]?.text ?? ""
        let namespace = service[path: ["metadata", "namespace"]]?.text
        var pods = try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace,
                                         labelSelector: "serving.kserve.io/inferenceservice=" + name).items
        if canary {
            let entries = Set((service[path: ["spec", "canary"]]?.sequence ?? []).compactMap { $0[path: ["predictor", "name"]]?.text })
            let latest = InferenceServiceStatus(service).revisions.first(where: \.latest)?.name
            pods = pods.filter { pod in
                let podName = pod[path: ["metadata", "name"]]?.text ?? ""
                let labels = pod[path: ["metadata", "labels"]]
                if !entries.isEmpty {
                    if let entry = labels?["kf.dev/canary"]?.text { return entries.contains(entry) }
                    return entries.contains { podName.hasPrefix("\(name)-\($0)-predictor-") }
                }
                guard let latest else { return false }
                return labels?["serving.knative.dev/revision"]?.text == latest || podName.hasPrefix(latest + "-deployment-")
            }
        }
        return pods.sorted { ($0[path: ["metadata", "name"]]?.text ?? "") < ($1[path: ["metadata", "name"]]?.text ?? "") }
    }

    /// Streams the model server's log (container `kserve-container`, else the Pod's first) of each predictor Pod,
    /// calling `emit` with the Pod's name (nil when there is one Pod) and each line.
    public func logs(of service: Value, canary: Bool, follow: Bool, tailLines: Int?,
                     emit: @escaping @Sendable (String?, String) -> Void) async throws {
        var pods = try await pods(of: service, canary: canary)
        let name = service[path: ["metadata", "name"]]?.text ?? ""
        if follow {
            var waited = 0
            while pods.isEmpty && waited < 120 {
                try await Task.sleep(for: .milliseconds(500))
                waited += 1
                pods = try await self.pods(of: service, canary: canary)
            }
        }
        guard !pods.isEmpty else {
            throw ActionError.noPods(job: name, which: canary ? " for its canary" : "")
        }
        let prefixed = pods.count > 1
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pod in pods {
                let containers = pod[path: ["spec", "containers"]]?.sequence?.compactMap { $0["name"]?.text } ?? []
                let container = containers.contains("kserve-container") ? "kserve-container" : containers.first
                let podName = pod[path: ["metadata", "name"]]?.text ?? ""
                let stream = client.logs(pod: podName, namespace: pod[path: ["metadata", "namespace"]]?.text,
                                         options: LogOptions(container: container, follow: follow, tailLines: tailLines))
                group.addTask {
                    for try await line in stream { emit(prefixed ? podName : nil, line) }
                }
            }
            try await group.waitForAll()
        }
    }
}
