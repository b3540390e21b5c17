import Cluster
import Foundation
import Resources
import Synchronization

/// A container of a workload's Pod that waits for a reason it does not leave by itself (an image that cannot be
/// pulled or, on kf-local, is not mapped; a crash loop; a missing ConfigMap or Secret), as the kubelet writes it in
/// `status.containerStatuses[].state.waiting`.
public struct PodTrouble: Sendable, Hashable {
    public var namespace: String
    public var pod: String
    public var container: String
    public var image: String
    public var reason: String
    public var message: String

    /// The waiting reasons worth telling while kf waits: none of them clears without someone acting.
    public static let reasons: Set<String> = [
        "ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CrashLoopBackOff",
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
    ]

    /// `Pod ml/x-worker-0: container pytorch is waiting: ErrImageNeverPull: image ... is not mapped ...`.
    public var line: String {
        "Pod \(namespace)/\(pod): container \(container) is waiting: \(reason)" + (message.isEmpty ? "" : ": \(message)")
    }

    /// The troubles of one Pod: each init or app container whose waiting reason is one of `reasons`.
    public static func find(in pod: Value) -> [PodTrouble] {
        let name = pod[path: ["metadata", "name"]]?.text ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.text ?? ""
        let specs = (pod[path: ["spec", "initContainers"]]?.sequence ?? []) + (pod[path: ["spec", "containers"]]?.sequence ?? [])
        let statuses = (pod[path: ["status", "initContainerStatuses"]]?.sequence ?? []) + (pod[path: ["status", "containerStatuses"]]?.sequence ?? [])
        return statuses.compactMap { status -> PodTrouble? in
            guard let reason = status[path: ["state", "waiting", "reason"]]?.text, reasons.contains(reason) else { return nil }
            let container = status["name"]?.text ?? ""
            let image = specs.first { $0["name"]?.text == container }?["image"]?.text ?? status["image"]?.text ?? ""
            return PodTrouble(namespace: namespace, pod: name, container: container, image: image, reason: reason,
                              message: status[path: ["state", "waiting", "message"]]?.text ?? "")
        }
    }
}

/// Looks at a workload's Pods while kf waits for the workload: tells each trouble once (through `report`), and on
/// kf-local fails the wait at once when an image is not mapped (kf-local never pulls, so the Pod would wait forever).
struct PodWatch: Sendable {
    /// The workload, for the error (`job x`, `experiment x`, `InferenceService x`).
    var workload: String
    /// Whether the cluster is the project's kf-local.
    var local: Bool
    /// The Pods to look at (a label selector's, or several).
    var pods: @Sendable () async throws -> [Value]
    var report: @Sendable (String) -> Void
    var interval: Duration = .seconds(1)

    /// The Pods of a label selector in `namespace`.
    static func selector(_ client: ClusterClient, namespace: String?, _ labelSelector: String) -> @Sendable () async throws -> [Value] {
        { try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace, labelSelector: labelSelector).items }
    }

    /// Runs `operation` while looking at the Pods every `interval`: returns what it returns, throws what it throws,
    /// or throws `imageNotMapped` first.
    func during<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await self.watch()
                return nil
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    /// Checks until cancelled; returns when it is.
    func watch() async throws {
        let seen = Mutex(Set<String>())
        while !Task.isCancelled {
            // A failed list is not this watch's to report: the wait itself tells about an unreachable cluster.
            let pods = (try? await pods()) ?? []
            for trouble in pods.flatMap(PodTrouble.find) {
                let key = [trouble.namespace, trouble.pod, trouble.container, trouble.reason].joined(separator: "/")
                guard seen.withLock({ $0.insert(key).inserted }) else { continue }
                if local, trouble.reason == "ErrImageNeverPull" {
                    throw ActionError.imageNotMapped(workload: workload, pod: trouble.namespace + "/" + trouble.pod,
                                                     container: trouble.container, image: trouble.image)
                }
                report(trouble.line)
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
