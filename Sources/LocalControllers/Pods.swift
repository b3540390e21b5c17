import Foundation
import Resources

/// How controllers read Pods and make them from templates.
public enum Pods {
    public static func phase(_ pod: Value) -> String { pod.field("status", "phase") ?? "Pending" }

    /// Succeeded or Failed: its containers will not run again.
    public static func isTerminal(_ pod: Value) -> Bool { ["Succeeded", "Failed"].contains(phase(pod)) }

    /// Counted as running or about to: neither terminal nor being deleted.
    public static func isActive(_ pod: Value) -> Bool { !isTerminal(pod) && !pod.isDeleting }

    public static func condition(_ pod: Value, _ type: String) -> Value? {
        (pod[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type }
    }

    /// The Ready condition is True.
    public static func isReady(_ pod: Value) -> Bool { condition(pod, "Ready")?.field("status") == "True" }

    /// Ready for at least `minReadySeconds` (at `now`).
    public static func isAvailable(_ pod: Value, minReadySeconds: Int, now: Date = Date()) -> Bool {
        guard isReady(pod) else { return false }
        guard minReadySeconds > 0 else { return true }
        guard let since = Timestamp.date(condition(pod, "Ready")?.field("lastTransitionTime")) else { return false }
        return now.timeIntervalSince(since) >= Double(minReadySeconds)
    }

    /// The sum of the containers' restart counts.
    public static func restarts(_ pod: Value) -> Int {
        (pod[path: ["status", "containerStatuses"]]?.sequence ?? []).reduce(0) { $0 + (Value.integer($1["restartCount"]) ?? 0) }
    }

    /// When the pod last finished (the latest container finishedAt), if known.
    public static func finishedAt(_ pod: Value) -> Date? {
        (pod[path: ["status", "containerStatuses"]]?.sequence ?? [])
            .compactMap { Timestamp.date($0.field("state", "terminated", "finishedAt")) }.max()
    }

    /// A Pod from a template (`spec.template` of its owner): the template's labels, annotations and spec, the extra
    /// labels, `generateName`, and a controller reference to `owner`.
    public static func fromTemplate(_ template: Value, owner: Value, generateName: String,
                                    extraLabels: [(String, String)] = [],
                                    extraAnnotations: [(String, String)] = []) -> Value {
        var labels = template.stringMap("metadata", "labels")
        for (key, value) in extraLabels {
            labels.removeAll { $0.0 == key }
            labels.append((key, value))
        }
        var annotations = template.stringMap("metadata", "annotations")
        for (key, value) in extraAnnotations {
            annotations.removeAll { $0.0 == key }
            annotations.append((key, value))
        }
        let metadata = Value.fields([
            ("generateName", .string(generateName)),
            ("namespace", .string(owner.field("metadata", "namespace") ?? "default")),
            ("labels", labels.isEmpty ? nil : .strings(labels)),
            ("annotations", annotations.isEmpty ? nil : .strings(annotations)),
            ("finalizers", template[path: ["metadata", "finalizers"]]),
            ("ownerReferences", .sequence([OwnerReferences.controller(owner)])),
        ])
        return .fields([
            ("apiVersion", .string("v1")),
            ("kind", .string("Pod")),
            ("metadata", metadata),
            ("spec", template["spec"] ?? .mapping(Mapping())),
        ])
    }

    /// Which of `pods` to delete first when there are too many, as upstream ranks them: unscheduled before
    /// scheduled, Pending before Unknown before Running, not ready before ready, then the newest first.
    public static func deletionOrder(_ pods: [Value]) -> [Value] {
        func rank(_ pod: Value) -> (Int, Int, Int, String) {
            let scheduled = pod.field("spec", "nodeName").map { $0.isEmpty ? 0 : 1 } ?? 0
            let phaseRank = ["Pending": 0, "Unknown": 1, "Running": 2][phase(pod)] ?? 2
            let ready = isReady(pod) ? 1 : 0
            return (scheduled, phaseRank, ready, pod.field("metadata", "creationTimestamp") ?? "")
        }
        return pods.sorted { a, b in
            let (x, y) = (rank(a), rank(b))
            if (x.0, x.1, x.2) != (y.0, y.1, y.2) { return (x.0, x.1, x.2) < (y.0, y.1, y.2) }
            return x.3 > y.3
        }
    }
}

/// Conditions in an object's status, as the API's controllers write them.
public enum Conditions {
    /// `conditions` with `type` set to the given status, reason and message; lastTransitionTime changes only when
    /// the status does.
    public static func setting(_ conditions: [Value], type: String, status: Bool, reason: String, message: String,
                               now: Date = Date(), probeTime: Bool = false, updateTime: Bool = false) -> [Value] {
        let statusText = status ? "True" : "False"
        let stamp = Value.string(Timestamp.string(now))
        let existing = conditions.first { $0.field("type") == type }
        let transition = existing?.field("status") == statusText ? existing?["lastTransitionTime"] : stamp
        if let existing, existing.field("status") == statusText, existing.field("reason") == reason,
           existing.field("message") == message {
            return conditions
        }
        let condition = Value.fields([
            ("type", .string(type)), ("status", .string(statusText)),
            ("lastProbeTime", probeTime ? stamp : nil),
            ("lastUpdateTime", updateTime ? stamp : nil),
            ("lastTransitionTime", transition ?? stamp),
            ("reason", .string(reason)), ("message", .string(message)),
        ])
        if let index = conditions.firstIndex(where: { $0.field("type") == type }) {
            var result = conditions
            result[index] = condition
            return result
        }
        return conditions + [condition]
    }

    public static func isTrue(_ object: Value, _ type: String) -> Bool {
        (object[path: ["status", "conditions"]]?.sequence ?? []).contains { $0.field("type") == type && $0.field("status") == "True" }
    }

    public static func find(_ object: Value, _ type: String) -> Value? {
        (object[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type }
    }
}
