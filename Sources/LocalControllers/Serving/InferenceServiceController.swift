import Cluster
import Foundation
import Project
import Resources
import Synchronization

/// KServe's InferenceService (`serving.kserve.io/v1beta1`) on kf-local, in Serverless mode as KServe and Knative
/// run it, with MLServer as the model server:
/// - the predictor's `model` (or a legacy framework field such as `sklearn:`) picks the runtime from its
///   `modelFormat` (`ServingRuntime`), `storageUri` becomes the Pod's volume at /mnt/models (`ModelStorage`);
/// - each change of the predictor spec (outside `canaryTrafficPercent`) makes a revision `NAME-predictor-NNNNN`: a
///   Deployment `NAME-predictor-NNNNN-deployment` (run by the Deployment controller, its Pods by the node agent)
///   whose container runs `mlserver start /mnt/models` bound to the Pod's address, ready through MLServer's
///   /v2/health/ready;
/// - traffic follows `canaryTrafficPercent` (`Rollout`), and the router (`InferenceRouter`) splits requests so;
///   revisions without traffic (other than the latest) are scaled to zero;
/// - status as KServe writes it: url, address, conditions, components.predictor, modelStatus, deploymentMode.
public final class InferenceServiceController: Reconciler {
    public static let apiVersion = "serving.kserve.io/v1beta1"
    public static let kind = "InferenceService"
    /// Labels of the predictor's Deployments and Pods, as KServe and Knative set them.
    public static let serviceLabel = "serving.kserve.io/inferenceservice"
    public static let revisionLabel = "serving.knative.dev/revision"
    static let hashAnnotation = "kf.dev/predictor-hash"
    /// Marks the Deployment of a Standard-mode `spec.canary[]` entry (its value: the entry's name).
    public static let canaryLabel = "kf.dev/canary"
    static let modeAnnotation = "serving.kserve.io/deploymentMode"

    public struct Options: Sendable {
        /// Image mappings to check the runtime against instead of kf.yaml's `local.images` (tests).
        public var images: [ImageMapping]?
        /// The router's port; nil: the one kept in `.kf/serving/port`, else a free one.
        public var routerPort: Int?
        /// The readiness probe's period, in seconds.
        public var readinessPeriodSeconds: Int

        public init(images: [ImageMapping]? = nil, routerPort: Int? = nil, readinessPeriodSeconds: Int = 1) {
            self.images = images
            self.routerPort = routerPort
            self.readinessPeriodSeconds = readinessPeriodSeconds
        }
    }

    let client: ClusterClient
    let services: Informer
    let deployments: Informer
    let pods: Informer
    let kubeServices: Informer
    let stateDirectory: URL?
    let fieldManager: String
    let options: Options
    private let router = Mutex<InferenceRouter?>(nil)
    private let starting = Mutex<Task<InferenceRouter, Error>?>(nil)

    init(context: ControllerContext, services: Informer, options: Options) {
        client = context.client
        self.services = services
        deployments = context.informers.deployments
        pods = context.informers.pods
        kubeServices = context.informers.services
        stateDirectory = context.stateDirectory
        fieldManager = context.fieldManager
        self.options = options
    }

    /// The controller with default options (kf.yaml's image mappings, the kept router port).
    public static let make: ControllerMaker = maker()

    public static func maker(_ options: Options = Options()) -> ControllerMaker {
        { context in
            let services = context.informers.optionalInformer(apiVersion: apiVersion, kind: kind)
            let reconciler = InferenceServiceController(context: context, services: services, options: options)
            let controller = Controller(name: "inferenceservice", reconciler: reconciler, workers: 1)
            services.addHandler { controller.enqueue($0.object) }
            context.informers.deployments.addHandler { controller.enqueueController(of: $0.object, kind: kind) }
            context.informers.pods.addHandler { event in
                let pod = event.object
                if let name = pod.field("metadata", "labels", serviceLabel) {
                    controller.queue.add(NamespacedName(namespace: pod.field("metadata", "namespace") ?? "default", name: name))
                }
            }
            return controller
        }
    }

    /// The running router (nil before the first InferenceService), for tests and `kf local status`.
    public var routerPort: Int? { router.withLock { $0?.port } }

    public func stop() async {
        let running = router.withLock { router -> InferenceRouter? in
            defer { router = nil }
            return router
        }
        await running?.stop()
    }

