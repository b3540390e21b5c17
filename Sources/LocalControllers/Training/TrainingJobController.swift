import Cluster
import Foundation
import Resources
import Synchronization

/// The controller of one Training Operator v1 kind on kf-local, behaving as the operator's (v1.9,
/// pkg/controller.v1/common and the framework's controller):
/// - one Pod per replica, `<job>-<type>-<index>`, with the operator's labels, a controller reference, the replica
///   spec's restartPolicy (ExitCode becomes Never) and the framework's env contract; one headless Service per
///   replica (not for MPIJob). Each replica gets a local address (`LocalAddresses`) asked for with `kf.dev/pod-ip`
///   and used in the env where the operator writes Service names.
/// - a Failed Pod is recreated when its policy says so (OnFailure, Always, ExitCode with a code of 128 or more:
///   130, 137, 143...); every recreation and in-place restart counts against runPolicy.backoffLimit (unlike
///   upstream, also for ExitCode).
/// - status: conditions Created, Running, Restarting, Succeeded, Failed, Suspended with the operator's reasons and
///   messages, replicaStatuses (active = Running Pods, succeeded, failed = every failed Pod of the type, recreated
///   ones included, selector), startTime, completionTime, lastReconcileTime.
/// - runPolicy: activeDeadlineSeconds, backoffLimit, cleanPodPolicy (All, Running, None) when finished,
///   ttlSecondsAfterFinished, suspend (Pods and Services deleted, recreated on resume).
public struct TrainingJobController: Reconciler {
    public let kind: TrainingKind
    let client: ClusterClient
    let jobs: Informer
    let pods: Informer
    let services: Informer
    let addresses: LocalAddresses
    let counted: FailureLedger
    let stateDirectory: URL?
    let fieldManager: String
    let events: EventRecorder

    /// Controllers for the six kinds and Trainer's TrainJob, sharing one address table, and the installer of the
    /// ClusterTrainingRuntimes kf-local offers.
    public static var makers: [ControllerMaker] {
        let addresses = LocalAddresses()
        return TrainingKind.all.map { kind in { context in make(kind, addresses: addresses, context) } }
            + [{ context in TrainJobController.make(addresses: addresses, context) },
               TrainingRuntimeInstaller.maker(runtimes: TrainingRuntimeInstaller.embedded)]
    }

    public static func make(_ kind: TrainingKind, addresses: LocalAddresses, _ context: ControllerContext) -> Controller {
        let jobs = context.informers.optionalInformer(apiVersion: TrainingKind.apiVersion, kind: kind.kind)
        let reconciler = TrainingJobController(kind: kind, client: context.client, jobs: jobs, pods: context.informers.pods,
                                               services: context.informers.services, addresses: addresses,
                                               counted: FailureLedger(), stateDirectory: context.stateDirectory,
                                               fieldManager: context.fieldManager,
                                               events: context.events("training-operator"))
        let controller = Controller(name: kind.kind.lowercased(), reconciler: reconciler, workers: 1)
        jobs.addHandler { controller.enqueue($0.object) }
        context.informers.pods.addHandler { controller.enqueueController(of: $0.object, kind: kind.kind) }
        context.informers.services.addHandler { controller.enqueueController(of: $0.object, kind: kind.kind) }
        return controller
    }

    // MARK: Reconcile

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard jobs.hasSynced else { return .requeueAfter(.seconds(1)) }
        guard let job = jobs.get(key), job.uid != nil else {
            addresses.release(key)
            counted.forget(key)
            if let stateDirectory, kind.kind == "MPIJob" { MPIFiles(stateDirectory: stateDirectory, job: key).remove() }
            return .done
        }
        if job.isDeleting { return .done }
        let now = Date()
        var status = job["status"] ?? .mapping(Mapping())
        var conditions = JobConditions(status, kind: kind.kind)
        if conditions.find("Created") == nil {
            conditions.set("Created", true, reason: "Created", message: "\(kind.kind) \(key.name) is created.", now: now)
        }
        let replicas: [ReplicaSpec]
        do {
            replicas = try ReplicaSpec.read(job, kind: kind)
        } catch {
            conditions.set("Failed", true, reason: "FailedValidation", message: error.description, now: now)
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(job, status)
            return .done
        }
        let runPolicy = job[path: ["spec", "runPolicy"]] ?? .mapping(Mapping())
        let cleanPodPolicy = runPolicy.field("cleanPodPolicy") ?? job.field("spec", "cleanPodPolicy") ?? "None"
        let owned = pods.list(namespace: key.namespace).filter { OwnerReferences.isControlled($0, by: job) }
        let ownedServices = services.list(namespace: key.namespace).filter { OwnerReferences.isControlled($0, by: job) }

