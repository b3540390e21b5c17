import Foundation
import Resources

/// A run (a Workflow with its status) as people read it: the summary of `kf pipeline list`, the node tree of
/// `kf pipeline status` and `--watch` (as `argo get` draws it), and the phase changes `--watch` prints.
public struct RunView: Sendable {
    public var name: String
    public var namespace: String
    public var pipeline: String
    public var experiment: String
    public var phase: String
    public var progress: String
    public var message: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var created: Date?
    public var nodes: [String: RunNode]

    public init(_ workflow: Value) {
        name = workflow[path: ["metadata", "name"]]?.text ?? ""
        namespace = workflow[path: ["metadata", "namespace"]]?.text ?? "default"
        pipeline = workflow[path: ["metadata", "labels", ArgoWorkflow.pipelineLabel]]?.text ?? ""
        experiment = workflow[path: ["metadata", "labels", ArgoWorkflow.experimentLabel]]?.text ?? ""
        phase = workflow[path: ["status", "phase"]]?.text ?? "Pending"
        progress = workflow[path: ["status", "progress"]]?.text ?? ""
        message = workflow[path: ["status", "message"]].flatMap { $0.isNull ? nil : $0.text }
        startedAt = Timestamp.date(workflow[path: ["status", "startedAt"]]?.text)
        finishedAt = Timestamp.date(workflow[path: ["status", "finishedAt"]]?.text)
        created = Timestamp.date(workflow[path: ["metadata", "creationTimestamp"]]?.text)
        var nodes: [String: RunNode] = [:]
        for (id, value) in workflow[path: ["status", "nodes"]]?.mapping?.pairs.map({ $0 }) ?? [] {
            if let node = RunNode(value: value) { nodes[id] = node }
        }
        self.nodes = nodes
    }

    public var isFinished: Bool { ["Succeeded", "Failed", "Error"].contains(phase) }

    /// The run as `kf pipeline list -o yaml|json` prints it: the table's columns as fields (absent when empty).
    public var summary: Value {
        var mapping = Mapping([("name", .string(name)), ("namespace", .string(namespace)), ("pipeline", .string(pipeline))])
        if !experiment.isEmpty { mapping["experiment"] = .string(experiment) }
        mapping["phase"] = .string(phase)
        if !progress.isEmpty { mapping["progress"] = .string(progress) }
        if let seconds = duration { mapping["durationSeconds"] = .int(Int(seconds.rounded())) }
        if let message { mapping["message"] = .string(message) }
        return .mapping(mapping)
    }

    /// The run's Pod nodes (every attempt), in the order they started.
    public var taskNodes: [RunNode] {
        nodes.values.filter { $0.type == .pod }.sorted { ($0.startedAt ?? .distantPast, $0.name) < ($1.startedAt ?? .distantPast, $1.name) }
    }

    /// From the root node's times, which have milliseconds (the Workflow's own, in Argo's format, have whole seconds
    /// and make a quick run 0.0s), else the Workflow's.
    public var duration: TimeInterval? {
        let root = nodes.values.first { $0.name == name }
        guard let start = root?.startedAt ?? startedAt else { return nil }
        return max(0, (root?.finishedAt ?? finishedAt ?? Date()).timeIntervalSince(start))
    }