    // MARK: Reconcile

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard services.hasSynced else { return .requeueAfter(.seconds(1)) }
        guard let service = services.get(key), service.uid != nil, !service.isDeleting else {
            router.withLock { $0 }?.remove(key)
            return .done  // its Deployments go with it (owner references)
        }
        let router = try await ensureRouter()
        let owned = deployments.list(namespace: key.namespace).filter { OwnerReferences.isControlled($0, by: service) }
        // A revision is ready once its model server has been (as Knative's latestReadyRevision, it stays so while
        // its Pod restarts: the route keeps it, and requests get 503 until the server is back).
        let previous = service[path: ["status", "components", "predictor"]]
        let everReady = previous?.field("latestReadyRevision")
        var revisions: [(deployment: Value, revision: PredictorRevision)] = []
        for deployment in owned where deployment.field("metadata", "labels", Self.canaryLabel) == nil {
            guard let name = deployment.field("metadata", "labels", Self.revisionLabel),
                  let number = Int(name.split(separator: "-").last ?? "") else { continue }
            let ready = name == everReady || !readyServers(key.namespace, name).isEmpty
            revisions.append((deployment, PredictorRevision(name: name, number: number, ready: ready)))
        }
        revisions.sort { $0.revision.number < $1.revision.number }

        let spec = PredictorSpec(service)
        let standard = ["RawDeployment", "Standard"].contains(spec.mode)
        var problem: RuntimeProblem?
        var template: Value?
        switch buildTemplate(service, key: key, spec: spec) {
        case let .success(built): template = built
        case let .failure(found): problem = found
        }
        if let percent = spec.canaryPercent, !(0...100).contains(percent) {
            problem = RuntimeProblem(reason: "InvalidSpec", message: "spec.predictor.canaryTrafficPercent is \(percent); it must be 0 to 100")
        }
        let canaries = standard ? spec.canaries : []
        let canaryShare = canaries.reduce(0) { $0 + $1.percent }
        if canaryShare > 100 {
            problem = RuntimeProblem(reason: "InvalidSpec", message: "spec.canary[] asks for \(canaryShare) % of the traffic; the entries may add up to 100 at most")
        }

        // A new revision when the predictor spec changed.
        if problem == nil, let template {
            let hash = spec.hash
            if revisions.last?.deployment.field("metadata", "annotations", Self.hashAnnotation) != hash {
                let number = (revisions.last?.revision.number ?? 0) + 1
                let deployment = makeDeployment(service, key: key, revision: PredictorRevision.name(service: key.name, number: number),
                                                hash: hash, template: template, replicas: spec.minReplicas)
                do {
                    let created = try await client.create(deployment, fieldManager: fieldManager)
                    revisions.append((created, PredictorRevision(name: PredictorRevision.name(service: key.name, number: number), number: number, ready: false)))
                } catch {
                    if error.status?.code != 409 {
                        throw ControllerError.api(operation: "creating", object: "Deployment \(key.namespace)/\(PredictorRevision.name(service: key.name, number: number))-deployment", underlying: error)
                    }
                    return .requeueAfter(.milliseconds(200))  // made already; the cache is behind
                }
            }
        }

        // Canaries first, as KServe reconciles them (kserve#5984): only a canary whose model server is ready takes
        // its share; until then the predictor keeps it, so a rollout never sends requests to a server still loading.
        var canaryProblem: RuntimeProblem?
        let served = problem == nil ? try await reconcileCanaries(service, key: key, canaries: canaries, owned: owned,
                                                                  problem: &canaryProblem) : []
        if problem == nil { problem = canaryProblem }
        let routed = served.filter { !readyServers(key.namespace, $0.revision).isEmpty }
        let rollout = Rollout.plan(revisions: revisions.map(\.revision), canaryPercent: spec.canaryPercent, standard: standard,
                                   standardShare: 100 - min(routed.reduce(0) { $0 + $1.percent }, 100),
                                   latestRolledout: previous?.field("latestRolledoutRevision"),
                                   previousRolledout: previous?.field("previousRolledoutRevision"))
        // Revisions without traffic sleep (Knative scales them to zero); the latest and the routed ones run.
        for (deployment, revision) in revisions {
            let wanted = rollout.active.contains(revision.name) ? spec.minReplicas : 0
            if deployment.integer("spec", "replicas") != wanted {
                try await client.mergePatch(deployment, .fields([("spec", .fields([("replicas", .int(wanted))]))]), fieldManager: fieldManager)
            }
        }
        var tags: [String: String] = [:]
        for target in rollout.traffic { if let tag = target.tag { tags[tag] = target.revisionName } }
        for canary in served { tags[canary.name] = canary.revision }
        // The router reads each routed revision's ready servers from the route (set again at each Pod change).
        let weights = rollout.weights + routed.map { ($0.revision, $0.percent) }
        var servers: [String: [InferenceRouter.Backend]] = [:]
        for revision in Set(weights.map(\.revision)).union(tags.values) {
            servers[revision] = readyServers(key.namespace, revision).map { InferenceRouter.Backend(host: $0.host, port: $0.port) }
        }
        router.set(InferenceRouter.Route(key: key, model: key.name, weights: weights, tags: tags, servers: servers))

