import Foundation
import Resources

/// One Training Operator v1 kind (kubeflow.org/v1) as its controller in `pkg/controller.v1/<framework>` sees it:
/// where its replica specs live, its replica types, the container and port the operator reads, the defaults its
/// webhook sets, which replica carries `job-role=master`, and which replicas decide that the job runs or succeeded.
public struct TrainingKind: Sendable {
    public let kind: String
    /// The spec field holding the replica specs (`pytorchReplicaSpecs`).
    public let replicaSpecsField: String
    /// The replica types in the order the operator lists them (the order Pods are made and env lists are built).
    public let replicaTypes: [String]
    /// The container the operator reads ports and exit codes from (`pytorch`, `tensorflow`, ...).
    public let containerName: String
    public let portName: String
    public let defaultPort: Int
    /// The replica spec's restartPolicy when it sets none (the operator's defaulting).
    public let defaultRestartPolicy: String
    /// The value of `training.kubeflow.org/operator-name`.
    public var controllerName: String { kind.lowercased() + "-controller" }
    /// Whether the operator makes a headless Service per replica (all but MPIJob v1, which execs into Pods).
    public let makesServices: Bool

    public static let apiVersion = "kubeflow.org/v1"

    public static let pyTorch = TrainingKind(kind: "PyTorchJob", replicaSpecsField: "pytorchReplicaSpecs",
                                             replicaTypes: ["Master", "Worker"], containerName: "pytorch",
                                             portName: "pytorchjob-port", defaultPort: 23456,
                                             defaultRestartPolicy: "OnFailure", makesServices: true)
    public static let tensorFlow = TrainingKind(kind: "TFJob", replicaSpecsField: "tfReplicaSpecs",
                                                replicaTypes: ["Chief", "Master", "PS", "Worker", "Evaluator"],
                                                containerName: "tensorflow", portName: "tfjob-port", defaultPort: 2222,
                                                defaultRestartPolicy: "Never", makesServices: true)
    public static let xgBoost = TrainingKind(kind: "XGBoostJob", replicaSpecsField: "xgbReplicaSpecs",
                                             replicaTypes: ["Master", "Worker"], containerName: "xgboost",
                                             portName: "xgboostjob-port", defaultPort: 9999,
                                             defaultRestartPolicy: "Never", makesServices: true)
    public static let jax = TrainingKind(kind: "JAXJob", replicaSpecsField: "jaxReplicaSpecs", replicaTypes: ["Worker"],
                                         containerName: "jax", portName: "jaxjob-port", defaultPort: 6666,
                                         defaultRestartPolicy: "Never", makesServices: true)
    public static let paddle = TrainingKind(kind: "PaddleJob", replicaSpecsField: "paddleReplicaSpecs",
                                            replicaTypes: ["Master", "Worker"], containerName: "paddle", portName: "master",
                                            defaultPort: 36543, defaultRestartPolicy: "OnFailure", makesServices: true)
    public static let mpi = TrainingKind(kind: "MPIJob", replicaSpecsField: "mpiReplicaSpecs",
                                         replicaTypes: ["Launcher", "Worker"], containerName: "mpi", portName: "mpi-port",
                                         defaultPort: 9999, defaultRestartPolicy: "Never", makesServices: false)

    public static let all: [TrainingKind] = [.pyTorch, .tensorFlow, .xgBoost, .jax, .paddle, .mpi]

    /// The Pod (and Service) name of a replica: `<job>-<type lower>-<index>`; MPIJob's launcher is `<job>-launcher`.
    public func replicaName(job: String, type: String, index: Int) -> String {
        if self.kind == "MPIJob" && type == "Launcher" { return job + "-launcher" }
        return (job + "-" + type.lowercased() + "-" + String(index)).replacingOccurrences(of: "/", with: "-")
    }

