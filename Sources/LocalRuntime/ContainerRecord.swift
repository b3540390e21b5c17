import Foundation
import Resources

/// What the node agent knows of one container of a Pod, rendered as its `containerStatuses` entry.
struct ContainerRecord {
    enum State {
        case waiting(reason: String, message: String?)
        case running(startedAt: String)
        case terminated(Termination)
    }

    struct Termination {
        var exitCode: Int32
        var signal: Int32?
        var reason: String
        var message: String?
        var startedAt: String?
        var finishedAt: String
        var containerID: String?
    }

    let name: String
    let image: String
    var state: State
    var lastTermination: Termination?
    var restartCount = 0
    var ready = false
    var started = false
    var containerID: String?
    /// The running process (its group has the same id).
    var pid: Int32?
    /// Ports as told to the process (declared -> actual).
    var ports: [Int: Int] = [:]
    /// Set while the agent itself stops the container (liveness failure, deadline, deletion).
    var killReason: String?

    init(name: String, image: String, initialWaiting: String) {
        self.name = name
        self.image = image
        state = .waiting(reason: initialWaiting, message: nil)
    }

    var isRunning: Bool { if case .running = state { return true } else { return false } }
    var termination: Termination? { if case let .terminated(t) = state { return t } else { return nil } }

    static func render(_ termination: Termination) -> Value {
        var mapping = Mapping([("exitCode", .int(Int(termination.exitCode)))])
        if let signal = termination.signal { mapping["signal"] = .int(Int(signal)) }
        mapping["reason"] = .string(termination.reason)
        if let message = termination.message { mapping["message"] = .string(message) }
        if let startedAt = termination.startedAt { mapping["startedAt"] = .string(startedAt) }
        mapping["finishedAt"] = .string(termination.finishedAt)
        if let id = termination.containerID { mapping["containerID"] = .string(id) }
        return .mapping(mapping)
    }

    var rendered: Value {
        var stateValue = Mapping()
        switch state {
        case let .waiting(reason, message):
            var waiting = Mapping([("reason", .string(reason))])
            if let message { waiting["message"] = .string(message) }
            stateValue["waiting"] = .mapping(waiting)
        case let .running(startedAt):
            stateValue["running"] = .mapping(Mapping([("startedAt", .string(startedAt))]))
        case let .terminated(termination):
            stateValue["terminated"] = Self.render(termination)
        }
        var last = Mapping()
        if let lastTermination { last["terminated"] = Self.render(lastTermination) }
        var mapping = Mapping([
            ("name", .string(name)), ("state", .mapping(stateValue)), ("lastState", .mapping(last)),
            ("ready", .bool(ready)), ("restartCount", .int(restartCount)), ("image", .string(image)),
            ("imageID", .string("")),
        ])
        if let containerID { mapping["containerID"] = .string(containerID) }
        mapping["started"] = .bool(started)
        return .mapping(mapping)
    }

    /// Reads back a status entry an earlier run of the agent wrote (for restarts of kf-local).
    static func previous(_ status: Value?) -> (restartCount: Int, wasStarted: Bool, succeeded: Bool) {
        guard let status else { return (0, false, false) }
        let restarts = status["restartCount"]?.text.flatMap { Int($0) } ?? 0
        let running = status[path: ["state", "running"]] != nil
        let terminated = status[path: ["state", "terminated"]]
        let succeeded = terminated?["exitCode"]?.text == "0"
        return (restarts, running || terminated != nil || status["lastState"]?["terminated"] != nil, succeeded)
    }
}
