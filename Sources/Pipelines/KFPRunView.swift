import Foundation
import Resources

/// A run of a KFP API server (a v2beta1 `Run` object) as people read it: the row of `kf pipeline list`, the task
/// tree of `kf pipeline status` (from `run_details.task_details`), and the state changes `--watch` prints.
public struct KFPRunView: Sendable {
    /// One entry of `run_details.task_details`.
    public struct Task: Sendable, Equatable {
        public var id: String
        public var name: String
        public var state: String
        public var parentID: String?
        public var podName: String?
        /// Pods of the task's children (`child_tasks`), which hold a task's executor on KFP's v2 backend.
        public var childPods: [String]
        public var error: String?
        public var created: Date?
        public var started: Date?
        public var finished: Date?
    }

    public var id: String
    public var name: String
    public var state: String
    public var experimentID: String
    public var pipelineID: String?
    public var pipelineVersionID: String?
    public var error: String?
    public var created: Date?
    public var finished: Date?
    public var tasks: [Task]

    public init(_ run: Value) {
        id = run["run_id"]?.text ?? ""
        name = run["display_name"]?.text ?? ""
        state = run["state"]?.text ?? "RUNTIME_STATE_UNSPECIFIED"
        experimentID = run["experiment_id"]?.text ?? ""
        pipelineID = run[path: ["pipeline_version_reference", "pipeline_id"]]?.text
        pipelineVersionID = run[path: ["pipeline_version_reference", "pipeline_version_id"]]?.text ?? run["pipeline_version_id"]?.text
        error = Self.message(run["error"])
        created = Self.date(run["created_at"])
        finished = Self.date(run["finished_at"])
        tasks = (run[path: ["run_details", "task_details"]]?.sequence ?? []).map { value in
            Task(id: value["task_id"]?.text ?? "", name: value["display_name"]?.text ?? "",
                 state: value["state"]?.text ?? "RUNTIME_STATE_UNSPECIFIED",
                 parentID: value["parent_task_id"]?.text.flatMap { $0.isEmpty ? nil : $0 },
                 podName: value["pod_name"]?.text.flatMap { $0.isEmpty ? nil : $0 },
                 childPods: (value["child_tasks"]?.sequence ?? []).compactMap { $0["pod_name"]?.text }.filter { !$0.isEmpty },
                 error: Self.message(value["error"]), created: Self.date(value["create_time"]),
                 started: Self.date(value["start_time"]), finished: Self.date(value["end_time"]))
        }
    }

    /// KFP's final states: a run in one of them changes no more.
    public static let finalStates: Set<String> = ["SUCCEEDED", "SKIPPED", "FAILED", "CANCELED"]

    public var isFinished: Bool { Self.finalStates.contains(state) }
    public var succeeded: Bool { state == "SUCCEEDED" }

    /// KFP's state in the words of kf's local runs (Argo's phases), so both read alike.
    public static func phase(_ state: String) -> String {
        switch state {
        case "PENDING": return "Pending"
        case "RUNNING": return "Running"
        case "SUCCEEDED": return "Succeeded"
        case "SKIPPED": return "Skipped"
        case "FAILED": return "Failed"
        case "CANCELING": return "Canceling"
        case "CANCELED": return "Canceled"
        case "PAUSED": return "Paused"
        default: return "Unknown"
        }
    }

    public var phase: String { Self.phase(state) }

    /// The run as `kf pipeline list -o yaml|json` prints it on a KFP API server: the table's columns as fields.
    public func summary(experiment: String) -> Value {
        var mapping = Mapping([("name", .string(name)), ("id", .string(id))])
        if !experiment.isEmpty { mapping["experiment"] = .string(experiment) }
        mapping["phase"] = .string(phase)
        if let seconds = duration { mapping["durationSeconds"] = .int(Int(seconds.rounded())) }
        if let error { mapping["message"] = .string(error) }
        return .mapping(mapping)
    }

