/// Failures of kf's actions that are not another module's error.
public enum ActionError: Error, CustomStringConvertible, Equatable {
    case invalidProjectName(name: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case notADirectory(path: String)
    case localContextWithoutProject
    case localNotRunning(projectRoot: String)
    case nothingToApply(verb: String)
    case unreadableManifest(path: String, reason: String)
    case namespaceMismatch(object: String, objectNamespace: String, flag: String)
    case applyFailed(failed: Int, total: Int, details: [String])
    case notReady(count: Int, details: [String])
    case deleteFailed(failed: Int, total: Int, details: [String])
    case pruneNeedsProject
    /// The cluster does not serve a kind kf needs; `component` says what to install.
    case kindNotInstalled(kind: String, apiVersion: String, component: String)
    case jobExists(kind: String, name: String, namespace: String, verb: String)
    case jobNotFound(name: String, namespace: String, kinds: String)
    case jobAmbiguous(name: String, kinds: [String])
    case jobFailed(name: String, message: String)
    case waitTimedOut(name: String, seconds: Int, phase: String)
    case namespaceMissing(namespace: String)
    case noPods(job: String, which: String)
    case notOneTrainingJob(path: String, found: Int)
    case notATrainingJob(path: String, kind: String)
    case pipelineRunNotFound(name: String, namespace: String)
    case pipelineTaskNotFound(run: String, task: String, known: [String])
    case pipelineRunNotRetryable(name: String, phase: String)
    case pipelineRunFailed(name: String, phase: String, message: String)

    public var description: String {
        switch self {
        case let .invalidProjectName(name, reason):
            return "\"\(name)\" cannot be a project name: \(reason); pass --name with a DNS-1123 label such as my-model"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .notADirectory(path):
            return "\(path) exists and is not a folder; choose another project path"
        case .localContextWithoutProject:
            return "the context kf-local is a kf project's embedded cluster, and there is no kf.yaml here or above; "
                + "run inside a kf project (kf init .) or pass --context with a kubeconfig context"
        case let .localNotRunning(root):
            return "kf-local is not running for the project in \(root); start it with `kf local up`"
        case let .nothingToApply(verb):
            return "nothing to \(verb): pass a kustomization folder or -f FILE, or run inside a kf project"
        case let .unreadableManifest(path, reason):
            return "cannot read \(path): \(reason)"
        case let .namespaceMismatch(object, objectNamespace, flag):
            return "\(object) names namespace \"\(objectNamespace)\", which does not match -n \(flag); "
                + "drop -n or pass -n \(objectNamespace)"
        case let .applyFailed(failed, total, details):
            return "\(failed) of \(total) objects failed to apply:\n" + details.map { "  " + $0 }.joined(separator: "\n")
        case let .notReady(count, details):
            return "\(count) objects were not ready in time:\n" + details.map { "  " + $0 }.joined(separator: "\n")
        case let .kindNotInstalled(kind, apiVersion, component):
            return "the cluster does not serve \(kind) (\(apiVersion)): install \(component), or use the context kf-local"
        case let .jobExists(kind, name, namespace, verb):
            return "\(kind) \(name) already exists in namespace \(namespace); delete it with `kf \(verb) delete \(name)` or choose another name"
        case let .jobNotFound(name, namespace, kinds):
            return "no training job named \(name) in namespace \(namespace) (looked for \(kinds)); `kf train list` shows them"
        case let .jobAmbiguous(name, kinds):
            return "\(name) names jobs of several kinds (\(kinds.joined(separator: ", "))); pass --kind"
        case let .jobFailed(name, message):
            return "job \(name) failed" + (message.isEmpty ? "" : ": \(message)")
        case let .pipelineRunNotFound(name, namespace):
            return "no pipeline run named \(name) in namespace \(namespace); `kf pipeline list` shows them"
        case let .pipelineTaskNotFound(run, task, known):
            return "run \(run) has no task \(task) that ran a Pod (tasks: \(known.joined(separator: ", ")))"
        case let .pipelineRunFailed(name, phase, message):
            return "run \(name) \(phase.lowercased())" + (message.isEmpty ? "" : ": \(message)")
                + "; `kf pipeline status \(name)` shows its tasks, `kf pipeline retry \(name)` runs the failed ones again"
        case let .pipelineRunNotRetryable(name, phase):
            return "run \(name) is \(phase); only a run that failed can be retried (start another with `kf pipeline run`)"
        case let .waitTimedOut(name, seconds, phase):
            return "job \(name) did not finish within \(seconds) s (it is \(phase)); wait longer with `kf train wait \(name) --timeout SECONDS`"
        case let .notOneTrainingJob(path, found):
            return "\(path) holds \(found) objects; `kf train -f` takes a file with exactly one training job"
        case let .notATrainingJob(path, kind):
            return "\(path): \(kind) is not a training job; expected kubeflow.org/v1 PyTorchJob, TFJob, XGBoostJob, MPIJob, JAXJob or PaddleJob, or trainer.kubeflow.org/v1alpha1 TrainJob"
        case let .noPods(job, which):
            return "job \(job) has no Pods\(which) yet; see `kf train status \(job)`, or add -f to wait for them"
        case let .namespaceMissing(namespace):
            return "namespace \(namespace) does not exist; create it (kubectl create namespace \(namespace)) or pass -n with another"
        case let .deleteFailed(failed, total, details):
            return "\(failed) of \(total) objects were not deleted:\n" + details.map { "  " + $0 }.joined(separator: "\n")
        case .pruneNeedsProject:
            return "--prune tracks what kf applied under the project's name: run inside a kf project or pass --applyset NAME"
        }
    }
}
