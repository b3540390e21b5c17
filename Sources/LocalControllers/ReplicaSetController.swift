import Cluster
import Foundation
import Resources

/// The ReplicaSet controller (apps/v1): keeps `replicas` active Pods matching the selector (creating from the
/// template, deleting the least useful first), adopts matching orphans, and reports replicas, fullyLabeledReplicas,
/// readyReplicas, availableReplicas (ready for minReadySeconds) and observedGeneration.
public struct ReplicaSetController: Reconciler {
    let client: ClusterClient
    let replicaSets: Informer
    let pods: Informer
    let expectations: Expectations<NamespacedName>
    let claimer: ControllerRefManager
    let fieldManager: String
    let events: EventRecorder

    public static func make(_ context: ControllerContext) -> Controller {
        let expectations = Expectations<NamespacedName>()
        let reconciler = ReplicaSetController(client: context.client, replicaSets: context.informers.replicaSets,
                                              pods: context.informers.pods, expectations: expectations,
                                              claimer: ControllerRefManager(client: context.client, fieldManager: context.fieldManager),
                                              fieldManager: context.fieldManager, events: context.events("replicaset-controller"))
        let controller = Controller(name: "replicaset", reconciler: reconciler, workers: 2)
        context.informers.replicaSets.addHandler { controller.enqueue($0.object) }
        context.informers.pods.addHandler { event in
            let pod = event.object
            guard let key = OwnerReferences.controllerKey(pod, kind: "ReplicaSet") else {
                // An orphan: any ReplicaSet in its namespace whose selector matches may adopt it.
                if case .deleted = event { return }
                let namespace = pod.field("metadata", "namespace") ?? ""
                for replicaSet in context.informers.replicaSets.list(namespace: namespace) {
                    guard let selectorValue = replicaSet[path: ["spec", "selector"]],
                          let selector = try? LabelSelector(selectorValue, object: "", field: ""),
                          !selector.isEmpty, selector.matches(pod.labels) else { continue }
                    controller.enqueue(replicaSet)
                }
                return
            }
            switch event {
            case .added: expectations.creationObserved(key)
            case let .updated(old, new): if new.isDeleting && !old.isDeleting { expectations.deletionObserved(key) }
            case let .deleted(pod): if !pod.isDeleting { expectations.deletionObserved(key) }
            }
            controller.queue.add(key)
            // Availability after minReadySeconds needs a second look.
            if case let .updated(old, new) = event, Pods.isReady(new), !Pods.isReady(old),
               let replicaSet = context.informers.replicaSets.get(key),
               let minReady = replicaSet.integer("spec", "minReadySeconds"), minReady > 0 {
                controller.queue.addAfter(key, .seconds(minReady) + .milliseconds(50))
            }
        }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard let replicaSet = replicaSets.get(key) else {
            expectations.forget(key)
            return .done
        }
        let name = "ReplicaSet \(key)"
        guard let selectorValue = replicaSet[path: ["spec", "selector"]] else {
            throw ControllerError.invalidSpec(object: name, field: "spec.selector", reason: "required")
        }
        let selector = try LabelSelector(selectorValue, object: name, field: "spec.selector")
        if selector.isEmpty {
            throw ControllerError.invalidSpec(object: name, field: "spec.selector", reason: "an empty selector would match every Pod; give matchLabels")
        }
        let owned = try await claimer.claim(pods.list(namespace: key.namespace), owner: replicaSet, selector: selector)
        var active = owned.filter(Pods.isActive)
        let replicas = max(replicaSet.integer("spec", "replicas") ?? 1, 0)
        if !replicaSet.isDeleting && expectations.isSatisfied(key) {
            if active.count < replicas {
                guard let template = replicaSet[path: ["spec", "template"]], template.mapping != nil else {
                    throw ControllerError.invalidSpec(object: name, field: "spec.template", reason: "required")
                }
                let missing = replicas - active.count
                expectations.expect(key, creations: missing)
                var firstError: (any Error)?
                for _ in 0..<missing {
                    let pod = Pods.fromTemplate(template, owner: replicaSet, generateName: key.name + "-")
                    do {
                        let made = try await client.createObject(pod, fieldManager: fieldManager)
                        events.post(replicaSet, reason: "SuccessfulCreate", message: "Created pod: \(made.field("metadata", "name") ?? "")")
                        active.append(made)
                    } catch {
                        expectations.creationObserved(key)
                        if firstError == nil { firstError = error }
                    }
                }
                if let firstError { throw firstError }
            } else if active.count > replicas {
                let victims = Array(Pods.deletionOrder(active).prefix(active.count - replicas))
                expectations.expect(key, deletions: victims.count)
                for pod in victims {
                    do { try await client.deleteObject(pod) } catch {
                        expectations.deletionObserved(key)
                        throw error
                    }
                    events.post(replicaSet, reason: "SuccessfulDelete", message: "Deleted pod: \(pod.field("metadata", "name") ?? "")")
                }
                let removed = Set(victims.compactMap(\.uid))
                active.removeAll { removed.contains($0.uid ?? "") }
            }
        }
        let minReady = replicaSet.integer("spec", "minReadySeconds") ?? 0
        let templateLabels = replicaSet.stringMap("spec", "template", "metadata", "labels")
        let now = Date()
        let ready = active.filter(Pods.isReady)
        let available = ready.filter { Pods.isAvailable($0, minReadySeconds: minReady, now: now) }
        let fullyLabeled = active.filter { pod in let labels = pod.labels; return templateLabels.allSatisfy { labels[$0.0] == $0.1 } }
        var status = replicaSet["status"] ?? .mapping(Mapping())
        status.assign(["replicas"], .int(active.count))
        status.assign(["fullyLabeledReplicas"], .int(fullyLabeled.count))
        status.assign(["readyReplicas"], .int(ready.count))
        status.assign(["availableReplicas"], .int(available.count))
        status.assign(["observedGeneration"], .int(replicaSet.integer("metadata", "generation") ?? 1))
        let newStatus = status
        try await client.updateStatus(replicaSet, fieldManager: fieldManager) { current in
            current.setting(["status"], to: newStatus)
        }
        if available.count < ready.count { return .requeueAfter(.seconds(1)) }
        return .done
    }
}