        if conditions.isFinished {
            return try await finish(job, status: status, conditions: conditions, replicas: replicas, pods: owned,
                                    services: ownedServices, cleanPodPolicy: cleanPodPolicy, now: now)
        }
        if runPolicy.flag("suspend") == true {
            try await deleteAll(owned.filter { !$0.isDeleting }, ownedServices)
            let message = "\(kind.kind) \(key.name) is suspended."
            if conditions.isTrue("Running") { conditions.set("Running", false, reason: "Suspended", message: message, now: now) }
            conditions.set("Suspended", true, reason: "Suspended", message: message, now: now)
            var replicaStatuses = status["replicaStatuses"]?.mapping ?? Mapping()
            for (type, value) in replicaStatuses.pairs { replicaStatuses[type] = value.setting(["active"], to: .int(0)) }
            status.assign(["replicaStatuses"], .mapping(replicaStatuses))
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(job, status)
            return .done
        }
        if conditions.isTrue("Suspended") {
            conditions.set("Suspended", false, reason: "Resumed", message: "\(kind.kind) \(key.name) is resumed.", now: now)
            status.assign(["startTime"], .string(Timestamp.string(now)))
        }
        if status["startTime"] == nil { status.assign(["startTime"], .string(Timestamp.string(now))) }

        let table = addresses.addresses(jobUID: job.uid ?? "", job: key, replicas: replicas.map { ($0.type, $0.replicas) },
                                        jobPods: owned, livePods: pods.list().filter { !Pods.isTerminal($0) && !$0.isDeleting })
        var mpiFiles: MPIFiles?
        if kind.kind == "MPIJob", let stateDirectory {
            let files = MPIFiles(stateDirectory: stateDirectory, job: key)
            let workers = (0..<(replicas.first { $0.type == "Worker" }?.replicas ?? 0)).map {
                table[LocalAddresses.replicaKey("Worker", $0)] ?? kind.replicaName(job: key.name, type: "Worker", index: $0)
            }
            try files.write(workers: workers, slots: job.integer("spec", "slotsPerWorker") ?? 1)
            mpiFiles = files
        }
        let environment = TrainingEnvironment(kind: kind, job: key, spec: job["spec"] ?? .mapping(Mapping()),
                                              replicas: replicas, addresses: table, mpiFiles: mpiFiles)