        // With a problem the canaries were not looked at: their Services stay as they are.
        try await reconcileServices(service, key: key, standard: standard, revisions: revisions.map(\.revision), rollout: rollout,
                                    canaries: problem == nil ? served : nil)

        var status = makeStatus(service, key: key, spec: spec, rollout: rollout, revisions: revisions.map(\.deployment),
                                problem: problem, router: router)
        status.assign(["canaryStatuses"], served.isEmpty ? nil : .sequence(served.map { canary in
            let ready = !readyServers(key.namespace, canary.revision).isEmpty
            return .fields([
                ("name", .string(canary.name)), ("ready", .bool(ready)), ("trafficPercent", .int(canary.percent)),
                ("modelStatus", .fields([
                    ("transitionStatus", .string(ready ? "UpToDate" : "InProgress")),
                    ("states", .fields([("activeModelState", .string(ready ? "Loaded" : "Pending")),
                                        ("targetModelState", .string("Loaded"))])),
                    ("copies", .fields([("failedCopies", .int(0)), ("totalCopies", .int(readyServers(key.namespace, canary.revision).count))])),
                ])),
            ])
        }))
        try await write(service, status)
        if problem != nil { return .requeueAfter(.seconds(5)) }  // installing the runtime or the model fixes it
        return rollout.latestCreatedRevision != rollout.latestReadyRevision ? .requeueAfter(.seconds(2)) : .done
    }

    /// A Standard-mode canary being served: its entry's name, its Deployment's revision label, its share.
    struct ServedCanary {
        var name: String
        var revision: String
        var percent: Int
    }

    /// v0.20's `spec.canary[]` in Standard mode: one Deployment `NAME-predictor-ENTRY-deployment` per entry (ENTRY:
    /// its predictor's `name`, else its model's `name`, which the CRD requires), its template updated when the entry's predictor changes, and
    /// deleted when the entry goes; each gets its `trafficPercent`.
    private func reconcileCanaries(_ service: Value, key: NamespacedName, canaries: [PredictorSpec.Canary], owned: [Value],
                                   problem: inout RuntimeProblem?) async throws -> [ServedCanary] {
        var served: [ServedCanary] = []
        var kept: Set<String> = []
        for canary in canaries {
            let revision = key.name + "-predictor-" + canary.name
            // The entry's Service, NAME-ENTRY-predictor, must be a DNS-1035 label too.
            guard canary.name.count <= 40, KubernetesName.isDNS1035Label(canary.name),
                  KubernetesName.isDNS1035Label(key.name + "-" + canary.name + "-predictor") else {
                problem = RuntimeProblem(reason: "InvalidSpec", message:
                    "spec.canary[] name \(canary.name) (predictor.name, else model.name) must be a DNS label (lower-case letters, digits and -, starting with a letter) short enough that \(key.name)-\(canary.name)-predictor has at most 63 characters")
                return []
            }
            kept.insert(revision)
            let spec = PredictorSpec(predictor: canary.predictor, service: service)
            let template: Value
            switch buildTemplate(service, key: key, spec: spec) {
            case let .success(built): template = built
            case let .failure(found):
                problem = RuntimeProblem(reason: found.reason, message: "spec.canary \(canary.name): " + found.message)
                return []
            }
            var deployment = makeDeployment(service, key: key, revision: revision, hash: spec.hash, template: template, replicas: spec.minReplicas)
            deployment.assign(["metadata", "labels", Self.canaryLabel], .string(canary.name))
            deployment.assign(["spec", "template", "metadata", "labels", Self.canaryLabel], .string(canary.name))
            if let existing = owned.first(where: { $0.field("metadata", "name") == revision + "-deployment" }) {
                if existing.field("metadata", "annotations", Self.hashAnnotation) != spec.hash
                    || existing.integer("spec", "replicas") != spec.minReplicas {
                    var updated = existing
                    updated.assign(["metadata", "annotations", Self.hashAnnotation], .string(spec.hash))
                    updated.assign(["spec", "replicas"], .int(spec.minReplicas))
                    updated.assign(["spec", "template"], deployment[path: ["spec", "template"]])
                    _ = try await client.updateObject(updated, fieldManager: fieldManager)
                }
            } else {
                do {
                    _ = try await client.create(deployment, fieldManager: fieldManager)
                } catch {
                    if error.status?.code != 409 {
                        throw ControllerError.api(operation: "creating", object: "Deployment \(key.namespace)/\(revision)-deployment", underlying: error)
                    }
                }
            }
            served.append(ServedCanary(name: canary.name, revision: revision, percent: canary.percent))
        }
        for deployment in owned where deployment.field("metadata", "labels", Self.canaryLabel) != nil && !deployment.isDeleting {
            if let revision = deployment.field("metadata", "labels", Self.revisionLabel), !kept.contains(revision) {
                try await client.deleteObject(deployment)
            }
        }
        return served
    }

    /// The predictor's Services as KServe's cluster has them, so that the API server's service proxy reaches the
    /// model servers (`kf serve predict` off kf-local's router): in Serverless mode Knative's Service per revision,
    /// named as the revision (`NAME-predictor-00001`); in Standard mode KServe's `NAME-predictor`, selecting the
    /// latest ready revision's Pods, and v0.20's `NAME-ENTRY-predictor` for each `spec.canary` entry (deleted with
    /// the entry; `canaries` nil leaves those as they are). Port 80 `http` to the model server's `http` port, as
    /// both name theirs.
    func reconcileServices(_ service: Value, key: NamespacedName, standard: Bool, revisions: [PredictorRevision], rollout: Rollout,
                           canaries: [ServedCanary]?) async throws {
        var wanted: [(name: String, revision: String, canary: String?)] = []
        if standard {
            if let revision = rollout.latestReadyRevision ?? rollout.latestCreatedRevision { wanted.append((key.name + "-predictor", revision, nil)) }
            wanted += (canaries ?? []).map { (key.name + "-" + $0.name + "-predictor", $0.revision, $0.name) }
        } else {
            wanted = revisions.map { ($0.name, $0.name, nil) }
        }
        let names = Set(wanted.map(\.name))
        for existing in kubeServices.list(namespace: key.namespace)
        where canaries != nil && existing.field("metadata", "labels", Self.canaryLabel) != nil && OwnerReferences.isControlled(existing, by: service)
            && !existing.isDeleting && !names.contains(existing.field("metadata", "name") ?? "") {
            try await client.deleteObject(existing)
        }
        for (name, revision, canary) in wanted {
            var labels: [(String, String)] = [(Self.serviceLabel, key.name), ("component", "predictor"), (Self.revisionLabel, revision)]
            if let canary { labels.append((Self.canaryLabel, canary)) }
            let selector: [(String, String)] = [(Self.revisionLabel, revision)]
            if let existing = kubeServices.get(NamespacedName(namespace: key.namespace, name: name)) {
                guard OwnerReferences.isControlled(existing, by: service),
                      existing.stringMap("spec", "selector").map({ "\($0.0)=\($0.1)" }) != selector.map({ "\($0.0)=\($0.1)" }) else { continue }
                _ = try await client.mergePatch(existing, .fields([
                    ("metadata", .fields([("labels", .strings(labels))])),
                    ("spec", .fields([("selector", .strings(selector))])),
                ]), fieldManager: fieldManager)
                continue
            }
            let object = Value.fields([
                ("apiVersion", .string("v1")), ("kind", .string("Service")),
                ("metadata", .fields([
                    ("name", .string(name)), ("namespace", .string(key.namespace)), ("labels", .strings(labels)),
                    ("ownerReferences", .sequence([OwnerReferences.controller(service)])),
                ])),
                ("spec", .fields([
                    ("selector", .strings(selector)),
                    ("ports", .sequence([.fields([("name", .string("http")), ("port", .int(80)), ("targetPort", .string("http")),
                                                  ("protocol", .string("TCP"))])])),
                ])),
            ])
            do {
                _ = try await client.create(object, fieldManager: fieldManager)
            } catch {
                if error.status?.code != 409 {
                    throw ControllerError.api(operation: "creating", object: "Service \(key.namespace)/\(name)", underlying: error)
                }
            }
        }
    }

    /// The router, started at the first reconcile on the port kept in `.kf/serving/port` (or the option's).
    private func ensureRouter() async throws -> InferenceRouter {
        if let running = router.withLock({ $0 }) { return running }
        let task = starting.withLock { task -> Task<InferenceRouter, Error> in
            if let task { return task }
            let portFile = stateDirectory?.appendingPathComponent("serving/port")
            let kept = portFile.flatMap { try? String(contentsOf: $0, encoding: .utf8) }
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let preferred = options.routerPort ?? kept ?? 0
            let made = Task {
                let router = try await InferenceRouter.start(port: preferred)
                if let portFile {
                    try? FileManager.default.createDirectory(at: portFile.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? Data("\(router.port)\n".utf8).write(to: portFile, options: .atomic)
                }
                return router
            }
            task = made
            return made
        }
        do {
            let made = try await task.value
            router.withLock { $0 = made }
            return made
        } catch {
            starting.withLock { $0 = nil }
            throw error
        }
    }

    /// The ready model servers of a revision: its Pods that are Ready, at their address and `http` port.
    static func servers(pods: Informer, namespace: String, revision: String) -> [(host: String, port: Int)] {
        pods.list(namespace: namespace).compactMap { pod -> (host: String, port: Int)? in
            guard pod.field("metadata", "labels", revisionLabel) == revision, Pods.isActive(pod), Pods.isReady(pod),
                  let ip = pod.field("status", "podIP") else { return nil }
            let containers = pod[path: ["spec", "containers"]]?.sequence ?? []
            let ports = containers.first { $0.field("name") == ServingRuntime.containerName }?["ports"]?.sequence ?? []
            let port = ports.first { $0.field("name") == "http" }?.integer("containerPort") ?? 8080
            return (ip, port)
        }
    }

    func readyServers(_ namespace: String, _ revision: String) -> [(host: String, port: Int)] {
        Self.servers(pods: pods, namespace: namespace, revision: revision)
    }

    // MARK: The predictor's Pods

    /// The Pod template of the predictor's model server, or why it cannot run here.
    func buildTemplate(_ service: Value, key: NamespacedName, spec: PredictorSpec) -> Result<Value, RuntimeProblem> {
        if spec.hasCustomContainers {
            return .failure(RuntimeProblem(reason: "InvalidSpec", message:
                "spec.predictor.containers (a custom predictor) is not run on kf-local; use spec.predictor.model with a modelFormat"))
        }
        guard let format = spec.format else {
            return .failure(RuntimeProblem(reason: "InvalidSpec", message: "spec.predictor.model.modelFormat.name is required (sklearn, xgboost, lightgbm)"))
        }
        guard let uri = spec.storageUri else {
            return .failure(RuntimeProblem(reason: "InvalidSpec", message: "spec.predictor.model.storageUri is required (file://, pvc:// or a path)"))
        }
        if let protocolVersion = spec.protocolVersion, !["v1", "v2"].contains(protocolVersion) {
            return .failure(RuntimeProblem(reason: "InvalidSpec", message:
                "protocolVersion \(protocolVersion) is not served on kf-local (v1 and v2 over REST are)"))
        }
        let runtime: ServingRuntime
        switch ServingRuntime.forFormat(format) {
        case let .success(found): runtime = found
        case let .failure(problem): return .failure(problem)
        }
        let projectRoot = self.projectRoot
        let images = options.images ?? projectRoot.flatMap { root in
            (try? ProjectFile.load(path: root.appendingPathComponent(ProjectFile.fileName).path))?.localImages
        } ?? []
        if let problem = runtime.problem(images: images, projectRoot: projectRoot,
                                         path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") {
            return .failure(problem)
        }
        let storage: ModelStorage
        switch ModelStorage.resolve(uri, namespace: key.namespace, stateDirectory: stateDirectory, projectRoot: projectRoot) {
        case let .success(found): storage = found
        case let .failure(problem): return .failure(problem)
        }
        var env: [Value] = [
            ("MLSERVER_HOST", "$(POD_IP)"), ("MLSERVER_HTTP_PORT", "$(KF_PORT_HTTP)"), ("MLSERVER_GRPC_PORT", "$(KF_PORT_GRPC)"),
            ("MLSERVER_METRICS_PORT", "$(KF_PORT_METRICS)"), ("MLSERVER_PARALLEL_WORKERS", "0"),
            ("MLSERVER_MODEL_NAME", key.name), ("MLSERVER_MODEL_IMPLEMENTATION", runtime.implementation),
            ("MLSERVER_MODEL_URI", storage.modelURI),
        ].map { .fields([("name", .string($0.0)), ("value", .string($0.1))]) }
        for variable in spec.model?["env"]?.sequence ?? [] {
            guard let name = variable.field("name") else { continue }
            env.removeAll { $0.field("name") == name }
            env.append(variable)
        }
        let mount = Value.fields([("name", .string("kserve-provision-location")), ("mountPath", .string(ServingRuntime.modelMount)),
                                  ("readOnly", .bool(true)), ("subPath", storage.subPath.map(Value.string))])
        let port = { (name: String, number: Int) in Value.fields([("name", .string(name)), ("containerPort", .int(number)), ("protocol", .string("TCP"))]) }
        let container = Value.fields([
            ("name", .string(ServingRuntime.containerName)),
            ("image", .string(ServingRuntime.image)),
            ("command", .sequence(["mlserver", "start", ServingRuntime.modelMount].map(Value.string))),
            ("env", .sequence(env)),
            ("ports", .sequence([port("http", 8080), port("grpc", 9000), port("metrics", 8082)])),
            ("readinessProbe", .fields([
                ("httpGet", .fields([("path", .string("/v2/health/ready")), ("port", .string("http"))])),
                ("periodSeconds", .int(max(options.readinessPeriodSeconds, 1))), ("timeoutSeconds", .int(2)),
                ("failureThreshold", .int(3)),
            ])),
            ("resources", spec.model?["resources"]),
            ("volumeMounts", .sequence([mount])),
        ])
        return .success(.fields([
            ("containers", .sequence([container])),
            ("volumes", .sequence([storage.volume])),
            ("terminationGracePeriodSeconds", .int(10)),
            ("serviceAccountName", spec.predictor["serviceAccountName"]),
        ]))
    }

    /// The project root: the folder holding `.kf/` (the state directory itself when it is not named `.kf`).
    var projectRoot: URL? {
        guard let stateDirectory else { return nil }
        return stateDirectory.lastPathComponent == ".kf" ? stateDirectory.deletingLastPathComponent() : stateDirectory
    }

    func makeDeployment(_ service: Value, key: NamespacedName, revision: String, hash: String, template: Value, replicas: Int) -> Value {
        var labels: [(String, String)] = service.stringMap("spec", "predictor", "labels")
        labels.removeAll { [Self.serviceLabel, Self.revisionLabel, "component", "app"].contains($0.0) }
        labels += [
            (Self.serviceLabel, key.name), ("component", "predictor"), ("app", revision),
            (Self.revisionLabel, revision), ("serving.knative.dev/configuration", key.name + "-predictor"),
            ("serving.knative.dev/service", key.name + "-predictor"),
        ]
        let annotations = service.stringMap("spec", "predictor", "annotations")
        return .fields([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
            ("metadata", .fields([
                ("name", .string(revision + "-deployment")), ("namespace", .string(key.namespace)),
                ("labels", .strings(labels)),
                ("annotations", .strings([(Self.hashAnnotation, hash)])),
                ("ownerReferences", .sequence([OwnerReferences.controller(service)])),
            ])),
            ("spec", .fields([
                ("replicas", .int(replicas)),
                ("selector", .fields([("matchLabels", .strings([(Self.revisionLabel, revision)]))])),
                ("template", .fields([
                    ("metadata", .fields([("labels", .strings(labels)),
                                          ("annotations", annotations.isEmpty ? nil : .strings(annotations))])),
                    ("spec", template),
                ])),
            ])),
        ])
    }

    // MARK: Status

    func makeStatus(_ service: Value, key: NamespacedName, spec: PredictorSpec, rollout: Rollout, revisions: [Value],
                    problem: RuntimeProblem?, router: InferenceRouter) -> Value {
        let now = Date()
        var status = service["status"] ?? .mapping(Mapping())
        var conditions = status["conditions"]?.sequence ?? []
        let url = router.url(key)
        let latestReady = rollout.latestReadyRevision
        let latestCreated = rollout.latestCreatedRevision
        let routed = rollout.traffic.filter { $0.percent > 0 }
        let routesReady = !routed.isEmpty && routed.allSatisfy { !readyServers(key.namespace, $0.revisionName).isEmpty }
        let configurationReady = latestCreated != nil && latestCreated == latestReady
        let failure = latestCreated.flatMap { failureOfRevision(key.namespace, $0) }

        func set(_ type: String, _ ok: Bool, _ reason: String, _ message: String) {
            conditions = Conditions.setting(conditions, type: type, status: ok, reason: ok ? type : reason, message: ok ? "" : message, now: now)
        }
        if let problem {
            set("PredictorConfigurationReady", false, problem.reason, problem.message)
        } else if let failure, !configurationReady {
            set("PredictorConfigurationReady", false, failure.reason, failure.message)
        } else {
            set("PredictorConfigurationReady", configurationReady, "RevisionMissing",
                "Configuration \"\(key.name)-predictor\" is waiting for a Revision to become ready.")
        }
        set("PredictorRouteReady", routesReady, "RevisionMissing",
            latestReady == nil ? "Configuration \"\(key.name)-predictor\" does not have any ready Revision."
                : "a revision given traffic has no ready model server (restarting)")
        let predictorReady = problem == nil && routesReady && (configurationReady || latestReady != nil && failure == nil)
        set("PredictorReady", predictorReady, problem?.reason ?? failure?.reason ?? "RevisionMissing",
            problem?.message ?? failure?.message ?? "the predictor has no ready revision receiving traffic yet")
        set("IngressReady", true, "", "")
        set("Ready", predictorReady, "RevisionMissing", problem?.message ?? failure?.message ?? "the predictor is not ready")
        conditions.sort { ($0.field("type") ?? "") < ($1.field("type") ?? "") }
        status.assign(["conditions"], .sequence(conditions))

        status.assign(["url"], .string(url))
        status.assign(["address"], .fields([("url", .string(url))]))
        status.assign(["observedGeneration"], service["metadata"]?["generation"])
        status.assign(["deploymentMode"], .string(spec.mode ?? "Serverless"))
        status.assign(["servingRuntimeName"], problem == nil ? .string(ServingRuntime.name) : nil)
        let traffic: [Value] = rollout.traffic.map { target in
            .fields([
                ("tag", target.tag.map(Value.string)),
                ("revisionName", .string(target.revisionName)),
                ("latestRevision", .bool(target.latestRevision)),
                ("percent", .int(target.percent)),
                ("url", target.tag.map { .string(router.url(key, host: "\($0)-\(key.name)-predictor")) }),
            ])
        }
        let predictor = Value.fields([
            ("url", .string(router.url(key, host: key.name + "-predictor"))),
            ("restUrl", .string(router.url(key, host: key.name + "-predictor"))),
            ("address", .fields([("url", .string(router.url(key, host: key.name + "-predictor")))])),
            ("latestCreatedRevision", latestCreated.map(Value.string)),
            ("latestReadyRevision", latestReady.map(Value.string)),
            ("latestRolledoutRevision", rollout.latestRolledoutRevision.map(Value.string)),
            ("previousRolledoutRevision", rollout.previousRolledoutRevision.map(Value.string)),
            ("traffic", traffic.isEmpty ? nil : .sequence(traffic)),
        ])
        status.assign(["components"], .fields([("predictor", predictor)]))

        // modelStatus: the model's state in the latest revision.
        let copies = latestReady.map { readyServers(key.namespace, $0).count } ?? 0
        let transition: String
        let active: String
        let target: String
        if problem != nil {
            transition = "InvalidSpec"
            active = latestReady == nil ? "FailedToLoad" : "Loaded"
            target = "FailedToLoad"
        } else if failure != nil && !configurationReady {
            transition = "BlockedByFailedLoad"
            active = latestReady == nil ? "FailedToLoad" : "Loaded"
            target = "FailedToLoad"
        } else if configurationReady && routesReady {
            transition = "UpToDate"
            active = "Loaded"
            target = "Loaded"
        } else {
            transition = "InProgress"
            active = latestReady == nil ? "Pending" : "Loaded"
            target = "Loading"
        }
        let lastFailure: Value? = (problem.map { ($0.reason == "NoSupportingRuntime" ? "NoSupportingRuntime" : "InvalidPredictorSpec", $0.message) }
            ?? failure.map { (configurationReady ? "RuntimeUnhealthy" : "ModelLoadFailed", $0.message) }).map { reason, message in
            .fields([("reason", .string(reason)), ("message", .string(message)),
                     ("time", .string(Timestamp.string(now)))])
        }
        let previousFailure = status[path: ["modelStatus", "lastFailureInfo"]]
        let keptFailure = lastFailure.map { fresh -> Value in
            previousFailure?.field("message") == fresh.field("message") ? (previousFailure ?? fresh) : fresh
        }
        status.assign(["modelStatus"], .fields([
            ("transitionStatus", .string(transition)),
            ("states", .fields([("activeModelState", .string(active)), ("targetModelState", .string(target))])),
            ("copies", .fields([("failedCopies", .int(failure == nil ? 0 : 1)), ("totalCopies", .int(copies))])),
            ("lastFailureInfo", keptFailure),
        ]))
        return status
    }

    /// Why the latest revision's model server does not come up: its container ended, or waits to restart.
    func failureOfRevision(_ namespace: String, _ revision: String) -> RuntimeProblem? {
        for pod in pods.list(namespace: namespace) where pod.field("metadata", "labels", Self.revisionLabel) == revision && Pods.isActive(pod) {
            guard !Pods.isReady(pod) else { continue }
            for container in pod[path: ["status", "containerStatuses"]]?.sequence ?? [] {
                let restarts = container.integer("restartCount") ?? 0
                let waiting = container.field("state", "waiting", "reason")
                let last = container[path: ["state", "terminated"]] ?? container[path: ["lastState", "terminated"]]
                if waiting == "CrashLoopBackOff" || container[path: ["state", "terminated"]] != nil || (restarts > 0 && last != nil) {
                    let code = last?.integer("exitCode").map { " with exit code \($0)" } ?? ""
                    let name = pod.field("metadata", "name") ?? "?"
                    return RuntimeProblem(reason: "ModelLoadFailed", message:
                        "the model server of revision \(revision) exited\(code) (restarted \(restarts) times); see kubectl logs \(name) -p")
                }
                if let waiting, waiting != "ContainerCreating" && waiting != "PodInitializing" {
                    return RuntimeProblem(reason: waiting, message: container.field("state", "waiting", "message") ?? waiting)
                }
            }
        }
        return nil
    }

    private func write(_ service: Value, _ status: Value) async throws {
        guard status != service["status"] else { return }
        let version = service.field("metadata", "resourceVersion")
        try await client.updateStatus(service, fieldManager: fieldManager) { current throws(ControllerError) in
            guard current.field("metadata", "resourceVersion") == version else {
                throw .conflict(object: "InferenceService \(NamespacedName(of: service)?.description ?? "?")", attempts: 1)
            }
            return current.setting(["status"], to: status)
        }
    }
}

