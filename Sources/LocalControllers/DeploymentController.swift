import Cluster
import Foundation
import Resources

/// The Deployment controller (apps/v1): one ReplicaSet per Pod template (named DEPLOYMENT-HASH, labelled
/// `pod-template-hash`), rolled over by RollingUpdate (maxSurge/maxUnavailable) or Recreate; reports replicas,
/// updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas, observedGeneration and the Available and
/// Progressing conditions that `kubectl rollout status` reads; keeps `revisionHistoryLimit` old ReplicaSets.
public struct DeploymentController: Reconciler {
    public static let hashLabel = "pod-template-hash"
    public static let revisionAnnotation = "deployment.kubernetes.io/revision"

    let client: ClusterClient
    let deployments: Informer
    let replicaSets: Informer
    let pods: Informer
    let claimer: ControllerRefManager
    let fieldManager: String
    let events: EventRecorder

    public static func make(_ context: ControllerContext) -> Controller {
        let reconciler = DeploymentController(client: context.client, deployments: context.informers.deployments,
                                              replicaSets: context.informers.replicaSets, pods: context.informers.pods,
                                              claimer: ControllerRefManager(client: context.client, fieldManager: context.fieldManager),
                                              fieldManager: context.fieldManager, events: context.events("deployment-controller"))
        let controller = Controller(name: "deployment", reconciler: reconciler, workers: 2)
        context.informers.deployments.addHandler { controller.enqueue($0.object) }
        context.informers.replicaSets.addHandler { controller.enqueueController(of: $0.object, kind: "Deployment") }
        context.informers.pods.addHandler { event in
            guard let owner = OwnerReferences.controllerKey(event.object, kind: "ReplicaSet"),
                  let replicaSet = context.informers.replicaSets.get(owner) else { return }
            controller.enqueueController(of: replicaSet, kind: "Deployment")
        }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard let deployment = deployments.get(key), !deployment.isDeleting else { return .done }
        let name = "Deployment \(key)"
        guard let selectorValue = deployment[path: ["spec", "selector"]] else {
            throw ControllerError.invalidSpec(object: name, field: "spec.selector", reason: "required")
        }
        let selector = try LabelSelector(selectorValue, object: name, field: "spec.selector")
        if selector.isEmpty {
            throw ControllerError.invalidSpec(object: name, field: "spec.selector", reason: "an empty selector would match every Pod; give matchLabels")
        }
        guard let template = deployment[path: ["spec", "template"]], template.mapping != nil else {
            throw ControllerError.invalidSpec(object: name, field: "spec.template", reason: "required")
        }
        let replicas = max(deployment.integer("spec", "replicas") ?? 1, 0)
        let hash = DeploymentController.templateHash(template, collisionCount: deployment.integer("status", "collisionCount") ?? 0)
        var owned = try await claimer.claim(replicaSets.list(namespace: key.namespace), owner: deployment, selector: selector)
            .filter { !$0.isDeleting }
        owned.sort { ($0.field("metadata", "creationTimestamp") ?? "", $0.field("metadata", "name") ?? "")
            < ($1.field("metadata", "creationTimestamp") ?? "", $1.field("metadata", "name") ?? "") }
        // The new ReplicaSet is the one whose template means the same as the Deployment's (the hash label aside).
        let wanted = DeploymentController.canonical(template)
        var newRS = owned.first { replicaSet in
            let podTemplate = replicaSet[path: ["spec", "template"]] ?? .null
            let labels = podTemplate.stringMap("metadata", "labels").filter { $0.0 != DeploymentController.hashLabel }
            return DeploymentController.canonical(podTemplate.setting(["metadata", "labels"], to: labels.isEmpty ? nil : .strings(labels))) == wanted
        } ?? owned.first { $0.field("metadata", "labels", DeploymentController.hashLabel) == hash }
        var oldRSs = owned.filter { $0.uid != newRS?.uid }
        let strategy = deployment.field("spec", "strategy", "type") ?? "RollingUpdate"
        let (maxSurge, maxUnavailable) = try DeploymentController.rollingParameters(deployment, replicas: replicas, name: name)
        let paused = deployment.flag("spec", "paused") == true
        var createdNew = false

        if !paused {
            if strategy == "Recreate" {
                let oldActive = oldRSs.contains { ($0.integer("spec", "replicas") ?? 0) > 0 }
                for replicaSet in oldRSs where (replicaSet.integer("spec", "replicas") ?? 0) > 0 {
                    try await scale(replicaSet, to: 0, for: deployment)
                }
                let oldUIDs = Set(oldRSs.compactMap(\.uid))
                let oldPodsRunning = pods.list(namespace: key.namespace).contains { pod in
                    guard let owner = OwnerReferences.controllerOf(pod)?.field("uid") else { return false }
                    return oldUIDs.contains(owner) && !Pods.isTerminal(pod)
                }
                if !oldActive && !oldPodsRunning {
                    if let current = newRS {
                        if current.integer("spec", "replicas") != replicas { newRS = try await scale(current, to: replicas, for: deployment) }
                    } else {
                        newRS = try await createReplicaSet(deployment, template: template, hash: hash, replicas: replicas, old: oldRSs)
                        createdNew = true
                    }
                }
            } else {
                // Scale up the new ReplicaSet within maxSurge.
                let total = owned.reduce(0) { $0 + ($1.integer("spec", "replicas") ?? 0) }
                if let current = newRS {
                    let currentReplicas = current.integer("spec", "replicas") ?? 0
                    if currentReplicas > replicas {
                        newRS = try await scale(current, to: replicas, for: deployment)
                    } else if currentReplicas < replicas {
                        let room = replicas + maxSurge - total
                        if room > 0 { newRS = try await scale(current, to: currentReplicas + min(room, replicas - currentReplicas), for: deployment) }
                    }
                } else {
                    let room = max(replicas + maxSurge - total, 0)
                    newRS = try await createReplicaSet(deployment, template: template, hash: hash,
                                                       replicas: oldRSs.isEmpty ? replicas : min(room, replicas), old: oldRSs)
                    createdNew = true
                }
                // Scale down old ReplicaSets while keeping replicas - maxUnavailable available.
                oldRSs = try await scaleDownOld(oldRSs, newRS: newRS, replicas: replicas, maxUnavailable: maxUnavailable, for: deployment)
            }
            try await cleanUp(oldRSs, limit: deployment.integer("spec", "revisionHistoryLimit") ?? 10)
        }
        // A template rolled back to an older ReplicaSet's makes that one the newest revision again (`rollout undo`).
        if let current = newRS, !paused {
            let revision = { (rs: Value) in rs.field("metadata", "annotations", DeploymentController.revisionAnnotation).flatMap(Int.init) ?? 0 }
            let newest = oldRSs.map(revision).max() ?? 0
            if revision(current) <= newest {
                newRS = try await client.mergePatch(current, .fields([("metadata", .fields([("annotations", .strings([
                    (DeploymentController.revisionAnnotation, String(newest + 1))]))]))]), fieldManager: fieldManager)
            }
        }
        if let newRS, let revision = newRS.field("metadata", "annotations", DeploymentController.revisionAnnotation),
           deployment.field("metadata", "annotations", DeploymentController.revisionAnnotation) != revision {
            try await client.mergePatch(deployment, .fields([("metadata", .fields([("annotations", .strings([
                (DeploymentController.revisionAnnotation, revision)]))]))]), fieldManager: fieldManager)
        }
        return try await updateStatus(deployment, newRS: newRS, all: (newRS.map { [$0] } ?? []) + oldRSs, replicas: replicas,
                                      maxUnavailable: maxUnavailable, createdNew: createdNew, paused: paused)
    }

