/// Failures of kf's actions that are not another module's error.
public enum ActionError: Error, CustomStringConvertible, Equatable {
    case invalidProjectName(name: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case notADirectory(path: String)
    case localContextWithoutProject
    case localNotRunning(projectRoot: String)
    case nothingToApply(verb: String)
    case noObjects(sources: [String])
    case invalidNamespace(namespace: String, source: String)
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
    /// On kf-local, a Pod of `workload` waits with ErrImageNeverPull: its image is not in kf.yaml's local.images.
    case imageNotMapped(workload: String, pod: String, container: String, image: String)
    case namespaceMissing(namespace: String)
    case noPods(job: String, which: String)
    case notOneTrainingJob(path: String, found: Int)
    case notATrainingJob(path: String, kind: String)
    case runtimeMissing(kind: String, name: String, namespace: String?)
    case registerNeedsStorage
    /// `what` is the kind kf makes from flags: a job (kf train) or an experiment (kf tune).
    case registerNeedsFlags(what: String)
    /// `producer` is what should have written the folder: `job NAME`, or the best trial of an experiment.
    case noArtifact(folder: String, producer: String)
    case unreadableInput(path: String, reason: String)
    case notOneExperiment(path: String, found: Int)
    case notAnExperiment(path: String, kind: String)
    case experimentNotFound(name: String, namespace: String)
    case experimentFailed(name: String, reason: String, message: String)
    /// The experiment ended without any trial reporting the objective metric; `detail` says why, from the trials.
    case experimentWithoutResult(name: String, metric: String, detail: String)
    case experimentTimedOut(name: String, seconds: Int, phase: String, summary: String)
    case trialNotFound(experiment: String, trial: String)
    case noBestTrial(experiment: String)
    case noTrialPods(trial: String, selector: String)
    case pipelineRunNotFound(name: String, namespace: String)
    case invalidRunName(name: String)
    case pipelineTaskNotFound(run: String, task: String, known: [String])
    case pipelineRunWithoutLogs(name: String, phase: String, reason: String)
    case pipelineRunNotRetryable(name: String, phase: String)
    case pipelineRunFailed(name: String, phase: String, message: String)
    /// A KFP API server (`kf pipeline upload` and runs with --endpoint).
    case kfpBadEndpoint(url: String, source: String)
    case kfpNeedsEndpoint(command: String)
    case kfpTokenOverPlainHTTP(endpoint: String, source: String)
    case kfpUnreachable(endpoint: String, source: String, reason: String)
    case kfpRequestFailed(endpoint: String, method: String, path: String, status: Int, message: String)
    case kfpBadAnswer(endpoint: String, what: String, reason: String)
    case kfpNotFound(kind: String, name: String, endpoint: String)
    case kfpAmbiguous(kind: String, name: String, endpoint: String, count: Int)
    case kfpUploadRefusesArgo(file: String)
    case kfpVersionExists(pipeline: String, version: String, endpoint: String)
    case kfpLogsUnavailable(run: String, reason: String)
    /// A registry reference that names nothing; `available` lists what the registry has.
    case modelNotResolved(reference: String, reason: String, available: [String])
    /// A model URI or path the target cannot read (`origin`: the flag or registry version it came from).
    case modelNotReadable(uri: String, origin: String)
    case modelMissing(path: String, origin: String)
    case serviceNotFound(name: String, namespace: String, existing: [String])
    case serviceExists(name: String, namespace: String)
    case canaryNeedsService(name: String)
    case deploymentModeChange(name: String, from: String, to: String)
    case noCanary(name: String, verb: String)
    case serviceFailed(name: String, message: String)
    case serviceNotReady(name: String, seconds: Int, state: String)
    case noServiceURL(name: String, state: String)
    case badPredictionInput(origin: String, reason: String)
    case predictionFailed(name: String, url: String, status: Int, body: String)
    case serviceUnreachable(name: String, tried: [String])
    case canaryDropped(name: String)
    case unknownExample(name: String, known: [String])

    public var description: String {
        switch self {
        case let .invalidProjectName(name, reason):
            return "\"\(name)\" cannot be a project name: \(reason); pass --name with a DNS-1123 label such as my-model"
        case let .unknownExample(name, known):
            return "--example \(name): kf has no such example; the examples are " + known.joined(separator: ", ")
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
        case let .invalidNamespace(namespace, source):
            return "\(source): \"\(namespace)\" is not a valid namespace: expected a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)"
        case let .noObjects(sources):
            return "no objects in " + sources.joined(separator: ", ") + ": expected YAML or JSON files (.yaml, .yml, .json) holding Kubernetes objects"
        case let .unreadableManifest(path, reason):
            return "cannot read \(path): \(reason)"
        case let .namespaceMismatch(object, objectNamespace, flag):
            return "\(object) names namespace \"\(objectNamespace)\", which does not match -n \(flag); "
                + "drop -n or pass -n \(objectNamespace)"
        case let .applyFailed(failed, total, details):
            return "\(failed) of \(counted(total, "object")) failed to apply:\n" + details.map { "  " + $0 }.joined(separator: "\n")
        case let .notReady(count, details):
            return counted(count, "object") + (count == 1 ? " was" : " were") + " not ready in time:\n" + details.map { "  " + $0 }.joined(separator: "\n")
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
        case let .invalidRunName(name):
            return "--name: \"\(name)\" is not valid: expected a run name of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters (it is the Workflow's name, which Argo also writes into label values)"
        case let .pipelineRunWithoutLogs(name, phase, reason):
            return "run \(name) (\(phase)) has no task that ran a Pod, so no logs: \(reason); `kf pipeline status \(name)` shows its tasks"
        case let .pipelineRunNotFound(name, namespace):
            return "no pipeline run named \(name) in namespace \(namespace); `kf pipeline list` shows them"
        case let .pipelineTaskNotFound(run, task, known):
            return "run \(run) has no task \(task) that ran a Pod (tasks: \(known.joined(separator: ", ")))"
        case let .pipelineRunFailed(name, phase, message):
            return "run \(name) \(phase.lowercased())" + (message.isEmpty ? "" : ": \(message)")
                + "; `kf pipeline status \(name)` shows its tasks, `kf pipeline retry \(name)` runs the failed ones again"
        case let .kfpBadEndpoint(url, source):
            return "\(source): '\(url)' is not a KFP API server URL; expected http(s)://HOST[:PORT][/PATH], e.g. https://kubeflow.example.com/pipeline"
        case let .kfpTokenOverPlainHTTP(endpoint, source):
            return "refusing to send the token from \(source) to \(endpoint): over plain http anyone on the network path can read it; "
                + "use the server's https:// URL, or reach it through `kubectl port-forward -n kubeflow svc/ml-pipeline 8888` at http://127.0.0.1:8888"
        case let .kfpNeedsEndpoint(command):
            return "\(command) needs a KFP API server: give --endpoint URL, set \(KFPEndpoint.environmentVariable), or set defaults.pipeline.endpoint in kf.yaml"
        case let .kfpUnreachable(endpoint, source, reason):
            return "cannot reach the KFP API server \(endpoint) (from \(source)): \(reason); check the URL, and that the server (or a port-forward to ml-pipeline:8888) is up"
        case let .kfpRequestFailed(endpoint, method, path, status, message):
            let hint: String
            switch status {
            case 401: hint = "; the token was rejected: give one with --token or \(KFPEndpoint.tokenVariable)"
            case 403: hint = "; the token's user may not do this (in multi-user KFP, give the profile's namespace with -n)"
            default: hint = ""
            }
            return "KFP API server \(endpoint): \(method) \(path): \(status): \(message)" + hint
        case let .kfpBadAnswer(endpoint, what, reason):
            return "KFP API server \(endpoint): unexpected answer for \(what): \(reason)"
        case let .kfpNotFound(kind, name, endpoint):
            return "no \(kind) \(name) on the KFP API server \(endpoint)" + (kind == "run" ? "; `kf pipeline list` shows the runs" : "")
        case let .kfpAmbiguous(kind, name, endpoint, count):
            return "\(count) \(kind)s are named \(name) on the KFP API server \(endpoint); name one by its ID"
        case let .kfpUploadRefusesArgo(file):
            return "\(file): an Argo Workflow cannot go to a KFP v2 API server, which takes pipeline IR only; give the KFP IR (`kfp dsl compile`) or kf pipeline YAML, or run the Workflow without --endpoint (on kf-local or a cluster with Argo)"
        case let .kfpVersionExists(pipeline, version, endpoint):
            return "pipeline \(pipeline) on the KFP API server \(endpoint) already has a version named \(version); choose another --pipeline-version"
        case let .kfpLogsUnavailable(run, reason):
            return "KFP's API serves no logs; kf reads run \(run)'s task Pods through the cluster, but \(reason)"
        case let .pipelineRunNotRetryable(name, phase):
            return "run \(name) is \(phase); only a run that failed can be retried (start another with `kf pipeline run`)"
        case let .waitTimedOut(name, seconds, phase):
            return "job \(name) did not finish within \(seconds) s (it is \(phase)); wait longer with `kf train wait \(name) --timeout SECONDS`"
        case let .imageNotMapped(workload, pod, container, image):
            return "\(workload) cannot run on kf-local: Pod \(pod) waits with ErrImageNeverPull, since the image \"\(image)\" of its container \(container)"
                + " is not mapped to a local environment; add an entry matching it under local.images in kf.yaml"
                + " (match: \"\(image)\", with venv: and cmd:; docs/kf-local.md, Runtime), and the Pod starts on its own within seconds"
        case let .notOneTrainingJob(path, found):
            return "\(path) holds \(found) objects; `kf train -f` takes a file with exactly one training job"
        case let .notATrainingJob(path, kind):
            return "\(path): \(kind) is not a training job; expected kubeflow.org/v1 PyTorchJob, TFJob, XGBoostJob, MPIJob, JAXJob or PaddleJob, or trainer.kubeflow.org/v1alpha1 TrainJob"
        case let .notOneExperiment(path, found):
            return "\(path) holds \(found) objects; `kf tune -f` takes a file with exactly one Katib Experiment"
        case let .notAnExperiment(path, kind):
            return "\(path): \(kind) is not a Katib Experiment; expected kubeflow.org/v1beta1 Experiment"
        case let .experimentNotFound(name, namespace):
            return "no experiment named \(name) in namespace \(namespace); `kf tune list` shows them"
        case let .experimentFailed(name, reason, message):
            return "experiment \(name) failed" + (reason.isEmpty ? "" : " (\(reason))") + (message.isEmpty ? "" : ": \(message)")
        case let .experimentWithoutResult(name, metric, detail):
            return "experiment \(name) ended without a trial that reported \(metric): \(detail)"
        case let .experimentTimedOut(name, seconds, phase, summary):
            return "experiment \(name) did not finish within \(seconds) s (it is \(phase), \(summary)); wait longer with `kf tune wait \(name) --timeout SECONDS`"
        case let .trialNotFound(experiment, trial):
            return "experiment \(experiment) has no trial named \(trial); `kf tune trials \(experiment)` lists them"
        case let .noBestTrial(experiment):
            return "experiment \(experiment) has no best trial yet; pass --trial NAME (`kf tune trials \(experiment)` lists them)"
        case let .noTrialPods(trial, selector):
            return "trial \(trial) has no Pods (looked for \(selector)); a trial's Pods are kept only with spec.trialTemplate.retain: true, which kf's template sets"
        case let .noPods(job, which):
            return "job \(job) has no Pods\(which) yet; see `kf train status \(job)`, or add -f to wait for them"
        case let .namespaceMissing(namespace):
            return "namespace \(namespace) does not exist; create it (kubectl create namespace \(namespace)) or pass -n with another"
        case let .deleteFailed(failed, total, details):
            return "\(failed) of \(counted(total, "object")) " + (failed == 1 ? "was" : "were") + " not deleted:\n" + details.map { "  " + $0 }.joined(separator: "\n")
        case let .runtimeMissing(kind, name, namespace):
            return "the cluster has no \(kind) \(name)" + (namespace.map { " in namespace \($0)" } ?? "")
                + "; `kubectl get clustertrainingruntimes,trainingruntimes -A` lists the runtimes there, pass one with --runtime"
        case .registerNeedsStorage:
            return "--register needs a storage location that the cluster's Pods and kf can both read, and this context is not "
                + "kf-local; set defaults.train.outputDir in kf.yaml to a folder mounted at the same path on both, or train on kf-local"
        case let .registerNeedsFlags(what):
            return "--register works with \(what == "job" ? "a job" : "an " + what) kf makes from flags (it gives \(what == "job" ? "the job" : "each trial") KF_OUTPUT_DIR); drop -f, or register with `kf version register`"
        case let .unreadableInput(path, reason):
            return "--input \(path): \(reason); name a file or folder the job reads (its digest goes into the lineage)"
        case let .noArtifact(folder, producer):
            return "\(producer) succeeded but wrote nothing into \(folder) (its KF_OUTPUT_DIR); the training program must save its model there"
        case let .modelNotResolved(reference, reason, available):
            let listing = available.isEmpty ? "" : "; the registry has: " + available.joined(separator: ", ")
            return "--model \(reference): \(reason)\(listing)"
        case let .modelNotReadable(uri, origin):
            return "\(origin): \(uri) is not a location the cluster can read (it reads s3://, gs://, pvc://, https://, hf://, oci://, "
                + "not files on this machine); upload the model and register that URI (`kf version register NAME --uri s3://...`), "
                + "or pass --storage-uri with one"
        case let .modelMissing(path, origin):
            return "\(origin): the model file \(path) does not exist on this machine"
        case let .serviceNotFound(name, namespace, existing):
            let listing = existing.isEmpty ? "there are none" : "there are: " + existing.joined(separator: ", ")
            return "no InferenceService named \(name) in namespace \(namespace) (\(listing)); `kf serve list` shows them"
        case let .serviceExists(name, namespace):
            return "InferenceService \(name) already exists in namespace \(namespace)"
        case let .canaryNeedsService(name):
            return "--canary rolls a new model out beside the one \(name) serves, and \(name) does not exist yet; create it first without --canary"
        case let .deploymentModeChange(name, from, to):
            return "\(name) runs in \(from) mode and KServe cannot change a service's mode to \(to); drop --deployment-mode, or `kf serve delete \(name)` and create it again"
        case let .noCanary(name, verb):
            return "\(name) has no canary to \(verb); start one with `kf serve \(name) --model MODEL@VERSION --canary PERCENT`"
        case let .serviceFailed(name, message):
            return "InferenceService \(name) failed: \(message)"
        case let .serviceNotReady(name, seconds, state):
            return "InferenceService \(name) was not ready within \(seconds) s (\(state)); see `kf serve status \(name)` and `kf serve logs \(name)`"
        case let .noServiceURL(name, state):
            return "InferenceService \(name) has no URL yet (\(state)); wait with `kf serve \(name) ... --wait` or see `kf serve status \(name)`"
        case let .badPredictionInput(origin, reason):
            return "\(origin): \(reason)"
        case let .predictionFailed(name, url, status, body):
            return "\(name) answered \(status) at \(url)" + (body.isEmpty ? "" : ": \(body)")
        case let .serviceUnreachable(name, tried):
            return "cannot reach InferenceService \(name): " + tried.joined(separator: "; ")
        case let .canaryDropped(name):
            return "the cluster dropped spec.canary from \(name): its InferenceService CRD has no Standard-mode canaries (they came with KServe v0.20, and kf-local does not run them yet); \(name) serves as before. Upgrade KServe to v0.20, or use a Serverless service (--deployment-mode Serverless) for canaries"
        case .pruneNeedsProject:
            return "--prune tracks what kf applied under the project's name: run inside a kf project or pass --applyset NAME"
        }
    }
}
