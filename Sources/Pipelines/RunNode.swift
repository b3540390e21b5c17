import Foundation
import Resources

/// The phase of a run or one of its nodes, as Argo names them.
public enum NodePhase: String, Sendable, CaseIterable {
    case pending = "Pending", running = "Running", succeeded = "Succeeded", failed = "Failed"
    case skipped = "Skipped", omitted = "Omitted", error = "Error"

    public var isFinished: Bool { ![.pending, .running].contains(self) }
    /// Finished without a failure (a Skipped task satisfies its dependents, as in Argo).
    public var isSuccessful: Bool { self == .succeeded || self == .skipped }
    /// KFP's task state for PipelineTaskFinalStatus.
    public var kfpState: String {
        switch self {
        case .succeeded: return "SUCCEEDED"
        case .skipped, .omitted: return "SKIPPED"
        case .failed, .error: return "FAILED"
        case .pending, .running: return "RUNNING"
        }
    }
}

/// Argo's node types.
public enum NodeType: String, Sendable {
    case pod = "Pod", dag = "DAG", taskGroup = "TaskGroup", retry = "Retry", skipped = "Skipped"
}

/// A KFP runtime artifact: where it is, its type and the metadata its producer wrote.
public struct RuntimeArtifact: Sendable, Equatable {
    public var name: String
    public var uri: String
    public var schemaTitle: String
    public var schemaVersion: String
    public var metadata: Value

    public init(name: String, uri: String, schemaTitle: String, schemaVersion: String, metadata: Value = .mapping(Mapping())) {
        self.name = name
        self.uri = uri
        self.schemaTitle = schemaTitle
        self.schemaVersion = schemaVersion
        self.metadata = metadata
    }

    /// As the executor input carries it.
    public var executorValue: Value {
        .mapping(Mapping([
            ("name", .string(name)),
            ("type", .mapping(Mapping([("schemaTitle", .string(schemaTitle)), ("schemaVersion", .string(schemaVersion))]))),
            ("uri", .string(uri)),
            ("metadata", metadata),
        ]))
    }

    init?(executorValue value: Value, name: String) {
        guard let uri = value["uri"]?.text else { return nil }
        self.init(name: value["name"]?.text ?? name, uri: uri,
                  schemaTitle: value[path: ["type", "schemaTitle"]]?.text ?? "system.Artifact",
                  schemaVersion: value[path: ["type", "schemaVersion"]]?.text ?? "0.0.1",
                  metadata: value["metadata"] ?? .mapping(Mapping()))
    }
}

/// What a task produced.
public struct TaskOutputs: Sendable, Equatable {
    public var parameters: [String: Value] = [:]
    public var artifacts: [String: [RuntimeArtifact]] = [:]

    public init(parameters: [String: Value] = [:], artifacts: [String: [RuntimeArtifact]] = [:]) {
        self.parameters = parameters
        self.artifacts = artifacts
    }

    public var isEmpty: Bool { parameters.isEmpty && artifacts.isEmpty }

    /// As a status node's `outputs` (Argo's shape: parameters with a text value, artifacts with a path), plus the
    /// KFP fields (`kfp` on each: the typed value or the artifact's type and metadata).
    public var value: Value {
        var result = Mapping()
        if !parameters.isEmpty {
            result["parameters"] = .sequence(parameters.keys.sorted().map { name in
                let value = parameters[name] ?? .null
                return .mapping(Mapping([("name", .string(name)), ("value", .string(TaskOutputs.text(value))),
                                         ("json", .string(JSON.string(value)))]))
            })
        }
        if !artifacts.isEmpty {
            result["artifacts"] = .sequence(artifacts.keys.sorted().flatMap { name in
                (artifacts[name] ?? []).map { artifact in
                    .mapping(Mapping([("name", .string(name)), ("path", .string(artifact.uri)),
                                      ("kfp", artifact.executorValue)]))
                }
            })
        }
        return .mapping(result)
    }

    public init(value: Value?) {
        for item in value?["parameters"]?.sequence ?? [] {
            guard let name = item["name"]?.text else { continue }
            if let json = item["json"]?.text, let parsed = try? JSON.parse(json) {
                parameters[name] = parsed
            } else {
                parameters[name] = .string(item["value"]?.text ?? "")
            }
        }
        for item in value?["artifacts"]?.sequence ?? [] {
            guard let name = item["name"]?.text else { continue }
            let artifact = item["kfp"].flatMap { RuntimeArtifact(executorValue: $0, name: name) }
                ?? RuntimeArtifact(name: name, uri: item["path"]?.text ?? "", schemaTitle: "system.Artifact", schemaVersion: "0.0.1")
            artifacts[name, default: []].append(artifact)
        }
    }

