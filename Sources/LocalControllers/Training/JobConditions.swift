import Foundation
import Resources

/// The conditions of a Training Operator job as the operator's `UpdateJobConditions` keeps them: nothing changes
/// once Failed; a condition with the same status and reason is left alone; Running and Restarting replace each
/// other; Succeeded or Failed turn Running to False. Reasons are the kind followed by the event
/// (`PyTorchJobRunning`).
struct JobConditions {
    var items: [Value]
    let kind: String

    init(_ status: Value?, kind: String) {
        items = status?["conditions"]?.sequence ?? []
        self.kind = kind
    }

    func find(_ type: String) -> Value? { items.first { $0.field("type") == type } }
    func isTrue(_ type: String) -> Bool { find(type)?.field("status") == "True" }
    var isFinished: Bool { isTrue("Succeeded") || isTrue("Failed") }

    mutating func set(_ type: String, _ status: Bool, reason: String, message: String, now: Date) {
        if isTrue("Failed") { return }
        let statusText = status ? "True" : "False"
        let reason = kind + reason
        let current = find(type)
        if let current, current.field("status") == statusText, current.field("reason") == reason { return }
        let stamp = Value.string(Timestamp.string(now))
        let transition = current?.field("status") == statusText ? current?["lastTransitionTime"] ?? stamp : stamp
        var kept: [Value] = []
        for var condition in items {
            let other = condition.field("type") ?? ""
            if other == type { continue }
            if (type == "Restarting" && other == "Running") || (type == "Running" && other == "Restarting") { continue }
            if (type == "Succeeded" || type == "Failed") && other == "Running" && condition.field("status") == "True" {
                condition.assign(["status"], .string("False"))
                condition.assign(["lastUpdateTime"], stamp)
                condition.assign(["lastTransitionTime"], stamp)
            }
            kept.append(condition)
        }
        kept.append(.fields([("type", .string(type)), ("status", .string(statusText)), ("reason", .string(reason)),
                             ("message", .string(message)), ("lastUpdateTime", stamp), ("lastTransitionTime", transition)]))
        items = kept
    }
}