    // MARK: ReplicaSets

    private func createReplicaSet(_ deployment: Value, template: Value, hash: String, replicas: Int,
                                  old: [Value]) async throws -> Value {
        let name = (deployment.field("metadata", "name") ?? "") + "-" + hash
        let revision = (old.compactMap { $0.field("metadata", "annotations", DeploymentController.revisionAnnotation).flatMap(Int.init) }.max() ?? 0) + 1
        var podTemplate = template
        var labels = template.stringMap("metadata", "labels").filter { $0.0 != DeploymentController.hashLabel }
        labels.append((DeploymentController.hashLabel, hash))
        podTemplate.assign(["metadata", "labels"], .strings(labels))
        var selector = deployment[path: ["spec", "selector"]] ?? .mapping(Mapping())
        selector.assign(["matchLabels", DeploymentController.hashLabel], .string(hash))
        let replicaSet = Value.fields([
            ("apiVersion", .string("apps/v1")),
            ("kind", .string("ReplicaSet")),
            ("metadata", .fields([
                ("name", .string(name)),
                ("namespace", .string(deployment.field("metadata", "namespace") ?? "default")),
                ("labels", .strings(labels)),
                ("annotations", .strings([(DeploymentController.revisionAnnotation, String(revision))])),
                ("ownerReferences", .sequence([OwnerReferences.controller(deployment)])),
            ])),
            ("spec", .fields([
                ("replicas", .int(replicas)),
                ("minReadySeconds", deployment[path: ["spec", "minReadySeconds"]]),
                ("selector", selector),
                ("template", podTemplate),
            ])),
        ])
        do {
            let created = try await client.create(replicaSet, fieldManager: fieldManager)
            events.post(deployment, reason: "ScalingReplicaSet", message: "Scaled up replica set \(name) to \(replicas)")
            return created
        } catch {
            // Created earlier but not yet in the cache: take the server's.
            if error.status?.code == 409, let existing = try? await client.get(try ObjectReference(replicaSet)),
               OwnerReferences.isControlled(existing, by: deployment) {
                return existing
            }
            throw ControllerError.api(operation: "creating", object: ObjectName.describe(replicaSet), underlying: error)
        }
    }

