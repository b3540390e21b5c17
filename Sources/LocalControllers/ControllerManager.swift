import Cluster
import Foundation
import LocalCluster
import Synchronization

/// Shared informers, one per kind, so controllers watching the same kind share one watch and one cache.
public final class InformerFactory: Sendable {
    public let client: ClusterClient
    private let informers = Mutex<[String: Informer]>([:])
    private let optional = Mutex<Set<String>>([])

    public init(client: ClusterClient) {
        self.client = client
    }

    /// The informer for a kind (made on first use).
    public func informer(apiVersion: String, kind: String) -> Informer {
        informers.withLock { informers in
            let key = apiVersion + "/" + kind
            if let existing = informers[key] { return existing }
            let informer = Informer(client: client, apiVersion: apiVersion, kind: kind)
            informers[key] = informer
            return informer
        }
    }

    /// The informer for a kind that may not be served (a CRD not installed yet): the manager does not wait for its
    /// first list, and it keeps trying quietly until the kind appears. Controllers check `hasSynced` themselves.
    public func optionalInformer(apiVersion: String, kind: String) -> Informer {
        let key = apiVersion + "/" + kind
        let created = informers.withLock { informers -> Informer in
            if let existing = informers[key] { return existing }
            let informer = Informer(client: client, apiVersion: apiVersion, kind: kind, quiet: true)
            informers[key] = informer
            return informer
        }
        optional.withLock { _ = $0.insert(key) }
        return created
    }

    /// Whether some informer waits for a kind that may not be served.
    public var hasOptional: Bool { optional.withLock { !$0.isEmpty } }

    /// The informers the manager waits for before starting controllers.
    public var required: [Informer] {
        let optional = optional.withLock { $0 }
        return all.filter { !optional.contains($0.apiVersion + "/" + $0.kind) }
    }

    public var pods: Informer { informer(apiVersion: "v1", kind: "Pod") }
    public var services: Informer { informer(apiVersion: "v1", kind: "Service") }
    public var endpoints: Informer { informer(apiVersion: "v1", kind: "Endpoints") }
    public var endpointSlices: Informer { informer(apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice") }
    public var jobs: Informer { informer(apiVersion: "batch/v1", kind: "Job") }
    public var deployments: Informer { informer(apiVersion: "apps/v1", kind: "Deployment") }
    public var replicaSets: Informer { informer(apiVersion: "apps/v1", kind: "ReplicaSet") }

    public var all: [Informer] { informers.withLock { Array($0.values) } }
}

/// What a controller is built from.
public struct ControllerContext: Sendable {
    public let client: ClusterClient
    public let informers: InformerFactory
    /// Where controllers may keep state (the project's `.kf/`), nil in tests that do not need it.
    public let stateDirectory: URL?
    /// The field manager of every write (`kf-local-controllers`).
    public let fieldManager: String
    /// Closed when the controllers stop, for every recorder `events` made.
    let eventGate: EventGate

    /// Records Events as `component` (job-controller, replicaset-controller...), as kube-controller-manager's
    /// controllers do, so `kubectl describe` and `kubectl get events` show what they did.
    public func events(_ component: String) -> EventRecorder {
        EventRecorder(client: client, component: component, gate: eventGate)
    }
}

/// Builds one controller: registers its informer handlers and returns it.
public typealias ControllerMaker = @Sendable (ControllerContext) -> Controller

/// The controllers of kf-local, run as one LocalAgent: like kube-controller-manager, a client of the API server
/// (through the kubeconfig kf-local writes) whose controllers share informers.
public struct ControllerManager: LocalAgent {
    public let name = "controllers"
    public let makers: [ControllerMaker]

    /// The built-in controllers: Job, Deployment, ReplicaSet, Endpoints (with EndpointSlices), the Service proxy,
    /// the Training Operator kinds (PyTorchJob, TFJob, XGBoostJob, JAXJob, PaddleJob, MPIJob) and Trainer's TrainJob,
    /// KServe's InferenceService (with its router), Katib's Experiment, Suggestion and Trial, and Argo's Workflow
    /// (pipelines compiled by kf).
    public static let builtin: [ControllerMaker] = [
        JobController.make, DeploymentController.make, ReplicaSetController.make, EndpointsController.make,
        ServiceProxy.make, InferenceServiceController.make, WorkflowController.make,
    ] + TrainingJobController.makers + [ExperimentController.make, SuggestionController.make, TrialController.make]

    public init(makers: [ControllerMaker] = ControllerManager.builtin) {
        self.makers = makers
    }

    public func run(_ context: LocalAgentContext) async throws {
        let config: ClusterConfig
        do {
            config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: context.kubeconfigPath), environment: [:])
        } catch {
            throw ControllerError.kubeconfig(path: context.kubeconfigPath, underlying: error)
        }
        // In kf-local's own process: writes reuse connections (no TLS handshake each).
        let client = ClusterClient(config: config, retry: RetryPolicy(), requestTimeout: .seconds(30), reuseConnectionsForWrites: true)
        await run(client: client, stateDirectory: context.stateDirectory)
    }

    /// Runs the controllers against `client` until cancelled: informers first, workers once every cache has synced.
    public func run(client: ClusterClient, stateDirectory: URL?) async {
        let informers = InformerFactory(client: client)
        let context = ControllerContext(client: client, informers: informers, stateDirectory: stateDirectory,
                                        fieldManager: "kf-local-controllers", eventGate: EventGate())
        defer { context.eventGate.close() }
        let controllers = makers.map { $0(context) }
        if informers.hasOptional {
            // A CRD installed while the controllers run: forget discovery so the waiting informers find its kind.
            informers.informer(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition").addHandler { _ in
                Task { await client.discovery.invalidate() }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for informer in informers.all {
                group.addTask { await informer.run() }
            }
            for informer in informers.required { await informer.waitForSync() }
            for controller in controllers {
                group.addTask { await controller.run() }
            }
        }
    }
}