    public var duration: TimeInterval? {
        guard let created, created.timeIntervalSince1970 > 0 else { return nil }
        let end = finished.flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil } ?? Date()
        return end.timeIntervalSince(created)
    }

    static func symbol(_ state: String) -> String {
        switch state {
        case "SUCCEEDED": return "✔"
        case "FAILED": return "✖"
        case "RUNNING": return "●"
        case "PENDING": return "◷"
        case "CANCELING", "CANCELED", "SKIPPED": return "○"
        default: return "?"
        }
    }

    /// The tasks as a tree (children under their `parent_task_id`), one line per task: symbol, name, phase,
    /// duration and error, in the columns of the local runs' tree.
    public func tree() -> [String] {
        guard !tasks.isEmpty else {
            return ["\(name)  \(phase)" + (error.map { "  \($0)" } ?? "") + "  (the server reports no tasks yet)"]
        }
        let ids = Set(tasks.map(\.id))
        var children: [String: [Task]] = [:]
        var roots: [Task] = []
        // In the order they started; tasks that started together in the server's order.
        let ordered = tasks.enumerated().sorted { ($0.element.started ?? $0.element.created ?? .distantPast, $0.offset)
            < ($1.element.started ?? $1.element.created ?? .distantPast, $1.offset) }.map(\.element)
        for task in ordered {
            if let parent = task.parentID, ids.contains(parent), parent != task.id {
                children[parent, default: []].append(task)
            } else {
                roots.append(task)
            }
        }
        var rows: [(step: String, phase: String, duration: String, message: String)] = []
        var seen: Set<String> = []
        func visit(_ task: Task, prefix: String, last: Bool, depth: Int) {
            guard seen.insert(task.id).inserted else { return }
            let branch = depth == 0 ? "" : prefix + (last ? "└─" : "├─")
            let took = task.started.map { RunView.duration((task.finished ?? Date()).timeIntervalSince($0)) } ?? ""
            rows.append((branch + Self.symbol(task.state) + " " + task.name, Self.phase(task.state), took, task.error ?? ""))
            let below = children[task.id] ?? []
            for (index, child) in below.enumerated() {
                visit(child, prefix: depth == 0 ? "" : prefix + (last ? "  " : "│ "), last: index == below.count - 1, depth: depth + 1)
            }
        }
        for root in roots { visit(root, prefix: "", last: true, depth: 0) }
        return RunView.treeTable(rows)
    }

    /// What changed since `previous`: the run's state, then one line per task whose state changed (or that appeared).
    public func changes(since previous: KFPRunView?) -> [String] {
        var lines: [String] = []
        if previous?.state != state { lines.append("\(Self.symbol(state)) run \(name): \(phase)" + (error.map { ": \($0)" } ?? "")) }
        let before = Dictionary(previous?.tasks.map { ($0.id, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        for task in tasks where before[task.id]?.state != task.state {
            var line = "\(Self.symbol(task.state)) \(task.name): \(Self.phase(task.state))"
            if Self.finalStates.contains(task.state), let start = task.started, let end = task.finished {
                line += " in " + RunView.duration(end.timeIntervalSince(start))
            }
            if let error = task.error, task.state != "SUCCEEDED" { line += ": " + error }
            lines.append(line)
        }
        return lines
    }

    /// A `google.rpc.Status`'s message, when there is one.
    static func message(_ status: Value?) -> String? {
        guard let status, let text = status["message"]?.text, !text.isEmpty else { return nil }
        return text
    }

    /// KFP writes RFC 3339 times, with or without fractions of a second.
    static func date(_ value: Value?) -> Date? {
        guard let text = value?.text, !text.isEmpty else { return nil }
        if let date = Timestamp.date(text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// What kf sends a KFP API server for a pipeline: the IR as the kfp SDK sends it.
public enum KFPPipelinePackage {
    /// The IR with every root task's cache switched off, as `kfp.Client(...).create_run_from_pipeline_package(
    /// enable_caching=False)` overrides the compile-time choice.
    public static func disablingCache(_ document: Value) -> Value {
        guard var root = document["root"]?.mapping, var dag = root["dag"]?.mapping, let tasks = dag["tasks"]?.mapping else {
            return document
        }
        var changed = Mapping()
        for (name, task) in tasks.pairs {
            guard var fields = task.mapping else { changed[name] = task; continue }
            var options = fields["cachingOptions"]?.mapping ?? Mapping()
            options["enableCache"] = .bool(false)
            fields["cachingOptions"] = .mapping(options)
            changed[name] = .mapping(fields)
        }
        dag["tasks"] = .mapping(changed)
        root["dag"] = .mapping(dag)
        var result = document.mapping ?? Mapping()
        result["root"] = .mapping(root)
        return .mapping(result)
    }
}
