import Cluster
import Foundation
import LocalCluster
import Project
import Resources
import Synchronization

/// What every Pod's runner shares: the API client, the event recorder, the process registry and the settings.
final class RuntimeContext: Sendable {
    let client: ClusterClient
    let events: EventRecorder
    let registry: ProcessRegistry
    let kfDirectory: URL
    let projectRoot: URL
    let kubeconfigPath: String
    let options: NodeAgent.Options
    let capacity: NodeCapacity
    /// A folder holding only `kf` (kf-local's own executable), put on every container's PATH.
    let toolsFolder: String?

    init(client: ClusterClient, events: EventRecorder, registry: ProcessRegistry, kfDirectory: URL, projectRoot: URL,
         kubeconfigPath: String, options: NodeAgent.Options, capacity: NodeCapacity, toolsFolder: String? = nil) {
        self.client = client
        self.events = events
        self.registry = registry
        self.kfDirectory = kfDirectory
        self.projectRoot = projectRoot
        self.kubeconfigPath = kubeconfigPath
        self.options = options
        self.capacity = capacity
        self.toolsFolder = toolsFolder
    }

    var nodeName: String { options.nodeName }

    /// The image mappings: the agent's own when given, else kf.yaml's `local.images` read now (edits apply to the
    /// next container start).
    func imageMappings() -> [ImageMapping] {
        if let images = options.images { return images }
        let file = projectRoot.appendingPathComponent(ProjectFile.fileName).path
        let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? nil
        return mappingCache.withLock { cache in
            if let cached = cache, cached.modified == modified { return cached.images }
            let images = (try? ProjectFile.load(path: file))?.localImages ?? []
            cache = (modified, images)
            return images
        }
    }

    private let mappingCache = Mutex<(modified: Date?, images: [ImageMapping])?>(nil)
}