    /// Sets a ReplicaSet's replicas and records the `ScalingReplicaSet` Event on the Deployment, worded as upstream's.
    @discardableResult
    private func scale(_ replicaSet: Value, to replicas: Int, for deployment: Value) async throws -> Value {
        let before = replicaSet.integer("spec", "replicas") ?? 0
        let scaled = try await client.mergePatch(replicaSet, .fields([("spec", .fields([("replicas", .int(replicas))]))]),
                                                 fieldManager: fieldManager)
        if before != replicas {
            let name = replicaSet.field("metadata", "name") ?? ""
            events.post(deployment, reason: "ScalingReplicaSet",
                        message: "Scaled \(replicas > before ? "up" : "down") replica set \(name) to \(replicas) from \(before)")
        }
        return scaled
    }

    private func scaleDownOld(_ oldRSs: [Value], newRS: Value?, replicas: Int, maxUnavailable: Int, for deployment: Value) async throws -> [Value] {
        var old = oldRSs
        let all = (newRS.map { [$0] } ?? []) + old
        let allPods = all.reduce(0) { $0 + ($1.integer("spec", "replicas") ?? 0) }
        let minAvailable = replicas - maxUnavailable
        let newUnavailable = max((newRS?.integer("spec", "replicas") ?? 0) - (newRS?.integer("status", "availableReplicas") ?? 0), 0)
        var budget = allPods - minAvailable - newUnavailable
        guard budget > 0 else { return old }
        // Unhealthy replicas of old ReplicaSets go first: removing them costs no availability.
        for index in old.indices where budget > 0 {
            let specReplicas = old[index].integer("spec", "replicas") ?? 0
            let unhealthy = specReplicas - (old[index].integer("status", "availableReplicas") ?? 0)
            guard unhealthy > 0 else { continue }
            let cut = min(budget, unhealthy)
            old[index] = try await scale(old[index], to: specReplicas - cut, for: deployment)
            budget -= cut
        }
        // Then available ones, oldest ReplicaSet first, as far as availability allows.
        let available = all.reduce(0) { $0 + ($1.integer("status", "availableReplicas") ?? 0) }
        var allowed = min(available - minAvailable, budget)
        for index in old.indices where allowed > 0 {
            let specReplicas = old[index].integer("spec", "replicas") ?? 0
            guard specReplicas > 0 else { continue }
            let cut = min(allowed, specReplicas)
            old[index] = try await scale(old[index], to: specReplicas - cut, for: deployment)
            allowed -= cut
        }
        return old
    }

    private func cleanUp(_ oldRSs: [Value], limit: Int) async throws {
        let idle = oldRSs.filter { ($0.integer("spec", "replicas") ?? 0) == 0 && ($0.integer("status", "replicas") ?? 0) == 0 }
        guard idle.count > max(limit, 0) else { return }
        for replicaSet in idle.prefix(idle.count - max(limit, 0)) {
            try await client.deleteObject(replicaSet)
        }
    }

    // MARK: Status

