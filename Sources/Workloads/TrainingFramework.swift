/// The training frameworks of Kubeflow's Training Operator (v1.9), and what the operator fixes for each: the
/// kind, the field holding the replica specs, the replica types, the container it looks for and its port.
public enum TrainingFramework: String, CaseIterable, Sendable {
    case pytorch, tensorflow, xgboost, mpi, jax, paddle

    /// The resource kind (group kubeflow.org, version v1).
    public var kind: String {
        switch self {
        case .pytorch: return "PyTorchJob"
        case .tensorflow: return "TFJob"
        case .xgboost: return "XGBoostJob"
        case .mpi: return "MPIJob"
        case .jax: return "JAXJob"
        case .paddle: return "PaddleJob"
        }
    }

    public static let apiVersion = "kubeflow.org/v1"

    /// The spec field that holds the replica specs by replica type.
    public var replicaSpecsField: String {
        switch self {
        case .pytorch: return "pytorchReplicaSpecs"
        case .tensorflow: return "tfReplicaSpecs"
        case .xgboost: return "xgbReplicaSpecs"
        case .mpi: return "mpiReplicaSpecs"
        case .jax: return "jaxReplicaSpecs"
        case .paddle: return "paddleReplicaSpecs"
        }
    }

    /// The container the operator treats as the job's own (its default container name).
    public var containerName: String {
        switch self {
        case .pytorch: return "pytorch"
        case .tensorflow: return "tensorflow"
        case .xgboost: return "xgboost"
        case .mpi: return "mpi"
        case .jax: return "jax"
        case .paddle: return "paddle"
        }
    }

    /// The port the operator wires replicas together on (its default port name and number); MPI has none.
    public var port: (name: String, number: Int)? {
        switch self {
        case .pytorch: return ("pytorchjob-port", 23456)
        case .tensorflow: return ("tfjob-port", 2222)
        case .xgboost: return ("xgboostjob-port", 9999)
        case .mpi: return nil
        case .jax: return ("jaxjob-port", 6666)
        case .paddle: return ("master", 36543)
        }
    }

    /// The restart policy kf writes when none is asked for: the operator's examples' choice per kind.
    public var defaultRestartPolicy: TrainingRestartPolicy {
        switch self {
        case .pytorch, .jax, .paddle: return .onFailure
        case .tensorflow, .xgboost, .mpi: return .never
        }
    }

    /// The folder of the kind's base under `templates/`.
    public var templateFolder: String { "train/" + kind.lowercased() }
}

/// A replica's restart policy: the Pod policies plus the operator's `ExitCode` (restart on retryable exit codes).
public enum TrainingRestartPolicy: String, CaseIterable, Sendable {
    case always = "Always", onFailure = "OnFailure", never = "Never", exitCode = "ExitCode"

    /// The Pod's own restartPolicy: `ExitCode` is carried out by the operator, so its Pods never restart in place.
    public var podPolicy: String { self == .exitCode ? "Never" : rawValue }
}

/// When the operator deletes a finished job's Pods.
public enum CleanPodPolicy: String, CaseIterable, Sendable {
    case all = "All", running = "Running", none = "None"
}