/// Runs one Pod bound to this node: its volumes, init containers in order, then its containers with their
/// restart policy, probes and deadline, and reports everything in the Pod's status.
actor PodRunner {
    let context: RuntimeContext
    private(set) var pod: Value
    let uid: String
    let namespace: String
    let name: String
    let podIP: String
    let folder: URL
    private var initRecords: [ContainerRecord] = []
    private var records: [ContainerRecord] = []
    private var phase = "Pending"
    private var podReason: String?
    private var podMessage: String?
    private var startTime: String
    private var initialized = false
    private var conditionTimes: [String: (Bool, String)] = [:]
    private var mainTask: Task<Void, Never>?
    private var stopping = false
    private var publisher: Task<Void, Never>?
    /// Waits out a deferred status write.
    private var waker: Task<Void, Never>?
    private var dirty = false
    /// What waits for the next status write (the Events of a container's start), sent once it is done.
    private var afterStatus: [@Sendable () async -> Void] = []
    private var volumes = PodVolumes()
    private var pumps: [String: LogPump] = [:]
    /// Called once when the Pod reached Succeeded or Failed.
    private let onFinished: @Sendable (String) -> Void

    init(pod: Value, podIP: String, context: RuntimeContext, onFinished: @escaping @Sendable (String) -> Void) {
        self.pod = pod
        self.context = context
        self.podIP = podIP
        self.onFinished = onFinished
        uid = pod[path: ["metadata", "uid"]]?.text ?? ""
        namespace = pod[path: ["metadata", "namespace"]]?.text ?? "default"
        name = pod[path: ["metadata", "name"]]?.text ?? ""
        folder = PodLogFiles.podDirectory(context.kfDirectory, namespace: namespace, name: name, uid: uid)
        startTime = pod[path: ["status", "startTime"]]?.text ?? Self.now()
        let hasInit = !(pod[path: ["spec", "initContainers"]]?.sequence ?? []).isEmpty
        initRecords = (pod[path: ["spec", "initContainers"]]?.sequence ?? []).map {
            ContainerRecord(name: $0["name"]?.text ?? "", image: $0["image"]?.text ?? "", initialWaiting: "PodInitializing")
        }
        records = (pod[path: ["spec", "containers"]]?.sequence ?? []).map {
            ContainerRecord(name: $0["name"]?.text ?? "", image: $0["image"]?.text ?? "",
                            initialWaiting: hasInit ? "PodInitializing" : "ContainerCreating")
        }
    }

    static func now() -> String { String(PodLogFiles.timestamp().prefix(19)) + "Z" }

    var restartPolicy: String { pod[path: ["spec", "restartPolicy"]]?.text ?? "Always" }
    var label: String { "\(namespace)/\(name)" }

    func start() {
        mainTask = Task { await self.runPod() }
    }

    func update(_ newPod: Value) {
        // Only metadata (labels, annotations) may change on a running Pod; the downward API reads the latest.
        pod = newPod
    }

    // MARK: The Pod's life

    private func runPod() async {
        LocalTrace.mark("node.runPod", label)
        // The first status is written by the first change (ErrImageNeverPull, Running...), not before: one write
        // less per Pod.
        if recoverFromEarlierRun() { return }
        do {
            try PodVolumes.makeFolder(PodLogFiles.logsDirectory(folder))
        } catch {
            FileHandle.standardError.write(Data("kf-local: node: \(label): \(error)\n".utf8))
        }
        // Images first: an unmapped image keeps the whole Pod waiting (nothing of it runs).
        while !Task.isCancelled {
            let unmapped = allContainers().compactMap { container -> String? in
                let image = container["image"]?.text ?? ""
                return ImageMapping.lookup(image, in: context.imageMappings()) == nil ? image : nil
            }
            if unmapped.isEmpty { break }
            let message = unmapped.map {
                "image \"\($0)\" is not mapped to a local environment: add an entry matching it under local.images in kf.yaml (docs/kf-local.md, Runtime); kf-local never pulls images"
            }
            var changed = false
            for index in initRecords.indices { changed = setNeverPull(&initRecords[index], unmapped) || changed }
            for index in records.indices { changed = setNeverPull(&records[index], unmapped) || changed }
            if changed {
                publish()
                await context.events.record(pod, type: "Warning", reason: "ErrImageNeverPull", message: message[0])
            }
            try? await Task.sleep(for: .seconds(2))
        }
        // Volumes (retried: a missing ConfigMap may be created later).
        while !Task.isCancelled {
            do {
                volumes = try await PodVolumes.prepare(pod, podFolder: folder, kfDirectory: context.kfDirectory,
                                                       lookup: ObjectLookup(client: context.client))
                break
            } catch {
                await failSetup("\(error)", reason: "CreateContainerConfigError", event: "FailedMount")
                try? await Task.sleep(for: .seconds(2))
            }
        }
        if Task.isCancelled { return }
        let deadline = startDeadlineWatch()
        defer { deadline?.cancel() }
        let refresher = startVolumeRefresh()
        defer { refresher?.cancel() }

        // Init containers, one after the other, each to success.
        let initContainers = pod[path: ["spec", "initContainers"]]?.sequence ?? []
        for (index, container) in initContainers.enumerated() {
            if initRecords[index].termination?.exitCode == 0 { continue }
            while !Task.isCancelled && !stopping {
                let termination = await runContainer(container, index: index, isInit: true)
                if termination?.exitCode == 0 { break }
                if restartPolicy == "Never" || stopping || Task.isCancelled {
                    if !stopping { finish("Failed") }
                    return
                }
                if !(await backOff(index: index, isInit: true)) { return }
            }
            if stopping || Task.isCancelled { return }
        }
        initialized = true
        for index in records.indices where !records[index].isRunning {
            if case .waiting(reason: "PodInitializing", _) = records[index].state {
                records[index].state = .waiting(reason: "ContainerCreating", message: nil)
            }
        }
        publish(deferred: true)

        // The containers, side by side, each with its restart policy.
        let containers = pod[path: ["spec", "containers"]]?.sequence ?? []
        await withTaskGroup(of: Void.self) { group in
            for (index, container) in containers.enumerated() {
                group.addTask { await self.keepRunning(container, index: index) }
            }
        }
        if stopping { return }
        let allSucceeded = records.allSatisfy { $0.termination?.exitCode == 0 }
        finish(phase == "Failed" ? "Failed" : (allSucceeded ? "Succeeded" : "Failed"))
    }

    private func allContainers() -> [Value] {
        (pod[path: ["spec", "initContainers"]]?.sequence ?? []) + (pod[path: ["spec", "containers"]]?.sequence ?? [])
    }

    private func setNeverPull(_ record: inout ContainerRecord, _ unmapped: [String]) -> Bool {
        guard unmapped.contains(record.image) else { return false }
        let message = "image \"\(record.image)\" is not mapped to a local environment: add an entry matching it under local.images in kf.yaml (docs/kf-local.md, Runtime); kf-local never pulls images"
        if case let .waiting(reason, old) = record.state, reason == "ErrImageNeverPull", old == message { return false }
        record.state = .waiting(reason: "ErrImageNeverPull", message: message)
        return true
    }

    private func failSetup(_ message: String, reason: String, event: String) async {
        var changed = false
        for index in records.indices where !records[index].isRunning {
            if case let .waiting(old, oldMessage) = records[index].state, old == reason, oldMessage == message { continue }
            records[index].state = .waiting(reason: reason, message: message)
            changed = true
        }
        if changed {
            publish()
            await context.events.record(pod, type: "Warning", reason: event, message: message)
        }
    }

    /// Whether the container restarts after this termination, by the Pod's restart policy.
    private func restarts(_ termination: ContainerRecord.Termination?) -> Bool {
        guard let termination else { return false }
        switch restartPolicy {
        case "Never": return false
        case "OnFailure": return termination.exitCode != 0
        default: return true
        }
    }

    private func keepRunning(_ container: Value, index: Int) async {
        if records[index].termination != nil && !restarts(records[index].termination) { return }
        while !Task.isCancelled && !stopping && phase != "Failed" {
            let termination = await runContainer(container, index: index, isInit: false)
            if stopping || Task.isCancelled || phase == "Failed" { return }
            guard restarts(termination) else { return }
            if !(await backOff(index: index, isInit: false)) { return }
        }
    }

    /// Waits out the CrashLoopBackOff delay before a restart; false when the Pod stops meanwhile.
    private func backOff(index: Int, isInit: Bool) async -> Bool {
        var record = isInit ? initRecords[index] : records[index]
        let ranFor = record.termination.flatMap { t -> Double? in
            guard let start = t.startedAt, let a = PodLogFiles.parseSeconds(start), let b = PodLogFiles.parseSeconds(t.finishedAt) else { return nil }
            return b - a
        } ?? 0
        let exponent = ranFor > 600 ? 0 : min(record.restartCount, 20)
        let base = context.options.backoffBase
        let delay = min(base * pow(2, Double(exponent)), context.options.backoffMax)
        let seconds = delay.rounded() == delay ? "\(Int(delay))s" : String(format: "%.1fs", delay)
        let message = "back-off \(seconds) restarting failed container=\(record.name) pod=\(name)_\(namespace)(\(uid))"
        record.lastTermination = record.termination
        record.state = .waiting(reason: "CrashLoopBackOff", message: message)
        record.ready = false
        record.restartCount += 1
        if isInit { initRecords[index] = record } else { records[index] = record }
        publish()
        await context.events.record(pod, type: "Warning", reason: "BackOff",
                                    message: "Back-off restarting failed container \(record.name) in pod \(name)_\(namespace)(\(uid))",
                                    fieldPath: "spec.\(isInit ? "initContainers" : "containers"){\(record.name)}")
        do { try await Task.sleep(for: .seconds(delay)) } catch { return false }
        return !stopping
    }

    /// Runs the container once, to its end; nil when it could not start (the record says why).
    private func runContainer(_ container: Value, index: Int, isInit: Bool) async -> ContainerRecord.Termination? {
        let containerName = container["name"]?.text ?? ""
        let fieldPath = "spec.\(isInit ? "initContainers" : "containers"){\(containerName)}"
        let image = container["image"]?.text ?? ""
        guard let mapping = ImageMapping.lookup(image, in: context.imageMappings()) else {
            update(index, isInit) { $0.state = .waiting(reason: "ErrImageNeverPull", message: "image \"\(image)\" is not mapped in kf.yaml local.images") }
            return nil
        }
        let plan: ContainerPlan
        do {
            let translation = try PathTranslation(container: container, volumes: volumes)
            plan = try await ContainerPlan.make(container: container, pod: pod, image: mapping, projectRoot: context.projectRoot,
                                                kubeconfig: context.kubeconfigPath, toolsFolder: context.toolsFolder,
                                                podIP: podIP, translation: translation,
                                                lookup: ObjectLookup(client: context.client), node: context.capacity)
        } catch {
            let reason: String
            if case .commandNotFound = error { reason = "StartError" } else { reason = "CreateContainerConfigError" }
            if reason == "StartError" { return await startFailed(index, isInit, error, fieldPath: fieldPath) }
            update(index, isInit) { $0.state = .waiting(reason: reason, message: "\(error)") }
            publish()
            await context.events.record(pod, type: "Warning", reason: "Failed", message: "Error: \(error)", fieldPath: fieldPath)
            try? await Task.sleep(for: .seconds(2))
            return ContainerRecord.Termination(exitCode: 1, signal: nil, reason: reason, message: "\(error)", startedAt: nil,
                                               finishedAt: Self.now(), containerID: nil)
        }
        if stopping || Task.isCancelled { return nil }

        // Logs: the run before this one becomes the previous log.
        let current = PodLogFiles.current(folder, container: containerName)
        let record = isInit ? initRecords[index] : records[index]
        if record.termination != nil || record.lastTermination != nil || record.restartCount > 0,
           FileManager.default.fileExists(atPath: current.path) {
            let previous = PodLogFiles.previous(folder, container: containerName)
            try? FileManager.default.removeItem(at: previous)
            try? FileManager.default.moveItem(at: current, to: previous)
            try? FileManager.default.removeItem(at: PodLogFiles.rotated(folder, container: containerName))
        }
        let pump: LogPump
        let started: Spawner.Started
        do {
            try PodVolumes.makeFolder(PodLogFiles.logsDirectory(folder))
            pump = try LogPump(file: current, rotated: PodLogFiles.rotated(folder, container: containerName))
            // Spawned and recorded under the registry's lock: a stop of the agent or of this Pod that has closed
            // the registry refuses the start, one that closes it after finds the process there and kills it.
            LocalTrace.mark("node.spawning", "\(namespace)/\(name)")
            let spawned = try context.registry.spawn(uid: uid, pod: "\(namespace)/\(name)", container: containerName) { () throws(RuntimeError) in
                try Spawner.spawn(executable: plan.executable, arguments: plan.arguments,
                                  environment: plan.environment, directory: plan.directory)
            }
            guard let spawned else {
                pump.stop()
                stopping = true
                return nil
            }
            started = spawned
        } catch {
            return await startFailed(index, isInit, error, fieldPath: fieldPath)
        }
        LocalTrace.mark("node.spawned", label)
        pump.start(stdout: started.stdout, stderr: started.stderr)
        pumps[containerName] = pump
        let startedAt = Self.now()
        let containerID = "kf-local://\(started.pid)"
        update(index, isInit) {
            $0.state = .running(startedAt: startedAt)
            $0.pid = started.pid
            $0.containerID = containerID
            $0.started = true
            $0.ports = plan.ports
            $0.killReason = nil
            $0.ready = !isInit && container["readinessProbe"] == nil
        }
        if phase == "Pending" && !isInit { phase = "Running" }
        publish(deferred: true)
        // The start's Events follow the status write that reports it (or the container's end), after a pause: on
        // the way from a short container's end to its status they would only delay that write.
        let events = context.events, podNow = pod
        afterStatus.append {
            await events.record(podNow, reason: "Created", message: "Created container: \(containerName)", fieldPath: fieldPath)
            await events.record(podNow, reason: "Started", message: "Started container \(containerName)", fieldPath: fieldPath)
        }
        let probes = isInit ? nil : startProbes(container, index: index, plan: plan)

        let exit = await Spawner.wait(started.pid)
        LocalTrace.mark("node.exited", label)
        probes?.cancel()
        // What the main process left behind goes with it, as a container's cgroup does.
        await pump.finish(timeout: 0.3)
        Spawner.signalGroup(started.pid, SIGKILL)
        pump.stop()
        pumps[containerName] = nil
        // The record of a process that has ended is dropped off the way to the status write (a file write).
        let registry = context.registry, pid = started.pid
        Task.detached { registry.remove(pid: pid) }

        let killReason = (isInit ? initRecords[index] : records[index]).killReason
        var reason = exit.code == 0 ? "Completed" : "Error"
        if let killReason, exit.code != 0 { reason = killReason }
        var signal: Int32?
        if case let .signalled(number) = exit { signal = number }
        let termination = ContainerRecord.Termination(exitCode: exit.code, signal: signal, reason: reason, message: nil,
                                                      startedAt: startedAt, finishedAt: Self.now(), containerID: containerID)
        update(index, isInit) {
            $0.state = .terminated(termination)
            $0.pid = nil
            $0.ready = false
        }
        // The last container ending for good ends the Pod in the same status write.
        if !isInit && !stopping && phase != "Failed" && records.allSatisfy({ $0.termination != nil && !restarts($0.termination) }) {
            phase = records.allSatisfy { $0.termination?.exitCode == 0 } ? "Succeeded" : "Failed"
        }
        if !stopping { publish() }
        return termination
    }

    /// The container could not start (exit code 128, reason StartError, as a runtime reports it).
    private func startFailed(_ index: Int, _ isInit: Bool, _ error: RuntimeError, fieldPath: String) async -> ContainerRecord.Termination {
        let now = Self.now()
        let termination = ContainerRecord.Termination(exitCode: 128, signal: nil, reason: "StartError", message: "\(error)",
                                                      startedAt: now, finishedAt: now, containerID: nil)
        update(index, isInit) { $0.state = .terminated(termination) }
        publish()
        await context.events.record(pod, type: "Warning", reason: "Failed", message: "Error: \(error)", fieldPath: fieldPath)
        return termination
    }

    private func update(_ index: Int, _ isInit: Bool, _ change: (inout ContainerRecord) -> Void) {
        if isInit { change(&initRecords[index]) } else { change(&records[index]) }
    }

    private func finish(_ result: String) {
        if phase != result {
            phase = result
            publish()
        }
        onFinished(uid)
    }

    // MARK: Probes, deadline, volume refresh

    private func startProbes(_ container: Value, index: Int, plan: ContainerPlan) -> Task<Void, Never>? {
        let readiness = container["readinessProbe"]
        let liveness = container["livenessProbe"]
        let startup = container["startupProbe"]
        guard readiness != nil || liveness != nil || startup != nil else { return nil }
        let prober = Prober(podIP: podIP, plan: plan, containerPorts: container["ports"]?.sequence ?? [],
                            registry: context.registry, uid: uid, pod: "\(namespace)/\(name)",
                            container: container["name"]?.text ?? "")
        return Task {
            if let startup {
                let passed = await prober.loop(startup, stopOnSuccess: true) { _, _ in }
                if !passed { await self.probeKill(index, reason: "Startup", message: "Startup probe failed"); return }
            }
            await withTaskGroup(of: Void.self) { group in
                if let readiness {
                    group.addTask {
                        _ = await prober.loop(readiness, stopOnSuccess: false) { ok, _ in await self.setReady(index, ok) }
                    }
                }
                if let liveness {
                    group.addTask {
                        let passed = await prober.loop(liveness, stopOnSuccess: false, stopOnFailure: true) { _, _ in }
                        if !passed, !Task.isCancelled {
                            await self.probeKill(index, reason: "Liveness", message: "Liveness probe failed")
                        }
                    }
                }
            }
        }
    }

    private func setReady(_ index: Int, _ ready: Bool) {
        guard index < records.count, records[index].isRunning, records[index].ready != ready else { return }
        records[index].ready = ready
        publish()
        if !ready {
            let containerName = records[index].name
            Task { await context.events.record(pod, type: "Warning", reason: "Unhealthy", message: "Readiness probe failed",
                                               fieldPath: "spec.containers{\(containerName)}") }
        }
    }

    private func probeKill(_ index: Int, reason: String, message: String) async {
        guard index < records.count, let pid = records[index].pid else { return }
        let containerName = records[index].name
        records[index].killReason = "Error"
        await context.events.record(pod, type: "Warning", reason: "Unhealthy", message: message, fieldPath: "spec.containers{\(containerName)}")
        await context.events.record(pod, reason: "Killing",
                                    message: "Container \(containerName) failed \(reason.lowercased()) probe, will be restarted",
                                    fieldPath: "spec.containers{\(containerName)}")
        await terminateGroup(pid, grace: gracePeriod)
    }

    var gracePeriod: Double {
        Double(pod[path: ["spec", "terminationGracePeriodSeconds"]]?.text ?? "") ?? 30
    }

    private func startDeadlineWatch() -> Task<Void, Never>? {
        guard let seconds = pod[path: ["spec", "activeDeadlineSeconds"]]?.text.flatMap({ Double($0) }) else { return nil }
        let started = PodLogFiles.parseSeconds(startTime) ?? Date().timeIntervalSince1970
        let remaining = max(0, started + seconds - Date().timeIntervalSince1970)
        return Task {
            do { try await Task.sleep(for: .seconds(remaining)) } catch { return }
            await self.deadlineExceeded()
        }
    }

    private func deadlineExceeded() async {
        guard phase != "Succeeded" && phase != "Failed" && !stopping else { return }
        podReason = "DeadlineExceeded"
        podMessage = "Pod was active on the node longer than the specified deadline"
        phase = "Failed"
        await context.events.record(pod, type: "Warning", reason: "DeadlineExceeded", message: podMessage ?? "")
        await killAll(reason: "DeadlineExceeded", grace: gracePeriod)
        finish("Failed")
    }

    private func startVolumeRefresh() -> Task<Void, Never>? {
        let sourced = (pod[path: ["spec", "volumes"]]?.sequence ?? []).contains {
            $0["configMap"] != nil || $0["secret"] != nil || $0["downwardAPI"] != nil || $0["projected"] != nil
        }
        guard sourced else { return nil }
        return Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(self.context.options.volumeRefreshSeconds)) } catch { return }
                await self.refreshVolumes()
            }
        }
    }

    private func refreshVolumes() async {
        guard !stopping else { return }
        _ = try? await PodVolumes.prepare(pod, podFolder: folder, kfDirectory: context.kfDirectory,
                                          lookup: ObjectLookup(client: context.client))
    }

    // MARK: Stopping

    /// Stops every container: SIGTERM to each process group, SIGKILL after `grace` seconds. With `deleted` the
    /// Pod is gone: Killing events are recorded and its folder removed; else (kf-local stopping) its status is
    /// left as it was, for the next start to recover.
    func stop(grace: Double, deleted: Bool) async {
        guard !stopping else { await mainTask?.value; return }
        stopping = true
        mainTask?.cancel()
        if deleted {
            for record in (initRecords + records) where record.pid != nil {
                await context.events.record(pod, reason: "Killing", message: "Stopping container \(record.name)",
                                            fieldPath: "spec.containers{\(record.name)}")
            }
        }
        await killAll(reason: nil, grace: grace)
        await mainTask?.value
        publisher?.cancel()
        waker?.cancel()
        sendAfterStatus()
        if deleted { try? FileManager.default.removeItem(at: folder) }
    }

    private func killAll(reason: String?, grace: Double) async {
        var pids: [Int32] = []
        for index in initRecords.indices { if let pid = initRecords[index].pid { pids.append(pid); if let reason { initRecords[index].killReason = reason } } }
        for index in records.indices { if let pid = records[index].pid { pids.append(pid); if let reason { records[index].killReason = reason } } }
        await withTaskGroup(of: Void.self) { group in
            for pid in pids { group.addTask { await self.terminateGroup(pid, grace: grace) } }
        }
    }

    /// SIGTERM to the group, then SIGKILL once `grace` seconds pass while any of it lives. The wait runs detached:
    /// a stop called from a cancelled task (kf-local stopping) still waits out the grace instead of spinning.
    nonisolated func terminateGroup(_ pgid: Int32, grace: Double) async {
        guard Spawner.signalGroup(pgid, SIGTERM) else { return }
        await Task.detached {
            let deadline = Date().addingTimeInterval(grace)
            while Date() < deadline {
                if !Spawner.groupAlive(pgid) { return }
                try? await Task.sleep(for: .milliseconds(20))
            }
            Spawner.signalGroup(pgid, SIGKILL)
        }.value
    }

    // MARK: Recovery after kf-local restarts

    /// A Pod whose containers an earlier run of the agent started: its processes are gone (killed when kf-local
    /// stopped). Never: the Pod fails; otherwise its containers start again, counting a restart. True when done.
    private func recoverFromEarlierRun() -> Bool {
        let initStatuses = pod[path: ["status", "initContainerStatuses"]]?.sequence ?? []
        let statuses = pod[path: ["status", "containerStatuses"]]?.sequence ?? []
        func find(_ list: [Value], _ name: String) -> Value? { list.first { $0["name"]?.text == name } }
        var anyStarted = false
        for index in initRecords.indices {
            let previous = ContainerRecord.previous(find(initStatuses, initRecords[index].name))
            initRecords[index].restartCount = previous.restartCount
            if previous.succeeded {
                let now = Self.now()
                initRecords[index].state = .terminated(.init(exitCode: 0, signal: nil, reason: "Completed", message: nil,
                                                             startedAt: nil, finishedAt: now, containerID: nil))
            }
            anyStarted = anyStarted || previous.wasStarted
        }
        for index in records.indices {
            let status = find(statuses, records[index].name)
            let previous = ContainerRecord.previous(status)
            records[index].restartCount = previous.restartCount
            anyStarted = anyStarted || previous.wasStarted
            guard previous.wasStarted else { continue }
            let failed = status?[path: ["state", "terminated", "exitCode"]]?.text.flatMap { Int($0) }
            if let failed {
                let ended = ContainerRecord.Termination(exitCode: Int32(clamping: failed), signal: nil,
                                                        reason: failed == 0 ? "Completed" : "Error", message: nil,
                                                        startedAt: nil, finishedAt: Self.now(), containerID: nil)
                if !restarts(ended) {
                    records[index].state = .terminated(ended)
                    continue
                }
            }
            let lost = ContainerRecord.Termination(exitCode: 137, signal: nil, reason: "ContainerStatusUnknown",
                                                   message: "The container could not be located when the pod was terminated (kf-local stopped)",
                                                   startedAt: nil, finishedAt: Self.now(), containerID: nil)
            if restartPolicy == "Never" {
                records[index].state = .terminated(lost)
            } else {
                records[index].lastTermination = lost
                records[index].restartCount += 1
            }
        }
        guard anyStarted, restartPolicy == "Never" else { return false }
        for index in records.indices where !(records[index].termination != nil) {
            records[index].state = .terminated(ContainerRecord.Termination(
                exitCode: 137, signal: nil, reason: "ContainerStatusUnknown",
                message: "The container could not be located when the pod was terminated (kf-local stopped)",
                startedAt: nil, finishedAt: Self.now(), containerID: nil))
        }
        podReason = "NodeRestart"
        podMessage = "kf-local stopped while the Pod ran; restartPolicy Never does not start it again"
        finish("Failed")
        return true
    }

    // MARK: Status

    /// Writes the status soon. `deferred`: a container starting (or about to) is reported after `startReportDelay`
    /// unless something else is written first, so a process that ends within it (a pipeline step, a short Job) has
    /// its start and its end in one write: the write of its end, which its dependents wait for, then queues behind
    /// no other. A kubelet, which notices starts by relisting each second, reports such a container only as ended.
    private func publish(deferred: Bool = false) {
        dirty = true
        if deferred {
            guard publisher == nil, waker == nil else { return }
            waker = Task {
                try? await Task.sleep(for: Self.startReportDelay)
                await self.wake()
            }
            return
        }
        waker?.cancel()
        waker = nil
        guard publisher == nil else { return }
        publisher = Task { await self.flush() }
    }

    static let startReportDelay = Duration.milliseconds(50)

    private func wake() {
        waker = nil
        guard dirty, publisher == nil, !stopping else { return }
        publisher = Task { await self.flush() }
    }

    private func flush() async {
        while dirty {
            dirty = false
            let body = Value.mapping(Mapping([("status", statusValue())]))
            let path = "/api/v1/namespaces/\(namespace)/pods/\(name)/status"
            do {
                LocalTrace.mark("node.patch", "\(label) \(phase)")
                _ = try await context.client.request("PATCH", path, body: body, contentType: PatchType.merge.rawValue)
                LocalTrace.mark("node.patched", "\(label) \(phase)")
            } catch {
                if error.status?.isNotFound == true { break }
                FileHandle.standardError.write(Data("kf-local: node: cannot update the status of pod \(label): \(error)\n".utf8))
            }
            sendAfterStatus()
        }
        publisher = nil
    }

    private func sendAfterStatus() {
        guard !afterStatus.isEmpty else { return }
        let actions = afterStatus
        afterStatus = []
        // A little later still: right after a short container's end they would only contend with what its end sets
        // off (its dependents' creation and start).
        Task {
            try? await Task.sleep(for: Self.startReportDelay)
            for action in actions { await action() }
        }
    }

    private func condition(_ type: String, _ value: Bool, reason: String? = nil) -> Value {
        let now = Self.now()
        if conditionTimes[type]?.0 != value { conditionTimes[type] = (value, now) }
        var mapping = Mapping([("type", .string(type)), ("status", .string(value ? "True" : "False")),
                               ("lastProbeTime", .null), ("lastTransitionTime", .string(conditionTimes[type]?.1 ?? now))])
        if let reason { mapping["reason"] = .string(reason) }
        return .mapping(mapping)
    }

    private func statusValue() -> Value {
        let terminal = phase == "Succeeded" || phase == "Failed"
        let containersReady = records.allSatisfy(\.ready) && !records.isEmpty
        let initDone = initialized || initRecords.allSatisfy { $0.termination?.exitCode == 0 }
        let notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady"
        var conditions: [Value] = [
            condition("PodReadyToStartContainers", !terminal || records.contains { $0.started }),
            condition("Initialized", initDone, reason: initDone ? nil : "ContainersNotInitialized"),
            condition("Ready", containersReady && !terminal, reason: containersReady && !terminal ? nil : notReadyReason),
            condition("ContainersReady", containersReady && !terminal, reason: containersReady && !terminal ? nil : notReadyReason),
        ]
        conditions.append(condition("PodScheduled", true))
        var mapping = Mapping([
            ("phase", .string(phase)),
            ("conditions", .sequence(conditions)),
            ("hostIP", .string("127.0.0.1")),
            ("hostIPs", .sequence([.mapping(Mapping([("ip", .string("127.0.0.1"))]))])),
            ("podIP", .string(podIP)),
            ("podIPs", .sequence([.mapping(Mapping([("ip", .string(podIP))]))])),
            ("startTime", .string(startTime)),
            ("containerStatuses", .sequence(records.map(\.rendered))),
            ("qosClass", .string(qosClass)),
        ])
        mapping["initContainerStatuses"] = initRecords.isEmpty ? .null : .sequence(initRecords.map(\.rendered))
        mapping["reason"] = podReason.map(Value.string) ?? .null
        mapping["message"] = podMessage.map(Value.string) ?? .null
        return .mapping(mapping)
    }

    private var qosClass: String { PodQOS.qosClass(of: pod) }
}

extension PodLogFiles {
    static func parseSeconds(_ text: String) -> Double? { parseTime(text) }
}

