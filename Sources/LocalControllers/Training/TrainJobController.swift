import Cluster
import Foundation
import Resources
import Templates

/// The controller of Kubeflow Trainer v2's TrainJob (trainer.kubeflow.org/v1alpha1) on kf-local, behaving as
/// Trainer v2.3's (pkg/controller/trainjob_controller.go, the runtime framework's JobSet and Torch plugins) with
/// JobSet's part played here too, since kf-local has no JobSet controller:
/// - the TrainJob's runtime (`spec.runtimeRef`: a ClusterTrainingRuntime, or a TrainingRuntime in its namespace)
///   is read, and its JobSet template turned into what JobSet v0.12 would make of it: one batch/v1 Job per
///   replicatedJob replica, `<trainjob>-<replicatedJob>-<index>`, Indexed, with JobSet's labels and annotations on
///   the Job and its Pod template, `subdomain` the TrainJob's name, and one headless Service of that name.
///   kf-local's Job controller runs them (`JobController`).
/// - the trainer step (the replicated job labelled `trainer.kubeflow.org/trainjob-ancestor-step: trainer`) gets
///   `numNodes` Pods (parallelism = completions), and its `node` container the TrainJob's image, command, args,
///   env and resourcesPerNode. A torch mlPolicy adds PET_NNODES, PET_NPROC_PER_NODE, PET_NODE_RANK (from the
///   completion index, through the downward API), PET_MASTER_ADDR and PET_MASTER_PORT (29500), as the Torch plugin;
///   jax and xgboost policies their plugins' JAX_* and DMLC_* variables. Other policies (mpi, flux) fail the
///   TrainJob with a message saying kf-local does not run them.
/// - Local addresses: Service names do not resolve here, so every Pod of the TrainJob gets a loopback address
///   (`LocalAddresses`), given to the Job controller through the Job annotation `kf.dev/pod-ips`; the env names
///   node 0's address where Trainer writes `<trainjob>-node-0-0.<trainjob>`.
/// - initializer steps get the TrainJob's storage URI (`STORAGE_URI`) and env; a replicated job with JobSet's
///   `dependsOn` is made once those it depends on are Ready or Complete.
/// - status as Trainer copies it from the JobSet: Complete (reason AllJobsCompleted) when the success policy is
///   met, Failed (reason FailedJobs, naming the first failed Job) when a Job fails, Suspended/Resumed from
///   `spec.suspend`, Failed (DeadlineExceeded) past `activeDeadlineSeconds`, and `jobsStatus` per replicated job
///   (ready, succeeded, failed, active, suspended Jobs). A finished TrainJob's active Jobs are deleted, as JobSet
///   does.
public struct TrainJobController: Reconciler {
    public static let apiVersion = "trainer.kubeflow.org/v1alpha1"
    /// Trainer's label naming a replicated job's step (`trainer`, `dataset-initializer`, `model-initializer`).
    public static let ancestorLabel = "trainer.kubeflow.org/trainjob-ancestor-step"
    /// The port the Torch plugin opens on the trainer container and names in PET_MASTER_PORT.
    public static let masterPort = 29500
    /// The value of `spec.managedBy` that this controller acts on (the CRD's default).
    static let managedBy = "trainer.kubeflow.org/trainjob-controller"

    /// JobSet's labels and annotations on its Jobs and their Pods.
    public enum JobSetLabels {
        public static let jobSetName = "jobset.sigs.k8s.io/jobset-name"
        public static let jobSetUID = "jobset.sigs.k8s.io/jobset-uid"
        public static let replicatedJobName = "jobset.sigs.k8s.io/replicatedjob-name"
        public static let replicatedJobReplicas = "jobset.sigs.k8s.io/replicatedjob-replicas"
        public static let globalReplicas = "jobset.sigs.k8s.io/global-replicas"
        public static let jobIndex = "jobset.sigs.k8s.io/job-index"
        public static let jobGlobalIndex = "jobset.sigs.k8s.io/job-global-index"
        public static let restartAttempt = "jobset.sigs.k8s.io/restart-attempt"
    }

    let client: ClusterClient
    let trainJobs: Informer
    let clusterRuntimes: Informer
    let runtimes: Informer
    let jobs: Informer
    let services: Informer
    let pods: Informer
    let addresses: LocalAddresses
    let fieldManager: String