    /// Whether the replica gets `training.kubeflow.org/job-role=master` (each controller's IsMasterRole).
    func isMasterRole(_ replicas: [ReplicaSpec], type: String, index: Int) -> Bool {
        let types = Set(replicas.map(\.type))
        switch kind {
        case "PyTorchJob":
            return types.contains("Master") ? type == "Master" : (type == "Worker" && index == 0)
        case "TFJob":
            return types.contains("Chief") || types.contains("Master")
                ? (type == "Chief" || type == "Master") : (type == "Worker" && index == 0)
        case "JAXJob":
            return index == 0
        case "MPIJob":
            return type == "Launcher"
        default:
            return type == "Master"
        }
    }
}

/// One replica type of a job, read from its spec (with the operator's defaults).
struct ReplicaSpec: Sendable {
    var type: String
    var replicas: Int
    var restartPolicy: String
    var template: Value

    /// The Pod's restartPolicy: `ExitCode` becomes `Never` (the controller decides to recreate).
    var podRestartPolicy: String { restartPolicy == "ExitCode" ? "Never" : restartPolicy }

    static let restartPolicies = ["Always", "OnFailure", "Never", "ExitCode"]

    /// The replica specs of `job` in the kind's order; an error names the field and what was expected.
    static func read(_ job: Value, kind: TrainingKind) throws(ControllerError) -> [ReplicaSpec] {
        let name = "\(kind.kind) \(NamespacedName(of: job)?.description ?? "?")"
        let field = "spec.\(kind.replicaSpecsField)"
        guard let specs = job[path: ["spec", kind.replicaSpecsField]]?.mapping, !specs.isEmpty else {
            throw .invalidSpec(object: name, field: field, reason: "required: at least one replica type")
        }
        var result: [ReplicaSpec] = []
        for (type, spec) in specs.pairs {
            guard kind.replicaTypes.contains(type) else {
                throw .invalidSpec(object: name, field: "\(field).\(type)",
                                   reason: "unknown replica type; expected one of \(kind.replicaTypes.joined(separator: ", "))")
            }
            let replicas = spec.integer("replicas") ?? 1
            guard replicas >= 0, replicas <= 1000 else {
                throw .invalidSpec(object: name, field: "\(field).\(type).replicas", reason: "must be between 0 and 1000, found \(replicas)")
            }
            let policy = spec.field("restartPolicy") ?? kind.defaultRestartPolicy
            guard restartPolicies.contains(policy) else {
                throw .invalidSpec(object: name, field: "\(field).\(type).restartPolicy",
                                   reason: "expected one of \(restartPolicies.joined(separator: ", ")), found \(policy)")
            }
            guard let template = spec["template"], let containers = template[path: ["spec", "containers"]]?.sequence,
                  !containers.isEmpty else {
                throw .invalidSpec(object: name, field: "\(field).\(type).template.spec.containers", reason: "required: at least one container")
            }
            result.append(ReplicaSpec(type: type, replicas: replicas, restartPolicy: policy, template: template))
        }
        if kind.kind == "MPIJob" {
            guard let launcher = result.first(where: { $0.type == "Launcher" }), launcher.replicas == 1 else {
                throw .invalidSpec(object: name, field: "\(field).Launcher", reason: "an MPIJob needs exactly one Launcher replica")
            }
        }
        if kind.kind == "XGBoostJob" && !result.contains(where: { $0.type == "Master" }) {
            throw .invalidSpec(object: name, field: "\(field).Master", reason: "an XGBoostJob needs a Master replica")
        }
        return result.sorted { (kind.replicaTypes.firstIndex(of: $0.type) ?? 0) < (kind.replicaTypes.firstIndex(of: $1.type) ?? 0) }
    }

    /// The port the operator reads from the replica's template: the kind's container's port named `portName`,
    /// else the kind's default (what the operator's webhook would have added).
    func port(_ kind: TrainingKind) -> Int {
        let containers = template[path: ["spec", "containers"]]?.sequence ?? []
        let container = containers.first { $0.field("name") == kind.containerName }
        let port = (container?["ports"]?.sequence ?? []).first { $0.field("name") == kind.portName }
        return port?.integer("containerPort") ?? kind.defaultPort
    }
}