        // Read every replica's Pod.
        let launcherDone = kind.kind == "MPIJob" && owned.contains {
            $0.field("metadata", "labels", TrainingLabels.replicaType) == "launcher" && Pods.isTerminal($0)
        }
        var counts: [String: ReplicaCounts] = [:]
        var toCreate: [(ReplicaSpec, Int)] = []
        var toDelete: [Value] = []
        // Failed Pods counted in this reconcile: remembered as counted, and deleted to be made again, only once the
        // status that counts them is written. A write that loses to a newer job (the cache was behind) leaves
        // them to the next reconcile, which counts them then; remembering them first lost the failure (the
        // backoff limit never reached) and its Restarting condition.
        var newlyFailed: [Value] = []
        var waiting = false
        var lastFailure: String?
        var restartingTypes: [(String, Int)] = []
        var failedTypes: [(String, Int)] = []
        for replica in replicas {
            var count = ReplicaCounts(failed: status.integer("replicaStatuses", replica.type, "failed") ?? 0)
            var recreated = 0
            var nonRetryable = 0
            let ofType = owned.filter { $0.field("metadata", "labels", TrainingLabels.replicaType) == replica.type.lowercased() }
            for pod in ofType {
                let index = pod.field("metadata", "labels", TrainingLabels.replicaIndex).flatMap(Int.init) ?? -1
                if (index < 0 || index >= replica.replicas) && !pod.isDeleting { toDelete.append(pod) }
            }
            for index in 0..<replica.replicas {
                let candidates = ofType.filter { $0.field("metadata", "labels", TrainingLabels.replicaIndex) == String(index) }
                count.restarts += candidates.reduce(0) { $0 + Pods.restarts($1) }
                guard let pod = candidates.first(where: { !$0.isDeleting }) else {
                    if !candidates.isEmpty {
                        waiting = true
                    } else if !(launcherDone && replica.type == "Worker") {
                        toCreate.append((replica, index))
                    }
                    continue
                }
                switch Pods.phase(pod) {
                case "Succeeded":
                    count.succeeded += 1
                case "Failed":
                    if counted.isCounted(pod, job: key) {
                        toDelete.append(pod)  // counted before; its deletion may not have gone through
                        continue
                    }
                    let code = exitCode(pod)
                    let description = "\(replica.type.lowercased()) \(index) (Pod \(pod.field("metadata", "name") ?? "?")) failed"
                        + (code.map { " with exit code \($0)" } ?? "")
                    lastFailure = description
                    if TrainingJobController.isRetryable(policy: replica.restartPolicy, exitCode: code) {
                        recreated += 1
                        count.failed += 1
                        newlyFailed.append(pod)
                    } else {
                        nonRetryable += 1
                    }
                case "Running":
                    count.active += 1
                    if launcherDone && replica.type == "Worker" { toDelete.append(pod) }
                default:
                    if launcherDone && replica.type == "Worker" { toDelete.append(pod) }
                }
            }
            if recreated > 0 { restartingTypes.append((replica.type, recreated)) }
            if nonRetryable > 0 {
                failedTypes.append((replica.type, nonRetryable))
                count.failedNow = nonRetryable
            }
            counts[replica.type] = count
        }

        // Failure: a replica that may not restart, the backoff limit, the deadline.
        let backoffLimit = runPolicy.integer("backoffLimit")
        let failures = counts.values.reduce(0) { $0 + $1.failed + $1.restarts }
        var failure: String?
        if let (type, number) = failedTypes.first {
            failure = kind.kind == "TFJob"
                ? "TFJob \(key.namespace)/\(key.name) has failed because \(number) \(type) replica(s) failed."
                : "\(kind.kind) \(key.name) is failed because \(number) \(type) replica(s) failed."
        } else if let backoffLimit, failures > backoffLimit {
            failure = "Job \(key.name) has failed because it has reached the specified backoff limit"
                + (lastFailure.map { " (\(failures) failures; last: \($0))" } ?? "")
        } else if let deadline = runPolicy.integer("activeDeadlineSeconds"),
                  let start = Timestamp.date(status.field("startTime")),
                  now.timeIntervalSince(start) >= Double(deadline) {
            failure = "Job \(key.name) has failed because it was active longer than specified deadline"
        }

        if let failure {
            if status["completionTime"] == nil { status.assign(["completionTime"], .string(Timestamp.string(now))) }
            conditions.set("Failed", true, reason: "Failed", message: failure, now: now)
        } else {
            try await deletePods(toDelete)
            if !toCreate.isEmpty {
                for (replica, index) in toCreate {
                    try await createPod(job: job, key: key, replica: replica, index: index, replicas: replicas,
                                        environment: environment, address: table[LocalAddresses.replicaKey(replica.type, index)])
                }
            }
            if kind.makesServices {
                try await ensureServices(job: job, key: key, replicas: replicas, existing: ownedServices)
            }
            for (type, number) in restartingTypes {
                conditions.set("Restarting", true, reason: "Restarting",
                               message: "\(kind.kind) \(key.name) is restarting because \(number) \(type) replica(s) failed.", now: now)
            }
            // Restarting holds until every replica runs (or has finished) again.
            let allUp = toCreate.isEmpty && !waiting && replicas.allSatisfy { replica in
                let count = counts[replica.type] ?? ReplicaCounts(failed: 0)
                return count.active + count.succeeded >= replica.replicas
            }
            let recovering = !restartingTypes.isEmpty || (conditions.isTrue("Restarting") && !allUp)
            if let (message, succeeded) = progress(key: key, replicas: replicas, counts: counts, job: job) {
                if succeeded {
                    if status["completionTime"] == nil { status.assign(["completionTime"], .string(Timestamp.string(now))) }
                    conditions.set("Succeeded", true, reason: "Succeeded", message: message, now: now)
                } else if !recovering {
                    conditions.set("Running", true, reason: "Running", message: message, now: now)
                }
            }
        }