/// The parts of `spec.predictor` the controller reads.
struct PredictorSpec {
    let predictor: Value
    /// `model`, or the legacy framework field (`sklearn:`, `xgboost:` ...) with the format it names.
    let model: Value?
    let format: String?
    let storageUri: String?
    let protocolVersion: String?
    let canaryPercent: Int?
    let minReplicas: Int
    let mode: String?
    let hasCustomContainers: Bool
    let hash: String

    static let legacyFields = ["sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "triton", "onnx", "huggingface", "pmml", "paddle"]

    /// A Standard-mode `spec.canary[]` entry.
    struct Canary {
        var name: String
        var percent: Int
        var predictor: Value
    }
    let canaries: [Canary]

    init(_ service: Value) {
        self.init(predictor: service[path: ["spec", "predictor"]] ?? .mapping(Mapping()), service: service)
    }

    init(predictor: Value, service: Value) {
        self.predictor = predictor
        canaries = (service[path: ["spec", "canary"]]?.sequence ?? []).enumerated().map { index, entry in
            let predictor = entry["predictor"] ?? .mapping(Mapping())
            let name = predictor.field("name") ?? predictor.field("model", "name") ?? "canary-\(index)"
            return Canary(name: name, percent: entry.integer("trafficPercent") ?? 0,
                          predictor: predictor)
        }
        if let model = predictor["model"] {
            self.model = model
            format = model.field("modelFormat", "name")
        } else if let legacy = PredictorSpec.legacyFields.first(where: { predictor[$0] != nil }) {
            model = predictor[legacy]
            format = legacy
        } else {
            model = nil
            format = nil
        }
        storageUri = model?.field("storageUri")
        protocolVersion = model?.field("protocolVersion")
        canaryPercent = predictor.integer("canaryTrafficPercent")
        // Scale to zero needs Knative's activator; kf-local keeps at least one server.
        minReplicas = max(predictor.integer("minReplicas") ?? 1, 1)
        mode = service.field("metadata", "annotations", InferenceServiceController.modeAnnotation)
        hasCustomContainers = model == nil && !(predictor["containers"]?.sequence ?? []).isEmpty
        // A revision is a version of the predictor spec; the traffic split is not part of it.
        let versioned = predictor.setting(["canaryTrafficPercent"], to: nil)
        hash = String(SHA256.hex(JSON.encode(versioned)).prefix(16))
    }
}