    /// A parameter value as text: strings as they are, everything else as JSON (KFP's and Argo's rule).
    public static func text(_ value: Value) -> String {
        if let scalar = value.scalar, scalar.tag == .string { return scalar.text }
        return JSON.string(value)
    }
}

/// One node of a run's status: a task (a Pod, a DAG, a ParallelFor group, a retried task) or an iteration.
public struct RunNode: Sendable, Equatable {
    public var id: String
    /// `<run>.<task>.<subtask>`, iterations as `<task>(<index>:<item>)`, attempts as `<task>(<attempt>)`.
    public var name: String
    public var displayName: String
    public var type: NodeType
    public var phase: NodePhase
    public var templateName: String
    public var boundaryID: String?
    public var children: [String] = []
    public var startedAt: Date?
    public var finishedAt: Date?
    public var message: String?
    public var outputs = TaskOutputs()
    public var podName: String?
    public var exitCode: Int?
    /// The cache fingerprint of a Pod node, and whether its outputs came from the cache.
    public var fingerprint: String?
    public var cached = false
    /// The executor input of a Pod node (kept so a finished task's outputs can be read back).
    public var executorInput: Value?

    public init(id: String, name: String, displayName: String, type: NodeType, phase: NodePhase, templateName: String,
                boundaryID: String?) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.type = type
        self.phase = phase
        self.templateName = templateName
        self.boundaryID = boundaryID
    }

    /// Argo's node id: the run's name and the FNV-1a hash of the node's name.
    public static func id(run: String, name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return "\(run)-\(hash)"
    }

    public var value: Value {
        var fields: [(String, Value)] = [
            ("id", .string(id)), ("name", .string(name)), ("displayName", .string(displayName)),
            ("type", .string(type.rawValue)), ("templateName", .string(templateName)), ("phase", .string(phase.rawValue)),
        ]
        if let boundaryID { fields.append(("boundaryID", .string(boundaryID))) }
        if !children.isEmpty { fields.append(("children", .sequence(children.map(Value.string)))) }
        if let startedAt { fields.append(("startedAt", .string(Timestamp.precise(startedAt)))) }
        if let finishedAt { fields.append(("finishedAt", .string(Timestamp.precise(finishedAt)))) }
        if let message { fields.append(("message", .string(message))) }
        if !outputs.isEmpty { fields.append(("outputs", outputs.value)) }
        if let podName { fields.append(("podName", .string(podName))) }
        if let exitCode { fields.append(("exitCode", .string(String(exitCode)))) }
        if let fingerprint {
            fields.append(("memoizationStatus", .mapping(Mapping([("hit", .bool(cached)), ("key", .string(fingerprint)),
                                                                  ("cacheName", .string("kf-local"))]))))
        }
        if let executorInput { fields.append(("executorInput", .string(JSON.string(executorInput)))) }
        return .mapping(Mapping(fields))
    }

    public init?(value: Value) {
        guard let id = value["id"]?.text, let name = value["name"]?.text,
              let type = value["type"]?.text.flatMap(NodeType.init(rawValue:)),
              let phase = value["phase"]?.text.flatMap(NodePhase.init(rawValue:)) else { return nil }
        self.init(id: id, name: name, displayName: value["displayName"]?.text ?? name, type: type, phase: phase,
                  templateName: value["templateName"]?.text ?? "", boundaryID: value["boundaryID"]?.text)
        children = (value["children"]?.sequence ?? []).compactMap(\.text)
        startedAt = Timestamp.date(value["startedAt"]?.text)
        finishedAt = Timestamp.date(value["finishedAt"]?.text)
        message = value["message"]?.text
        outputs = TaskOutputs(value: value["outputs"])
        podName = value["podName"]?.text
        exitCode = value["exitCode"]?.text.flatMap { Int($0) }
        fingerprint = value[path: ["memoizationStatus", "key"]]?.text
        cached = value[path: ["memoizationStatus", "hit"]]?.text == "true"
        executorInput = value["executorInput"]?.text.flatMap { try? JSON.parse($0) }
    }
}