        var replicaStatuses = Mapping()
        for replica in replicas {
            let count = counts[replica.type] ?? ReplicaCounts(failed: 0)
            let selector = TrainingLabels.selector(kind, job: key.name, type: replica.type)
            replicaStatuses[replica.type] = .fields([
                ("active", .int(count.active)), ("succeeded", .int(count.succeeded)),
                ("failed", .int(count.failed + count.failedNow)),
                ("labelSelector", .fields([("matchLabels", .strings(selector))])),
                ("selector", .string(selector.map { "\($0.0)=\($0.1)" }.joined(separator: ","))),
            ])
        }
        status.assign(["replicaStatuses"], .mapping(replicaStatuses))
        status.assign(["conditions"], .sequence(conditions.items))
        try await write(job, status)
        for pod in newlyFailed { counted.count(pod, job: key) }
        if failure == nil { try await deletePods(newlyFailed) }

        if conditions.isFinished {
            return .requeueAfter(.milliseconds(10))
        }
        var requeue: Duration? = waiting ? .milliseconds(300) : nil
        if let deadline = runPolicy.integer("activeDeadlineSeconds"), let start = Timestamp.date(status.field("startTime")) {
            let remaining = start.addingTimeInterval(Double(deadline)).timeIntervalSince(now)
            let delay = Duration.milliseconds(max(Int(remaining * 1000), 0) + 20)
            requeue = min(requeue ?? delay, delay)
        }
        return requeue.map { .requeueAfter($0) } ?? .done
    }

    struct ReplicaCounts {
        var active = 0
        var succeeded = 0
        /// Failed Pods that were recreated (this and earlier reconciles).
        var failed: Int
        /// Failed Pods that stay failed (non-retryable).
        var failedNow = 0
        /// In-place restarts of the current Pods.
        var restarts = 0

        init(failed: Int) { self.failed = failed }
    }

    /// Whether the controller recreates a Pod that failed (the operator's ReconcilePods): OnFailure and Always,
    /// and ExitCode when the code says the failure was from outside (128 and above: killed by a signal, such as
    /// 130 SIGINT, 137 SIGKILL, 143 SIGTERM). A Pod whose code is unknown counts as a permanent failure.
    public static func isRetryable(policy: String, exitCode: Int?) -> Bool {
        switch policy {
        case "OnFailure", "Always": return true
        case "ExitCode": return (exitCode ?? 0) >= 128
        default: return false
        }
    }

    /// The exit code of the kind's container (else the first terminated one).
    func exitCode(_ pod: Value) -> Int? {
        let statuses = pod[path: ["status", "containerStatuses"]]?.sequence ?? []
        let main = statuses.first { $0.field("name") == kind.containerName } ?? statuses.first { $0[path: ["state", "terminated"]] != nil }
        return main?.integer("state", "terminated", "exitCode") ?? main?.integer("lastState", "terminated", "exitCode")
    }

    /// The Running or Succeeded message, by each controller's UpdateJobStatus: which replicas decide (the
    /// Master/Chief/Launcher when there is one, else the Workers) and the operator's wording.
    func progress(key: NamespacedName, replicas: [ReplicaSpec], counts: [String: ReplicaCounts],
                  job: Value) -> (String, Bool)? {
        func done(_ type: String) -> Bool {
            guard let replica = replicas.first(where: { $0.type == type }) else { return false }
            return (counts[type]?.succeeded ?? 0) >= replica.replicas
        }
        func running(_ type: String) -> Bool { (counts[type]?.active ?? 0) > 0 }
        let short = "\(kind.kind) \(key.name)"
        let long = "\(kind.kind) \(key.namespace)/\(key.name)"
        let types = Set(replicas.map(\.type))
        switch kind.kind {
        case "PyTorchJob", "PaddleJob":
            if types.contains("Master") {
                if done("Master") { return ("\(short) is successfully completed.", true) }
                if running("Master") { return ("\(short) is running.", false) }
            } else {
                let elasticDone = kind.kind == "PyTorchJob" && job["spec"]?["elasticPolicy"]?.mapping != nil
                    && (counts["Worker"]?.succeeded ?? 0) > 0
                if done("Worker") || elasticDone { return ("\(long) successfully completed.", true) }
                if running("Worker") { return ("\(long) is running.", false) }
            }
        case "TFJob":
            let leader = types.contains("Chief") ? "Chief" : types.contains("Master") ? "Master" : nil
            if let leader {
                if done(leader) { return ("\(long) successfully completed.", true) }
                if running(leader) { return ("\(long) is running.", false) }
            } else {
                let allWorkers = job.field("spec", "successPolicy") == "AllWorkers"
                let worker0 = owned(key: key, type: "Worker", index: 0).map { Pods.phase($0) == "Succeeded" } ?? false
                if done("Worker") || (worker0 && !allWorkers) { return ("\(long) successfully completed.", true) }
                if running("Worker") { return ("\(long) is running.", false) }
            }
        case "XGBoostJob":
            if done("Master") { return ("\(short) is successfully completed.", true) }
            if running("Master") { return ("\(short) is running.", false) }
        case "JAXJob":
            if done("Worker") { return ("\(long) successfully completed.", true) }
            if running("Worker") { return ("\(long) is running.", false) }
        default:
            if done("Launcher") { return ("\(short) is successfully completed.", true) }
            if running("Launcher") { return ("\(short) is running.", false) }
        }
        return nil
    }

    private func owned(key: NamespacedName, type: String, index: Int) -> Value? {
        pods.get(NamespacedName(namespace: key.namespace, name: kind.replicaName(job: key.name, type: type, index: index)))
    }

    // MARK: Finished jobs

    /// A finished job: Pods cleaned up by cleanPodPolicy (MPIJob's Workers always go once the launcher is done),
    /// active counted as succeeded on success, and the job deleted ttlSecondsAfterFinished after completion.
    private func finish(_ job: Value, status: Value, conditions: JobConditions, replicas: [ReplicaSpec], pods owned: [Value],
                        services ownedServices: [Value], cleanPodPolicy: String, now: Date) async throws -> ReconcileResult {
        var status = status
        let live = owned.filter { !$0.isDeleting }
        var victims: [Value]
        switch cleanPodPolicy {
        case "All": victims = live
        case "Running": victims = live.filter { !Pods.isTerminal($0) }
        default: victims = []
        }
        // kf-local does better than the operator here: a job that failed (deadline, backoff) or an MPIJob whose
        // launcher is done stops its still running processes even with cleanPodPolicy None.
        if conditions.isTrue("Failed") || kind.kind == "MPIJob" {
            let running = live.filter { !Pods.isTerminal($0) }
            victims += running.filter { pod in !victims.contains { $0.uid == pod.uid } }
        }
        try await deletePods(victims)
        if cleanPodPolicy != "None" {
            for service in ownedServices where !service.isDeleting { try await client.deleteObject(service) }
        }
        if conditions.isTrue("Succeeded"), var replicaStatuses = status["replicaStatuses"]?.mapping {
            for (type, value) in replicaStatuses.pairs {
                let active = value.integer("active") ?? 0
                guard active > 0 else { continue }
                replicaStatuses[type] = value.setting(["active"], to: .int(0))
                    .setting(["succeeded"], to: .int((value.integer("succeeded") ?? 0) + active))
            }
            status.assign(["replicaStatuses"], .mapping(replicaStatuses))
        }
        status.assign(["conditions"], .sequence(conditions.items))
        try await write(job, status)
        let runPolicy = job[path: ["spec", "runPolicy"]]
        guard let ttl = runPolicy?.integer("ttlSecondsAfterFinished"), runPolicy?.flag("suspend") != true else { return .done }
        let finished = Timestamp.date(status.field("completionTime")) ?? now
        let remaining = finished.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
        if remaining > 0 { return .requeueAfter(.milliseconds(Int(remaining * 1000) + 20)) }
        try await client.deleteObject(job, propagation: .background)
        return .done
    }

    // MARK: Writes

    private func write(_ job: Value, _ status: Value) async throws {
        guard status != job["status"] else { return }
        // lastReconcileTime moves only with a real change, so writing it never feeds another reconcile.
        let stamped = status.setting(["lastReconcileTime"], to: .string(Timestamp.string()))
        // The status was computed from the cached job: when the server's has moved on (the cache is behind our own
        // last write), computing again from a fresh cache is right, overwriting is not.
        let version = job.field("metadata", "resourceVersion")
        try await client.updateStatus(job, fieldManager: fieldManager) { current throws(ControllerError) in
            guard current.field("metadata", "resourceVersion") == version else {
                throw .conflict(object: "\(kind.kind) \(NamespacedName(of: job)?.description ?? "?")", attempts: 1)
            }
            return current.setting(["status"], to: stamped)
        }
        // The operator's Events for the job's life (Created, Succeeded, Failed, Restarting), with the conditions'
        // reasons (`PyTorchJobSucceeded`) and messages; Restarting is a Warning, the rest Normal, as upstream.
        let before = job[path: ["status", "conditions"]]?.sequence ?? []
        for condition in status["conditions"]?.sequence ?? [] where condition.field("status") == "True" {
            guard let type = condition.field("type"), ["Created", "Succeeded", "Failed", "Restarting"].contains(type) else { continue }
            let reason = condition.field("reason") ?? type
            let seen = before.contains { $0.field("type") == type && $0.field("status") == "True" && $0.field("reason") == reason }
            if !seen {
                events.post(job, type: type == "Restarting" ? "Warning" : "Normal", reason: reason, message: condition.field("message") ?? "")
            }
        }
    }

    private func deletePods(_ victims: [Value]) async throws {
        for pod in victims {
            try await client.deleteObject(pod)
            if let owner = OwnerReferences.controllerKey(pod, kind: kind.kind), let job = jobs.get(owner) {
                events.post(job, reason: "SuccessfulDeletePod", message: "Deleted pod: \(pod.field("metadata", "name") ?? "")")
            }
        }
    }

    private func deleteAll(_ pods: [Value], _ services: [Value]) async throws {
        try await deletePods(pods)
        for service in services where !service.isDeleting { try await client.deleteObject(service) }
    }

    /// The replica's labels: the job's, type, index, and job-role=master where the operator puts it.
    private func labels(_ key: NamespacedName, _ replicas: [ReplicaSpec], type: String, index: Int) -> [(String, String)] {
        var labels = TrainingLabels.job(kind, key.name)
        labels += [(TrainingLabels.replicaType, type.lowercased()), (TrainingLabels.replicaIndex, String(index))]
        if kind.isMasterRole(replicas, type: type, index: index) { labels.append((TrainingLabels.jobRole, "master")) }
        return labels
    }

    private func createPod(job: Value, key: NamespacedName, replica: ReplicaSpec, index: Int, replicas: [ReplicaSpec],
                           environment: TrainingEnvironment, address: String?) async throws {
        let name = kind.replicaName(job: key.name, type: replica.type, index: index)
        var pod = Pods.fromTemplate(replica.template, owner: job, generateName: "",
                                    extraLabels: labels(key, replicas, type: replica.type, index: index),
                                    extraAnnotations: address.map { [(LocalAddresses.annotation, $0)] } ?? [])
        pod.assign(["metadata", "generateName"], nil)
        pod.assign(["metadata", "name"], .string(name))
        pod.assign(["spec", "restartPolicy"], .string(replica.podRestartPolicy))
        if kind.kind == "MPIJob" && replica.type == "Worker" {
            // The operator's Workers wait (`sleep 365d`) unless given a command; mpirun reaches them.
            pod = TrainingJobController.defaultWorkerCommand(pod, container: kind.containerName)
        }
        pod = environment.applying(environment.variables(type: replica.type, index: index), to: pod)
        do {
            _ = try await client.create(pod, fieldManager: fieldManager)
            events.post(job, reason: "SuccessfulCreatePod", message: "Created pod: \(name)")
        } catch {
            if error.status?.code == 409 { return }  // made already; the cache is behind
            throw ControllerError.api(operation: "creating", object: "Pod \(key.namespace)/\(name)", underlying: error)
        }
    }

    static func defaultWorkerCommand(_ pod: Value, container name: String) -> Value {
        guard let containers = pod[path: ["spec", "containers"]]?.sequence else { return pod }
        let index = containers.firstIndex { $0.field("name") == name } ?? 0
        guard containers.indices.contains(index), containers[index]["command"]?.sequence?.isEmpty ?? true else { return pod }
        var updated = containers
        updated[index] = containers[index].setting(["command"], to: .sequence([.string("sleep")]))
            .setting(["args"], to: .sequence([.string("365d")]))
        return pod.setting(["spec", "containers"], to: .sequence(updated))
    }

    /// One headless Service per replica, named as its Pod, selecting it by the job, type and index labels, with
    /// the ports of the kind's container (the kind's port when it has none).
    private func ensureServices(job: Value, key: NamespacedName, replicas: [ReplicaSpec], existing: [Value]) async throws {
        let names = Set(existing.compactMap { $0.field("metadata", "name") })
        for replica in replicas {
            for index in 0..<replica.replicas {
                let name = kind.replicaName(job: key.name, type: replica.type, index: index)
                if names.contains(name) { continue }
                var selector = TrainingLabels.job(kind, key.name)
                selector += [(TrainingLabels.replicaType, replica.type.lowercased()), (TrainingLabels.replicaIndex, String(index))]
                let containers = replica.template[path: ["spec", "containers"]]?.sequence ?? []
                let container = containers.first { $0.field("name") == kind.containerName } ?? containers.first
                var ports: [Value] = (container?["ports"]?.sequence ?? []).compactMap { port in
                    guard let number = port.integer("containerPort") else { return nil }
                    return .fields([("name", port["name"]), ("port", .int(number)), ("targetPort", .int(number)),
                                    ("protocol", .string(port.field("protocol") ?? "TCP"))])
                }
                if ports.isEmpty {
                    ports = [.fields([("name", .string(kind.portName)), ("port", .int(kind.defaultPort)),
                                      ("targetPort", .int(kind.defaultPort)), ("protocol", .string("TCP"))])]
                }
                let service = Value.fields([
                    ("apiVersion", .string("v1")), ("kind", .string("Service")),
                    ("metadata", .fields([
                        ("name", .string(name)), ("namespace", .string(key.namespace)),
                        ("labels", .strings(selector)),
                        ("ownerReferences", .sequence([OwnerReferences.controller(job)])),
                    ])),
                    ("spec", .fields([
                        ("clusterIP", .string("None")), ("selector", .strings(selector)), ("ports", .sequence(ports)),
                    ])),
                ])
                do {
                    _ = try await client.create(service, fieldManager: fieldManager)
                    events.post(job, reason: "SuccessfulCreateService", message: "Created service: \(name)")
                } catch {
                    if error.status?.code == 409 { continue }
                    throw ControllerError.api(operation: "creating", object: "Service \(key.namespace)/\(name)", underlying: error)
                }
            }
        }
    }
}

/// The failed Pods already counted against a job's backoff limit (by uid), so a Pod seen again before its
/// deletion reaches the cache is not counted twice.
final class FailureLedger: Sendable {
    private let counted = Mutex<[NamespacedName: Set<String>]>([:])

    func isCounted(_ pod: Value, job: NamespacedName) -> Bool {
        guard let uid = pod.uid else { return false }
        return counted.withLock { $0[job]?.contains(uid) ?? false }
    }

    func count(_ pod: Value, job: NamespacedName) {
        guard let uid = pod.uid else { return }
        counted.withLock { _ = $0[job, default: []].insert(uid) }
    }

    func forget(_ job: NamespacedName) {
        counted.withLock { _ = $0.removeValue(forKey: job) }
    }
}