    private func updateStatus(_ deployment: Value, newRS: Value?, all: [Value], replicas: Int, maxUnavailable: Int,
                              createdNew: Bool, paused: Bool) async throws -> ReconcileResult {
        func sum(_ field: String) -> Int { all.reduce(0) { $0 + ($1.integer("status", field) ?? 0) } }
        let now = Date()
        let total = sum("replicas")
        let updated = newRS?.integer("status", "replicas") ?? 0
        let ready = sum("readyReplicas")
        let available = sum("availableReplicas")
        var status = deployment["status"] ?? .mapping(Mapping())
        let counts: [(String, Int)] = [("replicas", total), ("updatedReplicas", updated), ("readyReplicas", ready),
                                       ("availableReplicas", available), ("unavailableReplicas", max(replicas - available, 0))]
        let progressed = counts.contains { status.integer($0.0) != $0.1 }
        for (field, value) in counts { status.assign([field], .int(value)) }
        status.assign(["observedGeneration"], .int(deployment.integer("metadata", "generation") ?? 1))
        var conditions = status["conditions"]?.sequence ?? []
        let minimum = available >= replicas - maxUnavailable
        conditions = Conditions.setting(conditions, type: "Available", status: minimum,
                                        reason: minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                                        message: minimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                                        now: now, updateTime: true)
        let rsName = newRS?.field("metadata", "name") ?? ""
        let complete = newRS != nil && updated == replicas && available >= replicas && total == replicas
        let previous = conditions.first { $0.field("type") == "Progressing" }
        var progressing: (Bool, String, String)?
        if paused {
            progressing = (true, "DeploymentPaused", "Deployment is paused")
        } else if complete {
            progressing = (true, "NewReplicaSetAvailable", "ReplicaSet \"\(rsName)\" has successfully progressed.")
        } else if createdNew {
            progressing = (true, "NewReplicaSetCreated", "Created new replica set \"\(rsName)\"")
        } else if progressed || previous == nil {
            progressing = (true, "ReplicaSetUpdated", "ReplicaSet \"\(rsName)\" is progressing.")
        } else if case let deadline = deployment.integer("spec", "progressDeadlineSeconds") ?? 600,
                  let since = Timestamp.date(previous?.field("lastUpdateTime")),
                  now.timeIntervalSince(since) > Double(deadline), previous?.field("reason") != "ProgressDeadlineExceeded" {
            progressing = (false, "ProgressDeadlineExceeded", "ReplicaSet \"\(rsName)\" has timed out progressing.")
        }
        if let (flag, reason, message) = progressing,
           previous?.field("reason") != reason || previous?.field("status") != (flag ? "True" : "False") || progressed {
            let stamp = Value.string(Timestamp.string(now))
            let transition = previous?.field("status") == (flag ? "True" : "False") ? previous?["lastTransitionTime"] : stamp
            let condition = Value.fields([
                ("type", .string("Progressing")), ("status", .string(flag ? "True" : "False")),
                ("lastUpdateTime", stamp), ("lastTransitionTime", transition ?? stamp),
                ("reason", .string(reason)), ("message", .string(message)),
            ])
            if let index = conditions.firstIndex(where: { $0.field("type") == "Progressing" }) {
                conditions[index] = condition
            } else {
                conditions.append(condition)
            }
        }
        status.assign(["conditions"], .sequence(conditions))
        let newStatus = status
        try await client.updateStatus(deployment, fieldManager: fieldManager) { current in
            current.setting(["status"], to: newStatus)
        }
        if !complete && !paused {
            // Look again for the progress deadline.
            return .requeueAfter(.seconds(max(deployment.integer("spec", "progressDeadlineSeconds") ?? 600, 1)))
        }
        return .done
    }

    // MARK: Facts

    /// maxSurge (rounded up) and maxUnavailable (rounded down) of a RollingUpdate, as numbers of Pods; Recreate
    /// uses (0, replicas).
    static func rollingParameters(_ deployment: Value, replicas: Int, name: String) throws(ControllerError) -> (Int, Int) {
        if deployment.field("spec", "strategy", "type") == "Recreate" { return (0, replicas) }
        func resolve(_ field: String, roundUp: Bool) throws(ControllerError) -> Int {
            guard let value = deployment[path: ["spec", "strategy", "rollingUpdate", field]], !value.isNull else {
                return roundUp ? Int((Double(replicas) * 0.25).rounded(.up)) : Int((Double(replicas) * 0.25).rounded(.down))
            }
            if let number = Value.integer(value) { return max(number, 0) }
            if let text = value.text, text.hasSuffix("%"), let percent = Double(text.dropLast()), percent >= 0 {
                let exact = Double(replicas) * percent / 100
                return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
            }
            throw .invalidSpec(object: name, field: "spec.strategy.rollingUpdate.\(field)",
                               reason: "expected an integer or a percentage such as 25%, found \(value.text ?? "an object")")
        }
        let surge = try resolve("maxSurge", roundUp: true)
        let unavailable = try resolve("maxUnavailable", roundUp: false)
        return (surge, surge == 0 && unavailable == 0 ? 1 : unavailable)
    }

    /// The pod-template-hash of a template: FNV-1a (32 bits) of its canonical JSON and the collision count,
    /// spelled with the consonant-and-digit alphabet Kubernetes uses so it never forms words.
    public static func templateHash(_ template: Value, collisionCount: Int = 0) -> String {
        var hash: UInt32 = 2_166_136_261
        let text = ValueJSON.encode(canonical(template)) + (collisionCount > 0 ? String(collisionCount) : "")
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// A template as its meaning: keys sorted, and nulls, empty objects and empty lists left out (a client that
    /// round-trips it through typed structs adds `resources: {}` or `creationTimestamp: null`).
    static func canonical(_ value: Value) -> Value {
        switch value {
        case let .mapping(mapping):
            let kept = mapping.pairs.map { ($0.0, canonical($0.1)) }.filter { !isEmpty($0.1) }.sorted { $0.0 < $1.0 }
            return .mapping(Mapping(uniqueKeys: kept.map(\.0), values: kept.map(\.1)))
        case let .sequence(items): return .sequence(items.map(canonical))
        case .scalar: return value
        }
    }

    private static func isEmpty(_ value: Value) -> Bool {
        value.isNull || value.mapping?.isEmpty == true || value.sequence?.isEmpty == true
    }
}