    public static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 60 { return seconds < 10 ? String(format: "%.1fs", seconds) : "\(Int(seconds))s" }
        let minutes = Int(seconds) / 60
        if minutes < 60 { return "\(minutes)m\(Int(seconds) % 60)s" }
        return "\(minutes / 60)h\(minutes % 60)m"
    }

    static func symbol(_ phase: NodePhase, cached: Bool) -> String {
        if cached { return "◉" }
        switch phase {
        case .succeeded: return "✔"
        case .failed, .error: return "✖"
        case .running: return "●"
        case .pending: return "◷"
        case .skipped, .omitted: return "○"
        }
    }

    /// The node tree, one line per node: symbol, name, phase, duration and message, children indented.
    public func tree() -> [String] {
        let rootID = RunNode.id(run: name, name: name)
        guard let root = nodes[rootID] else { return ["\(name)  \(phase)" + (message.map { "  \($0)" } ?? "")] }
        var rows: [(step: String, phase: String, duration: String, message: String)] = []
        func visit(_ node: RunNode, prefix: String, last: Bool, depth: Int) {
            let branch = depth == 0 ? "" : prefix + (last ? "└─" : "├─")
            let took = node.startedAt.map { RunView.duration((node.finishedAt ?? Date()).timeIntervalSince($0)) } ?? ""
            var phaseText = node.phase.rawValue
            if node.cached { phaseText += " (cached)" }
            rows.append((branch + RunView.symbol(node.phase, cached: node.cached) + " " + node.displayName, phaseText, took,
                         node.message ?? ""))
            let children = node.children.compactMap { nodes[$0] }
            for (index, child) in children.enumerated() {
                visit(child, prefix: depth == 0 ? "" : prefix + (last ? "  " : "│ "), last: index == children.count - 1, depth: depth + 1)
            }
        }
        visit(root, prefix: "", last: true, depth: 0)
        return Self.treeTable(rows)
    }

    /// The columns of a task tree: step (with its branches), phase, duration, message; trailing blanks trimmed.
    static func treeTable(_ rows: [(step: String, phase: String, duration: String, message: String)]) -> [String] {
        let width = rows.map { $0.step.count }.max() ?? 4
        let phaseWidth = max(rows.map { $0.phase.count }.max() ?? 5, 5)
        var lines = ["STEP".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "PHASE".padding(toLength: phaseWidth + 2, withPad: " ", startingAt: 0) + "DURATION  MESSAGE"]
        for (step, phase, took, message) in rows {
            let line = step.padding(toLength: width + 2, withPad: " ", startingAt: 0) + phase.padding(toLength: phaseWidth + 2, withPad: " ", startingAt: 0)
                + took.padding(toLength: 10, withPad: " ", startingAt: 0) + message
            lines.append(String(line.reversed().drop(while: { $0 == " " }).reversed()))
        }
        return lines
    }

    /// What changed since `previous`: one line per node whose phase changed (or that appeared).
    public func changes(since previous: RunView?) -> [String] {
        var lines: [String] = []
        let ordered = nodes.values.sorted { ($0.startedAt ?? .distantPast, $0.name) < ($1.startedAt ?? .distantPast, $1.name) }
        for node in ordered where node.type != .dag || node.id != RunNode.id(run: name, name: name) {
            let before = previous?.nodes[node.id]
            guard before?.phase != node.phase || (node.phase == .running && node.message != nil && before?.message != node.message) else { continue }
            let path = node.name.hasPrefix(name + ".") ? String(node.name.dropFirst(name.count + 1)) : node.name
            var line = "\(RunView.symbol(node.phase, cached: node.cached)) \(path): \(node.phase.rawValue)"
            if node.cached { line += " (cached)" }
            if node.phase.isFinished, let start = node.startedAt, let end = node.finishedAt, !node.cached {
                line += " in " + RunView.duration(end.timeIntervalSince(start))
            }
            if let message = node.message, node.phase != .succeeded { line += ": " + message }
            lines.append(line)
        }
        return lines
    }
}

/// `kf pipeline retry`, as `argo retry`: the failed, errored and omitted nodes (and what they contain) are removed
/// and the nodes above them run again; succeeded and skipped ones are kept. The result is a merge patch of the
/// Workflow (the removed nodes as nulls), with the retry count in `kf.dev/retry` so the controller starts over
/// from the status.
public enum RunRetry {
    public static let annotation = "kf.dev/retry"

    public static func patch(_ workflow: Value) -> Value? {
        let view = RunView(workflow)
        guard view.isFinished, view.phase != "Succeeded" else { return nil }
        var removed: Set<String> = []
        func removeTree(_ id: String) {
            guard removed.insert(id).inserted, let node = view.nodes[id] else { return }
            for child in node.children { removeTree(child) }
        }
        for node in view.nodes.values where [.failed, .error, .omitted].contains(node.phase) && node.type != .dag && node.type != .taskGroup {
            removeTree(node.id)
        }
        // A Retry node's failed attempts go with it.
        for node in view.nodes.values where node.type == .retry && node.phase != .succeeded { removeTree(node.id) }
        var nodes = Mapping()
        for (id, node) in view.nodes {
            if removed.contains(id) {
                nodes[id] = .null
            } else if !node.phase.isSuccessful || node.type == .dag && node.phase != .succeeded {
                var reopened = node
                reopened.phase = .running
                reopened.finishedAt = nil
                reopened.message = nil
                reopened.children = node.children.filter { !removed.contains($0) }
                var value = reopened.value
                value["finishedAt"] = .null
                value["message"] = .null
                nodes[id] = value
            } else if node.children.contains(where: removed.contains) {
                var kept = node
                kept.children = node.children.filter { !removed.contains($0) }
                nodes[id] = kept.value
            }
        }
        let count = (workflow[path: ["metadata", "annotations", annotation]]?.text).flatMap { Int($0) } ?? 0
        return .mapping(Mapping([
            ("metadata", .mapping(Mapping([("annotations", .mapping(Mapping([(annotation, .string(String(count + 1)))])))]))),
            ("status", .mapping(Mapping([
                ("phase", .string("Running")), ("finishedAt", .null), ("message", .null), ("nodes", .mapping(nodes)),
            ]))),
        ]))
    }
}