    public static func make(addresses: LocalAddresses, _ context: ControllerContext) -> Controller {
        let informers = context.informers
        let trainJobs = informers.optionalInformer(apiVersion: apiVersion, kind: "TrainJob")
        let reconciler = TrainJobController(
            client: context.client, trainJobs: trainJobs,
            clusterRuntimes: informers.optionalInformer(apiVersion: apiVersion, kind: "ClusterTrainingRuntime"),
            runtimes: informers.optionalInformer(apiVersion: apiVersion, kind: "TrainingRuntime"),
            jobs: informers.jobs, services: informers.services, pods: informers.pods, addresses: addresses,
            fieldManager: context.fieldManager)
        let controller = Controller(name: "trainjob", reconciler: reconciler, workers: 1)
        trainJobs.addHandler { controller.enqueue($0.object) }
        informers.jobs.addHandler { controller.enqueueController(of: $0.object, kind: "TrainJob") }
        informers.services.addHandler { controller.enqueueController(of: $0.object, kind: "TrainJob") }
        return controller
    }

    // MARK: Reconcile

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard trainJobs.hasSynced else { return .requeueAfter(.seconds(1)) }
        // The address table is shared with the Training Operator kinds: a TrainJob's entry has a key of its own.
        let reservation = NamespacedName(namespace: key.namespace, name: "TrainJob/" + key.name)
        guard let trainJob = trainJobs.get(key), trainJob.uid != nil else {
            addresses.release(reservation)
            return .done
        }
        if trainJob.isDeleting { return .done }
        if let manager = trainJob.field("spec", "managedBy"), manager != Self.managedBy { return .done }
        let now = Date()
        let owned = jobs.list(namespace: key.namespace).filter { OwnerReferences.isControlled($0, by: trainJob) }
        var conditions = trainJob[path: ["status", "conditions"]]?.sequence ?? []
        func isTrue(_ type: String) -> Bool { conditions.contains { $0.field("type") == type && $0.field("status") == "True" } }
        let suspended = trainJob.flag("spec", "suspend") == true

        if isTrue("Complete") || isTrue("Failed") {
            try await deleteJobs(owned.filter { !isFinished($0) && !$0.isDeleting })
            return .done
        }

        // The runtime and what it makes.
        let plan: TrainJobPlan
        do {
            let runtime = try await findRuntime(trainJob, key: key)
            plan = try TrainJobPlan(trainJob: trainJob, runtime: runtime, key: key)
        } catch let problem as TrainJobProblem {
            conditions = Conditions.setting(conditions, type: "Failed", status: true, reason: problem.reason,
                                            message: problem.message, now: now)
            try await writeStatus(trainJob, conditions: conditions, jobsStatus: nil)
            return .done
        }

        // Suspension, as setSuspendedCondition.
        if suspended {
            conditions = Conditions.setting(conditions, type: "Suspended", status: true, reason: "Suspended",
                                            message: "TrainJob is suspended", now: now)
        } else if isTrue("Suspended") {
            conditions = Conditions.setting(conditions, type: "Suspended", status: false, reason: "Resumed",
                                            message: "TrainJob is resumed", now: now)
        }

        // The deadline counts from creation, or from the last resume.
        var requeue: Duration?
        if let deadline = trainJob.integer("spec", "activeDeadlineSeconds"), !suspended {
            let resumed = conditions.first { $0.field("type") == "Suspended" && $0.field("status") == "False" }
            let start = Timestamp.date(resumed?.field("lastTransitionTime")) ?? Timestamp.date(trainJob.field("metadata", "creationTimestamp"))
            if let start {
                let remaining = start.addingTimeInterval(Double(deadline)).timeIntervalSince(now)
                if remaining <= 0 {
                    conditions = Conditions.setting(conditions, type: "Failed", status: true, reason: "DeadlineExceeded",
                                                    message: "TrainJob exceeded its active deadline", now: now)
                    try await deleteJobs(owned.filter { !$0.isDeleting })
                    try await writeStatus(trainJob, conditions: conditions, jobsStatus: jobsStatus(plan, owned))
                    return .done
                }
                requeue = .milliseconds(Int(remaining * 1000) + 20)
            }
        }

