import Foundation
import Resources

/// A training job's state as its status tells it, the same way for the Training Operator's kinds (conditions
/// Created, Running, Restarting, Succeeded, Failed, Suspended) and Trainer's TrainJob (Complete, Failed, Suspended).
public struct TrainingJobStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case pending = "Pending", created = "Created", running = "Running", restarting = "Restarting",
             suspended = "Suspended", succeeded = "Succeeded", failed = "Failed"

        /// Whether the job will not change any more.
        public var isFinished: Bool { self == .succeeded || self == .failed }
    }

    public struct Condition: Sendable, Equatable {
        public var type: String
        public var status: String
        public var reason: String
        public var message: String
        public var lastTransitionTime: String

        /// The conditions of a `status.conditions` list, as Kubernetes and the operators write them.
        public static func list(_ value: Value?) -> [Condition] {
            (value?.sequence ?? []).map { condition in
                Condition(type: condition["type"]?.text ?? "", status: condition["status"]?.text ?? "",
                          reason: condition["reason"]?.text ?? "", message: condition["message"]?.text ?? "",
                          lastTransitionTime: condition["lastTransitionTime"]?.text ?? condition["lastUpdateTime"]?.text ?? "")
            }
        }
    }

    public struct ReplicaStatus: Sendable, Equatable {
        public var type: String
        public var active: Int
        public var succeeded: Int
        public var failed: Int
    }

    public var name: String
    public var namespace: String
    public var apiVersion: String
    public var kind: String
    public var phase: Phase
    /// The message of the condition that decided the phase.
    public var message: String
    public var conditions: [Condition]
    public var replicas: [ReplicaStatus]
    public var created: Date?
    public var started: Date?
    public var completed: Date?

    /// The kinds `kf train` runs, with their API versions.
    public static let kinds: [(apiVersion: String, kind: String)] =
        TrainingFramework.allCases.map { (TrainingFramework.apiVersion, $0.kind) } + [("trainer.kubeflow.org/v1alpha1", "TrainJob")]

    public init(_ job: Value) {
        name = job[path: ["metadata", "name"]]?.text ?? ""
        namespace = job[path: ["metadata", "namespace"]]?.text ?? ""
        apiVersion = job["apiVersion"]?.text ?? ""
        kind = job["kind"]?.text ?? ""
        conditions = Condition.list(job[path: ["status", "conditions"]])
        replicas = Self.replicaStatuses(job)
        created = job[path: ["metadata", "creationTimestamp"]]?.text.flatMap(Self.date)
        started = job[path: ["status", "startTime"]]?.text.flatMap(Self.date)
        completed = job[path: ["status", "completionTime"]]?.text.flatMap(Self.date)
        (phase, message) = Self.phase(conditions)
        if kind == "TrainJob" {
            // Trainer writes no Created or Running condition: kf reads them from the child Jobs (jobsStatus), as
            // the Trainer SDK reports a TrainJob Running once its Jobs run.
            if phase == .pending && !conditions.contains(where: { $0.type == "Suspended" && $0.status == "True" }) {
                phase = replicas.contains { $0.active > 0 } ? .running : .created
            }
            // A TrainJob's status has no times: it runs from its creation until its final condition.
            started = started ?? created
            let final = conditions.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }
            completed = completed ?? final.flatMap { Self.date($0.lastTransitionTime) }
        }
    }

    /// The phase from the conditions that are true: a final one wins, then the latest of the others (the operator
    /// keeps earlier conditions such as Created true while Running).
    static func phase(_ conditions: [Condition]) -> (Phase, String) {
        let current = conditions.filter { $0.status == "True" }
        for (type, phase) in [("Failed", Phase.failed), ("Succeeded", .succeeded), ("Complete", .succeeded)] {
            if let condition = current.first(where: { $0.type == type }) { return (phase, condition.message) }
        }
        if let condition = current.first(where: { $0.type == "Suspended" }) { return (.suspended, condition.message) }
        for (type, phase) in [("Restarting", Phase.restarting), ("Running", .running), ("Created", .created)] {
            if let condition = current.last(where: { $0.type == type }) { return (phase, condition.message) }
        }
        return (.pending, "")
    }

    static func replicaStatuses(_ job: Value) -> [ReplicaStatus] {
        if let byType = job[path: ["status", "replicaStatuses"]]?.mapping {
            return byType.pairs.map { type, status in
                ReplicaStatus(type: type, active: Int(status["active"]?.text ?? "") ?? 0,
                              succeeded: Int(status["succeeded"]?.text ?? "") ?? 0, failed: Int(status["failed"]?.text ?? "") ?? 0)
            }
        }
        // TrainJob: one entry per replicated job of its JobSet.
        return (job[path: ["status", "jobsStatus"]]?.sequence ?? []).map { status in
            ReplicaStatus(type: status["name"]?.text ?? "", active: Int(status["active"]?.text ?? "") ?? 0,
                          succeeded: Int(status["succeeded"]?.text ?? "") ?? 0, failed: Int(status["failed"]?.text ?? "") ?? 0)
        }
    }

    /// How long the job ran (until now while it runs), when it has started.
    public func duration(now: Date = Date()) -> TimeInterval? {
        guard let started else { return nil }
        return (completed ?? now).timeIntervalSince(started)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