        // The Jobs and the Service, as JobSet makes them; existing Jobs only follow `suspend`.
        let table = addresses.addresses(jobUID: trainJob.uid ?? "", job: reservation,
                                        replicas: plan.jobs.map { ($0.name, $0.pods) }, jobPods: [],
                                        livePods: pods.list().filter { !Pods.isTerminal($0) && !$0.isDeleting })
        let byName = Dictionary(owned.map { ($0.field("metadata", "name") ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for job in plan.jobs {
            if let existing = byName[job.name] {
                if !isFinished(existing), (existing.flag("spec", "suspend") ?? false) != suspended, !existing.isDeleting {
                    _ = try await client.mergePatch(existing, .fields([("spec", .fields([("suspend", .bool(suspended))]))]),
                                                    fieldManager: fieldManager)
                }
                continue
            }
            if !plan.mayStart(plan.replicatedJobs[job.replicated], owned) {
                requeue = min(requeue ?? .seconds(1), .seconds(1))
                continue
            }
            let addressList = (0..<job.pods).map { table[LocalAddresses.replicaKey(job.name, $0)] ?? "" }
            let object = plan.job(job, trainJob: trainJob, addresses: addressList, masterAddress: table[LocalAddresses.replicaKey(plan.masterJob, 0)],
                                  suspended: suspended)
            do {
                _ = try await client.createObject(object, fieldManager: fieldManager)
            } catch {
                if case let .api(_, _, underlying) = error, underlying.status?.code == 409 { continue }
                throw error
            }
        }
        try await ensureService(trainJob, key: key)

        // Status from the Jobs, as JobSet's and then Trainer's.
        let status = jobsStatus(plan, owned)
        let failedJobs = owned.filter { Conditions.isTrue($0, "Failed") }
        if let first = failedJobs.min(by: { failureTime($0) < failureTime($1) }) {
            let message = "jobset failed due to one or more job failures (first failed job: \(first.field("metadata", "name") ?? "?"))"
            conditions = Conditions.setting(conditions, type: "Failed", status: true, reason: "FailedJobs", message: message, now: now)
            try await deleteJobs(owned.filter { !isFinished($0) && !$0.isDeleting })
        } else if plan.isComplete(owned) {
            conditions = Conditions.setting(conditions, type: "Complete", status: true, reason: "AllJobsCompleted",
                                            message: "jobset completed successfully", now: now)
            try await deleteJobs(owned.filter { !isFinished($0) && !$0.isDeleting })
        }
        try await writeStatus(trainJob, conditions: conditions, jobsStatus: status)
        return requeue.map { .requeueAfter($0) } ?? .done
    }

    private func isFinished(_ job: Value) -> Bool { Conditions.isTrue(job, "Complete") || Conditions.isTrue(job, "Failed") }

    private func failureTime(_ job: Value) -> Date {
        Timestamp.date(Conditions.find(job, "Failed")?.field("lastTransitionTime")) ?? .distantFuture
    }

    /// The runtime the TrainJob names. kf-local has no admission webhook, so a missing or unusable runtime fails
    /// the TrainJob with a message naming it (upstream refuses such a TrainJob when it is created).
    private func findRuntime(_ trainJob: Value, key: NamespacedName) async throws -> Value {
        let name = trainJob.field("spec", "runtimeRef", "name") ?? ""
        let kind = trainJob.field("spec", "runtimeRef", "kind") ?? "ClusterTrainingRuntime"
        let group = trainJob.field("spec", "runtimeRef", "apiGroup") ?? "trainer.kubeflow.org"
        guard group == "trainer.kubeflow.org", kind == "ClusterTrainingRuntime" || kind == "TrainingRuntime" else {
            throw TrainJobProblem(reason: "TrainingRuntimeNotSupported", message: "unsupported runtime: \(kind).\(group)")
        }
        let informer = kind == "TrainingRuntime" ? runtimes : clusterRuntimes
        let runtimeKey = NamespacedName(namespace: kind == "TrainingRuntime" ? key.namespace : "", name: name)
        // The cache may be behind a runtime made just before the TrainJob (or not synced yet): ask the server.
        var found = informer.get(runtimeKey)
        if found == nil {
            let reference = ObjectReference(apiVersion: TrainJobController.apiVersion, kind: kind, name: name,
                                            namespace: kind == "TrainingRuntime" ? key.namespace : nil)
            do {
                found = try await client.get(reference)
            } catch {
                throw ControllerError.api(operation: "reading", object: "\(kind) \(name)", underlying: error)
            }
        }
        guard let runtime = found else {
            let place = kind == "TrainingRuntime" ? " in namespace \(key.namespace)" : ""
            throw TrainJobProblem(reason: "TrainingRuntimeNotFound",
                                  message: "\(kind) \(name) is not found\(place); create it, or name one that exists in spec.runtimeRef")
        }
        return runtime
    }

    private func jobsStatus(_ plan: TrainJobPlan, _ owned: [Value]) -> Value {
        .sequence(plan.replicatedJobs.map { replicated in
            let children = owned.filter { $0.field("metadata", "labels", JobSetLabels.replicatedJobName) == replicated.name }
            let ready = children.filter { job in
                let expected = job.integer("spec", "parallelism") ?? 1
                return (job.integer("status", "ready") ?? 0) + (job.integer("status", "succeeded") ?? 0) >= expected
            }.count
            let succeeded = children.filter { Conditions.isTrue($0, "Complete") }.count
            let failed = children.filter { Conditions.isTrue($0, "Failed") }.count
            let active = children.filter { !$0.isDeleting && (($0.integer("status", "active") ?? 0) > 0) }.count
            let suspendedCount = children.filter { $0.flag("spec", "suspend") == true }.count
            return .fields([("name", .string(replicated.name)), ("ready", .int(ready)), ("succeeded", .int(succeeded)),
                            ("failed", .int(failed)), ("active", .int(active)), ("suspended", .int(suspendedCount))])
        })
    }

    private func writeStatus(_ trainJob: Value, conditions: [Value], jobsStatus: Value?) async throws {
        var status = trainJob["status"] ?? .mapping(Mapping())
        status.assign(["conditions"], conditions.isEmpty ? nil : .sequence(conditions))
        if let jobsStatus { status.assign(["jobsStatus"], jobsStatus) }
        let newStatus = status
        try await client.updateStatus(trainJob, fieldManager: fieldManager) { current in
            current.setting(["status"], to: newStatus)
        }
    }

    private func deleteJobs(_ victims: [Value]) async throws {
        for job in victims {
            do {
                try await client.deleteObject(job, propagation: .background)
            } catch {
                if case let .api(_, _, underlying) = error, underlying.status?.isNotFound == true { continue }
                throw error
            }
        }
    }

    /// JobSet's headless Service: named as the subdomain (the TrainJob), selecting every Pod of the set,
    /// publishing not-ready addresses.
    private func ensureService(_ trainJob: Value, key: NamespacedName) async throws {
        if services.get(key) != nil { return }
        let service = Value.fields([
            ("apiVersion", .string("v1")), ("kind", .string("Service")),
            ("metadata", .fields([
                ("name", .string(key.name)), ("namespace", .string(key.namespace)),
                ("labels", .strings([(JobSetLabels.jobSetName, key.name)])),
                ("ownerReferences", .sequence([OwnerReferences.controller(trainJob)])),
            ])),
            ("spec", .fields([
                ("clusterIP", .string("None")), ("publishNotReadyAddresses", .bool(true)),
                ("selector", .strings([(JobSetLabels.jobSetName, key.name)])),
            ])),
        ])
        do {
            _ = try await client.create(service, fieldManager: fieldManager)
        } catch {
            if error.status?.code == 409 { return }
            throw ControllerError.api(operation: "creating", object: "Service \(key.namespace)/\(key.name)", underlying: error)
        }
    }
}

/// Why a TrainJob cannot run: the Failed condition's reason and message.
struct TrainJobProblem: Error {
    let reason: String
    let message: String
}

/// What a TrainJob and its runtime make: the replicated jobs of the runtime's JobSet template with the TrainJob's
/// values applied, as Trainer's runtime framework and JobSet's webhook defaults leave them.
struct TrainJobPlan {
    struct ReplicatedJob {
        var name: String
        var replicas: Int
        /// The Job template (`metadata`, `spec`) after the TrainJob's values.
        var template: Value
        var isTrainer: Bool
        /// JobSet's `dependsOn`: the replicated jobs (and the status, Ready or Complete) this one waits for.
        var dependsOn: [(name: String, status: String)]
    }

    /// One Job to make: its name, replicated job, index and Pod count.
    struct ChildJob {
        var name: String
        var replicated: Int
        var index: Int
        var pods: Int
    }

    let key: NamespacedName
    let replicatedJobs: [ReplicatedJob]
    let jobs: [ChildJob]
    let successOperator: String
    let successTargets: [String]
    /// The Job whose Pod 0 is the torch master (the trainer's first Job).
    let masterJob: String

    init(trainJob: Value, runtime: Value, key: NamespacedName) throws {
        self.key = key
        let runtimeName = "\(runtime.field("kind") ?? "runtime") \(runtime.field("metadata", "name") ?? "")"
        let spec = runtime["spec"] ?? .mapping(Mapping())
        let policy = spec["mlPolicy"]
        let known = ["numNodes", "torch", "jax", "xgboost"]
        if let other = policy?.mapping?.keys.first(where: { !known.contains($0) }) {
            throw TrainJobProblem(reason: "TrainingRuntimeNotSupported", message:
                "\(runtimeName): mlPolicy.\(other) is not run by kf-local (it runs the torch, jax and xgboost policies and runtimes without one); run it on a cluster with Trainer installed")
        }
        let framework = known.dropFirst().first { policy?[$0] != nil && policy?[$0]?.isNull == false }
        let trainer = trainJob[path: ["spec", "trainer"]]
        let numNodes = trainer.flatMap { Value.integer($0["numNodes"]) } ?? policy.flatMap { Value.integer($0["numNodes"]) } ?? 1
        guard numNodes >= 1 else {
            throw TrainJobProblem(reason: "TrainingRuntimeNotSupported", message: "spec.trainer.numNodes must be at least 1, found \(numNodes)")
        }
        let jobSetSpec = spec[path: ["template", "spec"]] ?? .mapping(Mapping())
        guard let list = jobSetSpec["replicatedJobs"]?.sequence, !list.isEmpty else {
            throw TrainJobProblem(reason: "TrainingRuntimeNotSupported", message: "\(runtimeName): spec.template.spec.replicatedJobs is empty")
        }
        var replicated: [ReplicatedJob] = []
        for (position, item) in list.enumerated() {
            guard let name = item.field("name"), !name.isEmpty else {
                throw TrainJobProblem(reason: "TrainingRuntimeNotSupported", message: "\(runtimeName): spec.template.spec.replicatedJobs[\(position)].name is missing")
            }
            var template = item["template"] ?? .mapping(Mapping())
            let isTrainer = template.field("metadata", "labels", TrainJobController.ancestorLabel) == "trainer"
            // JobSet's webhook defaults.
            if template.field("spec", "completionMode") == nil { template.assign(["spec", "completionMode"], .string("Indexed")) }
            if template.field("spec", "template", "spec", "restartPolicy") == nil {
                template.assign(["spec", "template", "spec", "restartPolicy"], .string("OnFailure"))
            }
            var replicas = Value.integer(item["replicas"]) ?? 1
            let ancestor = template.field("metadata", "labels", TrainJobController.ancestorLabel)
            if ancestor == "dataset-initializer" || ancestor == "model-initializer" {
                replicas = 1
                template = Self.applyInitializer(trainJob[path: ["spec", "initializer", ancestor == "dataset-initializer" ? "dataset" : "model"]],
                                                 container: ancestor ?? "", to: template)
            }
            if isTrainer {
                replicas = 1
                template.assign(["spec", "parallelism"], .int(numNodes))
                template.assign(["spec", "completions"], .int(numNodes))
                template = Self.applyTrainer(trainer, to: template)
            }
            let dependsOn = (item["dependsOn"]?.sequence ?? []).compactMap { entry -> (name: String, status: String)? in
                guard let name = entry.field("name") else { return nil }
                return (name, entry.field("status") ?? "Complete")
            }
            replicated.append(ReplicatedJob(name: name, replicas: replicas, template: template, isTrainer: isTrainer, dependsOn: dependsOn))
        }
        var jobs: [ChildJob] = []
        for (position, item) in replicated.enumerated() {
            let pods = item.template.integer("spec", "parallelism") ?? 1
            for index in 0..<item.replicas {
                jobs.append(ChildJob(name: "\(key.name)-\(item.name)-\(index)", replicated: position, index: index, pods: max(pods, 0)))
            }
        }
        let trainerJob = replicated.firstIndex { $0.isTrainer }.map { "\(key.name)-\(replicated[$0].name)-0" }
        masterJob = trainerJob ?? jobs.first?.name ?? ""
        if let framework, let trainerIndex = replicated.firstIndex(where: { $0.isTrainer }) {
            replicated[trainerIndex].template = Self.applyPolicy(framework, trainJob: trainJob,
                                                                 template: replicated[trainerIndex].template, numNodes: numNodes)
        }
        replicatedJobs = replicated
        self.jobs = jobs
        successOperator = jobSetSpec.field("successPolicy", "operator") ?? "All"
        successTargets = (jobSetSpec[path: ["successPolicy", "targetReplicatedJobs"]]?.sequence ?? []).compactMap(\.text)
    }

    /// An initializer's storage URI (`STORAGE_URI`) and env on its container, as the JobSet plugin's Initializer.
    static func applyInitializer(_ settings: Value?, container name: String, to template: Value) -> Value {
        guard let settings, settings.mapping != nil else { return template }
        guard let containers = template[path: ["spec", "template", "spec", "containers"]]?.sequence else { return template }
        var updated = containers
        for index in updated.indices where updated[index].field("name") == name {
            if let uri = settings.field("storageUri") {
                updated[index] = upserting([.fields([("name", .string("STORAGE_URI")), ("value", .string(uri))])], into: updated[index])
            }
            updated[index] = upserting(settings["env"]?.sequence ?? [], into: updated[index])
        }
        return template.setting(["spec", "template", "spec", "containers"], to: .sequence(updated))
    }

    /// Whether a replicated job may start: every replicated job it depends on has all its Jobs ready (`Ready`:
    /// ready or succeeded Pods for the whole parallelism, or complete) or complete (`Complete`), as JobSet's
    /// dependsOn.
    func mayStart(_ replicated: ReplicatedJob, _ owned: [Value]) -> Bool {
        replicated.dependsOn.allSatisfy { dependency in
            let children = jobs.filter { replicatedJobs[$0.replicated].name == dependency.name }
            return children.allSatisfy { child in
                guard let job = owned.first(where: { $0.field("metadata", "name") == child.name }) else { return false }
                if Conditions.isTrue(job, "Complete") { return true }
                guard dependency.status == "Ready" else { return false }
                return (job.integer("status", "ready") ?? 0) + (job.integer("status", "succeeded") ?? 0) >= child.pods
            }
        }
    }

    /// The TrainJob's image, command, args, env and resourcesPerNode on the trainer step's `node` container.
    static func applyTrainer(_ trainer: Value?, to template: Value) -> Value {
        guard let trainer, trainer.mapping != nil else { return template }
        return editingNode(template) { container in
            if let image = trainer.field("image") { container.assign(["image"], .string(image)) }
            if let command = trainer["command"], command.sequence != nil { container.assign(["command"], command) }
            if let args = trainer["args"], args.sequence != nil { container.assign(["args"], args) }
            container = upserting(trainer["env"]?.sequence ?? [], into: container)
            if let resources = trainer["resourcesPerNode"], resources.mapping != nil {
                for part in ["limits", "requests"] {
                    for (name, amount) in resources[part]?.mapping?.pairs ?? Mapping().pairs {
                        container.assign(["resources", part, name], amount)
                    }
                }
            }
        }
    }

    /// Node 0's DNS name as Trainer writes it in the env (`<trainjob>-node-0-0.<trainjob>`); on kf-local each Job
    /// puts node 0's address in its place.
    static func masterName(_ trainJob: String) -> String { "\(trainJob)-node-0-0.\(trainJob)" }

    /// The ML policy plugins' variables on the trainer's `node` container, and the port 29500 they open:
    /// - torch: PET_NNODES, PET_NPROC_PER_NODE (`auto`, or the CPU count when no GPU is asked for),
    ///   PET_NODE_RANK (the completion index), PET_MASTER_ADDR, PET_MASTER_PORT;
    /// - jax: JAX_NUM_PROCESSES, JAX_PROCESS_ID (the completion index), JAX_COORDINATOR_ADDRESS (`host:29500`);
    /// - xgboost: DMLC_TRACKER_URI, DMLC_TRACKER_PORT, DMLC_TASK_ID (the completion index), DMLC_NUM_WORKER
    ///   (nodes × GPUs per node, at least one per node).
    static func applyPolicy(_ framework: String, trainJob: Value, template: Value, numNodes: Int) -> Value {
        let master = masterName(trainJob.field("metadata", "name") ?? "")
        let port = String(TrainJobController.masterPort)
        func plain(_ name: String, _ value: String) -> Value { .fields([("name", .string(name)), ("value", .string(value))]) }
        func index(_ name: String) -> Value {
            .fields([("name", .string(name)), ("valueFrom", .fields([("fieldRef", .fields([
                ("fieldPath", .string("metadata.annotations['\(JobController.indexLabel)']")),
            ]))]))])
        }
        return editingNode(template) { container in
            let gpus = container.field("resources", "limits", "nvidia.com/gpu").flatMap(Int.init) ?? 0
            switch framework {
            case "torch":
                var procs = trainJob.integer("spec", "trainer", "numProcPerNode").map(String.init) ?? "auto"
                if procs == "auto" && gpus == 0 {
                    let cpu = container.field("resources", "requests", "cpu") ?? container.field("resources", "limits", "cpu")
                    procs = String(max(1, cpu.flatMap { Quantity($0) }.map { Int($0.amount) } ?? 0))
                }
                container = upserting([plain("PET_NNODES", String(numNodes)), plain("PET_NPROC_PER_NODE", procs),
                                       index("PET_NODE_RANK"), plain("PET_MASTER_ADDR", master),
                                       plain("PET_MASTER_PORT", port)], into: container)
            case "jax":
                container = upserting([plain("JAX_NUM_PROCESSES", String(numNodes)), index("JAX_PROCESS_ID"),
                                       plain("JAX_COORDINATOR_ADDRESS", master + ":" + port)], into: container)
            default:
                container = upserting([plain("DMLC_TRACKER_URI", master), plain("DMLC_TRACKER_PORT", port),
                                       index("DMLC_TASK_ID"), plain("DMLC_NUM_WORKER", String(numNodes * max(gpus, 1)))],
                                      into: container)
            }
            var ports = container["ports"]?.sequence ?? []
            if !ports.contains(where: { Value.integer($0["containerPort"]) == TrainJobController.masterPort }) {
                ports.append(.fields([("containerPort", .int(TrainJobController.masterPort)), ("protocol", .string("TCP"))]))
                container.assign(["ports"], .sequence(ports))
            }
        }
    }

    /// The Job template with its `node` container changed.
    static func editingNode(_ template: Value, _ change: (inout Value) -> Void) -> Value {
        guard let containers = template[path: ["spec", "template", "spec", "containers"]]?.sequence else { return template }
        var updated = containers
        for index in updated.indices where updated[index].field("name") == "node" {
            change(&updated[index])
        }
        return template.setting(["spec", "template", "spec", "containers"], to: .sequence(updated))
    }

    /// `variables` set in the container's env: a variable of the same name is replaced in place (apply.UpsertEnvVars).
    static func upserting(_ variables: [Value], into container: Value) -> Value {
        var env = container["env"]?.sequence ?? []
        for variable in variables {
            guard let name = variable.field("name") else { continue }
            if let index = env.firstIndex(where: { $0.field("name") == name }) {
                env[index] = variable
            } else {
                env.append(variable)
            }
        }
        return env.isEmpty ? container : container.setting(["env"], to: .sequence(env))
    }

    /// A child Job as JobSet's constructJob makes it, with kf-local's addresses.
    func job(_ child: ChildJob, trainJob: Value, addresses: [String], masterAddress: String?, suspended: Bool) -> Value {
        let replicated = replicatedJobs[child.replicated]
        typealias Labels = TrainJobController.JobSetLabels
        let globalReplicas = replicatedJobs.reduce(0) { $0 + $1.replicas }
        let globalIndex = replicatedJobs[..<child.replicated].reduce(0) { $0 + $1.replicas } + child.index
        let ours: [(String, String)] = [
            (Labels.jobSetName, key.name), (Labels.jobSetUID, trainJob.uid ?? ""),
            (Labels.replicatedJobName, replicated.name), (Labels.restartAttempt, "0"),
            (Labels.replicatedJobReplicas, String(replicated.replicas)), (Labels.globalReplicas, String(globalReplicas)),
            (Labels.jobIndex, String(child.index)), (Labels.jobGlobalIndex, String(globalIndex)),
        ]
        func merged(_ existing: [(String, String)]) -> Value {
            var pairs = existing.filter { pair in !ours.contains { $0.0 == pair.0 } }
            pairs += ours
            return .strings(pairs)
        }
        var template = replicated.template
        var podTemplate = template[path: ["spec", "template"]] ?? .mapping(Mapping())
        podTemplate.assign(["metadata", "labels"], merged(podTemplate.stringMap("metadata", "labels")))
        podTemplate.assign(["metadata", "annotations"], merged(podTemplate.stringMap("metadata", "annotations")))
        podTemplate.assign(["spec", "subdomain"], .string(key.name))
        podTemplate = TrainJobPlan.editingNode(.fields([("spec", .fields([("template", podTemplate)]))])) { container in
            // Node 0's address where Trainer writes its DNS name.
            guard let masterAddress, var env = container["env"]?.sequence else { return }
            let master = TrainJobPlan.masterName(key.name)
            for index in env.indices {
                guard let value = env[index].field("value"), value.contains(master) else { continue }
                env[index] = env[index].setting(["value"], to: .string(value.replacingOccurrences(of: master, with: masterAddress)))
            }
            container.assign(["env"], .sequence(env))
        }[path: ["spec", "template"]] ?? podTemplate
        template.assign(["spec", "template"], podTemplate)
        template.assign(["spec", "suspend"], .bool(suspended))
        var annotations = template.stringMap("metadata", "annotations")
        annotations = annotations.filter { pair in !ours.contains { $0.0 == pair.0 } } + ours
        annotations.append((JobController.podIPsAnnotation, addresses.joined(separator: ",")))
        return .fields([
            ("apiVersion", .string("batch/v1")), ("kind", .string("Job")),
            ("metadata", .fields([
                ("name", .string(child.name)), ("namespace", .string(key.namespace)),
                ("labels", merged(template.stringMap("metadata", "labels"))),
                ("annotations", .strings(annotations)),
                ("ownerReferences", .sequence([OwnerReferences.controller(trainJob)])),
            ])),
            ("spec", template["spec"] ?? .mapping(Mapping())),
        ])
    }

    /// JobSet's success policy: All (default) or Any of the target replicated jobs' Jobs (all when none named)
    /// completed.
    func isComplete(_ owned: [Value]) -> Bool {
        let targets = successTargets.isEmpty ? replicatedJobs.map(\.name) : successTargets
        let relevant = jobs.filter { targets.contains(replicatedJobs[$0.replicated].name) }
        guard !relevant.isEmpty else { return false }
        let completed = relevant.filter { child in
            owned.contains { $0.field("metadata", "name") == child.name && Conditions.isTrue($0, "Complete") }
        }
        return successOperator == "Any" ? !completed.isEmpty : completed.count == relevant.count
    }
}

/// Installs the ClusterTrainingRuntimes kf-local offers (templates/local/trainingruntimes: `torch-distributed`)
/// when the controllers start, each only when the cluster has none of that name, as installing Trainer applies
/// its runtimes beside the controller. A runtime edited on the cluster is left as it is; a deleted one comes
/// back at the next start.
public struct TrainingRuntimeInstaller: Reconciler {
    let client: ClusterClient
    let runtimes: Informer
    /// The runtimes by name.
    let builtin: [String: Value]
    let fieldManager: String

    /// A maker for the controller manager: `runtimes` are the runtime objects to offer.
    public static func maker(runtimes: [Value]) -> ControllerMaker {
        { context in
            let informer = context.informers.optionalInformer(apiVersion: TrainJobController.apiVersion, kind: "ClusterTrainingRuntime")
            var byName: [String: Value] = [:]
            for runtime in runtimes { if let name = runtime.field("metadata", "name") { byName[name] = runtime } }
            let reconciler = TrainingRuntimeInstaller(client: context.client, runtimes: informer, builtin: byName,
                                                      fieldManager: context.fieldManager)
            let controller = Controller(name: "trainingruntimes", reconciler: reconciler, workers: 1)
            for name in byName.keys.sorted() { controller.queue.add(NamespacedName(namespace: "", name: name)) }
            return controller
        }
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard let runtime = builtin[key.name] else { return .done }
        guard runtimes.hasSynced else { return .requeueAfter(.seconds(1)) }
        if runtimes.get(key) != nil { return .done }
        do {
            _ = try await client.create(runtime, fieldManager: fieldManager)
        } catch {
            if error.status?.code == 409 { return .done }
            throw ControllerError.api(operation: "creating", object: "ClusterTrainingRuntime \(key.name)", underlying: error)
        }
        return .done
    }
}

extension TrainingRuntimeInstaller {
    /// The runtimes embedded from templates/local/trainingruntimes.
    public static var embedded: [Value] {
        let store = TemplateStore(projectRoot: nil)
        var result: [Value] = []
        for path in TemplateStore.embeddedPaths where path.hasPrefix("local/trainingruntimes/") && path.hasSuffix(".yaml") {
            do {
                let objects = try YAMLParser.parse(try store.template(path).text, file: path)
                result += objects.filter { $0.field("kind") == "ClusterTrainingRuntime" }
            } catch {
                FileHandle.standardError.write(Data("kf-local: trainingruntimes: skipping the embedded \(path): \(error)\n".utf8))
            }
        }
        return result
    }
}
