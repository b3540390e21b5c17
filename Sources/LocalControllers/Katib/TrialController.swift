import Cluster
import Foundation
import Resources
import Workloads
import Synchronization
import Tuning

/// Katib's Trial controller (v0.19, pkg/controller.v1beta1/trial) with the metrics collector's part on kf-local:
/// - creates the run object (`spec.runSpec`, any kind: Job, PyTorchJob, TFJob...) named as the Trial and controlled
///   by it; the kinds' own controllers run it;
/// - reads the run's state with `successCondition` and `failureCondition` (`JobConditionExpression`, the GJSON
///   subset Katib's defaults use); conditions Created, Running, Succeeded, Failed, MetricsUnavailable, EarlyStopped
///   with Katib's reasons and messages (`. Job reason: ...`, `. Job message: ...` from the job's condition);
/// - collects metrics from the primary container's log (Pods controlled by the run, filtered by
///   primaryPodLabels; read through the API's pods/log) or from the File collector's file, through the filters,
///   into `status.observation.metrics[{name, min, max, latest}]`; MetricsUnavailable says which lines it saw and
///   which regex it used;
/// - applies the early-stopping rules the suggestion gave the trial (medianstop) while it runs, stopping the run
///   and marking the trial EarlyStopped;
/// - deletes the run when the trial finishes unless `retainRun`.
///
/// File collector: the directory of `fileSystemPath.path` is mounted into every pod template of the run that has
/// the primary container as a hostPath folder `<.kf>/katib/<namespace>/<trial>/` (Katib mounts a volume there
/// too), so kf-local's path rule points the program's writes at it and parallel trials never share a file.
public struct TrialController: Reconciler {
    let client: ClusterClient
    let trials: Informer
    let pods: Informer
    let stateDirectory: URL?
    let fieldManager: String
    /// How often a running trial is looked at (its run's state, and its metrics when it has early-stopping rules).
    let pollInterval: Duration
    /// The runs this controller made, by trial (so a run made from a stale cache just as its trial was deleted,
    /// which the garbage collector has already passed over, is deleted too).
    let runs = RunLedger()

    public static func make(_ context: ControllerContext) -> Controller {
        let trials = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Trial")
        let reconciler = TrialController(client: context.client, trials: trials, pods: context.informers.pods,
                                         stateDirectory: context.stateDirectory, fieldManager: context.fieldManager,
                                         pollInterval: .milliseconds(500))
        let controller = Controller(name: "trial", reconciler: reconciler, workers: 2)
        trials.addHandler { controller.enqueue($0.object) }
        // The run objects Katib's defaults know (others are polled).
        context.informers.jobs.addHandler { controller.enqueueController(of: $0.object, kind: "Trial") }
        for kind in TrainingKind.all {
            context.informers.optionalInformer(apiVersion: TrainingKind.apiVersion, kind: kind.kind)
                .addHandler { controller.enqueueController(of: $0.object, kind: "Trial") }
        }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard trials.hasSynced else { return .requeueAfter(.seconds(1)) }
        guard let trial = trials.get(key), trial.uid != nil else {
            if let folder = metricsFolder(key) { try? FileManager.default.removeItem(at: folder) }
            if let (reference, uid) = runs.take(key) {
                let run: Value?
                do { run = try await client.get(reference) } catch {
                    runs.put(key, reference, uid)
                    throw ControllerError.api(operation: "reading", object: "\(reference.kind) \(key)", underlying: error)
                }
                if let run, OwnerReferences.controllerOf(run)?.field("uid") == uid, !run.isDeleting {
                    try await client.deleteObject(run, propagation: .background)
                }
            }
            return .done
        }
        if trial.isDeleting { return .done }
        let now = Date()
        var status = trial["status"] ?? .mapping(Mapping())
        var conditions = KatibConditions(trial)
        if conditions.find("Created") == nil {
            conditions.set("Created", true, reason: "TrialCreated", message: "Trial is created", now: now)
            status.assign(["startTime"], .string(Timestamp.string(now)))
        }
        guard var run = trial[path: ["spec", "runSpec"]], run.mapping != nil,
              let apiVersion = run.field("apiVersion"), let kind = run.field("kind") else {
            return try await fail(trial, &status, &conditions, reason: "TrialFailed",
                                  message: "Trial has failed: spec.runSpec needs an apiVersion and a kind")
        }
        let reference = ObjectReference(apiVersion: apiVersion, kind: kind, name: key.name, namespace: key.namespace)
        let finished = ["Succeeded", "Failed", "EarlyStopped", "MetricsUnavailable", "Killed"].contains { conditions.isTrue($0) }
        if finished {
            if trial.flag("spec", "retainRun") != true { try await deleteRun(reference) }
            try await write(trial, status, conditions)
            return .done
        }
        let success: JobConditionExpression, failure: JobConditionExpression, collector: MetricsCollectorSpec
        do {
            success = try JobConditionExpression(trial.field("spec", "successCondition") ?? "")
            failure = try JobConditionExpression(trial.field("spec", "failureCondition") ?? "")
        } catch {
            return try await fail(trial, &status, &conditions, reason: "TrialFailed", message: "Trial has failed: \(error)")
        }
        do {
            collector = try MetricsCollectorSpec.read(trial[path: ["spec", "metricsCollector"]], path: "spec.metricsCollector")
        } catch {
            return try await fail(trial, &status, &conditions, reason: "TrialFailed", message: "Trial has failed: \(error)")
        }

        // The run object: create it when missing.
        let existing: Value?
        do { existing = try await client.get(reference) } catch {
            throw ControllerError.api(operation: "reading", object: "\(kind) \(key)", underlying: error)
        }
        guard let job = existing, !job.isDeleting else {
            if existing == nil {
                // The cache may be behind a deletion of the trial: make the run only for a trial that still exists.
                let fresh: Value?
                do { fresh = try await client.get(ObjectReference(trial)) } catch {
                    throw ControllerError.api(operation: "reading", object: "Trial \(key)", underlying: error)
                }
                guard let fresh, fresh.uid == trial.uid, !fresh.isDeleting else { return .done }
                runs.put(key, reference, trial.uid ?? "")
                run.assign(["metadata", "name"], .string(key.name))
                run.assign(["metadata", "namespace"], .string(key.namespace))
                run = OwnerReferences.adding(OwnerReferences.controller(trial), to: run)
                if case let .file(path, _) = collector.source, let folder = metricsFolder(key) {
                    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                        throw ControllerError.stateFile(path: folder.path, reason: "\(error)")
                    }
                    run = TrialController.mountingMetricsFolder(run, container: trial.field("spec", "primaryContainerName") ?? "",
                                                                 directory: (path as NSString).deletingLastPathComponent, folder: folder.path)
                }
                do { _ = try await client.create(run, fieldManager: fieldManager) } catch {
                    // The server refusing the run spec fails the trial; anything passing (a cancelled or broken
                    // connection, a kind not served yet) is retried.
                    if let code = error.status?.code, code != 409, (400..<500).contains(code), !Task.isCancelled {
                        return try await fail(trial, &status, &conditions, reason: "TrialFailed",
                                              message: "Trial has failed: cannot create its \(kind): \(error)")
                    }
                    if error.status?.code != 409 {
                        throw ControllerError.api(operation: "creating", object: "\(kind) \(key)", underlying: error)
                    }
                }
            }
            try await write(trial, status, conditions)
            return .requeueAfter(pollInterval)
        }

        // Katib's GetDeployedJobStatus: failure first, then success, else running.
        if failure.holds(on: job) {
            let matched = failure.matched(on: job)
            conditions.finish("Failed", reason: "TrialFailed" + jobPart("reason", matched?.field("reason")),
                              message: "Trial has failed" + jobPart("message", matched?.field("message")), now: now)
            status.assign(["completionTime"], .string(Timestamp.string(now)))
            try await write(trial, status, conditions)
            return .requeueAfter(.milliseconds(10))
        }
        let done = success.holds(on: job)
        if !done && !conditions.isTrue("Running") {
            conditions.set("Running", true, reason: "TrialRunning", message: "Trial is running", now: now)
        }
        let rules = trial[path: ["spec", "earlyStoppingRules"]]?.sequence ?? []
        guard done || !rules.isEmpty else {
            try await write(trial, status, conditions)
            return .requeueAfter(pollInterval)
        }

        // Metrics.
        let metricNames = TrialController.metricNames(trial)
        let objective = metricNames.first ?? ""
        let seen = try await readOutput(trial, job: job, key: key, collector: collector)
        let log = MetricsLog(metricNames: metricNames, filters: collector.filters)
        let reports: [MetricReport]
        if case .file(_, true) = collector.source { reports = log.parse(jsonLines: seen.lines) } else { reports = log.parse(lines: seen.lines) }
        let values = MetricsLog.values(reports, of: objective)

        if !done {
            guard let stop = earlyStop(rules, objective: objective, trial: trial, values: values) else {
                try await write(trial, status, conditions)
                return .requeueAfter(pollInterval)
            }
            let kept = try await keepReports(trial, values)
            status.assign(["observation"], MetricsLog.observation(reports, metrics: metricNames))
            conditions.finish("EarlyStopped", reason: "TrialEarlyStopped", message: "Trial is early stopped: \(stop)", now: now)
            status.assign(["completionTime"], .string(Timestamp.string(now)))
            try await write(kept, status, conditions)
            return .requeueAfter(.milliseconds(10))
        }

        let matched = success.matched(on: job)
        let kept = try await keepReports(trial, values)
        status.assign(["observation"], MetricsLog.observation(reports, metrics: metricNames))
        if !values.isEmpty {
            conditions.finish("Succeeded", reason: "TrialSucceeded" + jobPart("reason", matched?.field("reason")),
                              message: "Trial has succeeded" + jobPart("message", matched?.field("message")), now: now)
        } else {
            let tail = seen.lines.suffix(5).map { "  " + $0 }.joined(separator: "\n")
            let explanation = "; no value of metric \"\(objective)\" was found in \(seen.source) "
                + "(\(seen.lines.count) line\(seen.lines.count == 1 ? "" : "s") read) with the regex "
                + collector.filters.map { "\"\($0)\"" }.joined(separator: ", ")
                + (seen.lines.isEmpty ? "" : "; the last lines were:\n\(tail)")
            conditions.finish("MetricsUnavailable", reason: "MetricsUnavailable" + jobPart("reason", matched?.field("reason")),
                              message: "Metrics are not available" + jobPart("message", matched?.field("message")) + explanation, now: now)
        }
        status.assign(["completionTime"], .string(Timestamp.string(now)))
        try await write(kept, status, conditions)
        return .requeueAfter(.milliseconds(10))
    }

    // MARK: Metrics

    static func metricNames(_ trial: Value) -> [String] {
        let objective = trial.field("spec", "objective", "objectiveMetricName") ?? ""
        let additional = (trial[path: ["spec", "objective", "additionalMetricNames"]]?.sequence ?? []).compactMap(\.text)
        return [objective] + additional.filter { $0 != objective }
    }

    /// The lines the collector sees: the primary container's log in every primary Pod of the run (oldest Pod
    /// first), or the File collector's file.
    private func readOutput(_ trial: Value, job: Value, key: NamespacedName,
                            collector: MetricsCollectorSpec) async throws -> (lines: [String], source: String) {
        if case let .file(path, _) = collector.source {
            let file = metricsFolder(key).map { $0.appendingPathComponent((path as NSString).lastPathComponent).path } ?? path
            guard let data = FileManager.default.contents(atPath: file) else { return ([], "the file \(path) (\(file), not written)") }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            return (lines, "the file \(path) (\(file))")
        }
        let container = trial.field("spec", "primaryContainerName") ?? ""
        let wanted = trial.stringMap("spec", "primaryPodLabels")
        let primary = pods.list(namespace: key.namespace).filter { pod in
            guard OwnerReferences.isControlled(pod, by: job) else { return false }
            let labels = pod.labels
            return wanted.allSatisfy { labels[$0.0] == $0.1 }
        }.sorted { ($0.field("metadata", "creationTimestamp") ?? "", $0.field("metadata", "name") ?? "")
            < ($1.field("metadata", "creationTimestamp") ?? "", $1.field("metadata", "name") ?? "") }
        var lines: [String] = []
        var names: [String] = []
        for pod in primary {
            guard let name = pod.field("metadata", "name") else { continue }
            names.append(name)
            do {
                for try await line in client.logs(pod: name, namespace: key.namespace, options: LogOptions(container: container)) {
                    lines.append(line)
                }
            } catch let error as ClusterError {
                // A Pod not started yet, or gone: its log is not there to read. Anything else is retried, so a
                // passing failure never turns into MetricsUnavailable.
                if let code = error.status?.code, (400..<500).contains(code) { continue }
                throw ControllerError.api(operation: "reading the log of", object: "Pod \(key.namespace)/\(name)", underlying: error)
            } catch {
                throw ControllerError.invalidSpec(object: "Pod \(key.namespace)/\(name)", field: "log", reason: "\(error)")
            }
        }
        let source = names.isEmpty
            ? "the log of container \"\(container)\" (no Pod of the \(job.field("kind") ?? "run") matched"
                + (wanted.isEmpty ? "" : " primaryPodLabels " + wanted.map { "\($0.0)=\($0.1)" }.joined(separator: ",")) + ")"
            : "the log of container \"\(container)\" in Pod " + names.joined(separator: ", ")
        return (lines, source)
    }

    /// Katib's medianstop rule applied to the values reported so far: a description when the trial is to stop.
    private func earlyStop(_ rules: [Value], objective: String, trial: Value, values: [Double]) -> String? {
        let type = ObjectiveType(rawValue: trial.field("spec", "objective", "type") ?? "") ?? .minimize
        for rule in rules where rule.field("name") == objective {
            guard let value = rule.field("value").flatMap(Double.init) else { continue }
            let start = rule.integer("startStep") ?? 1
            guard let median = try? MedianStop(settings: [AlgorithmSetting(name: "start_step", value: String(max(start, 1)))],
                                               objective: type),
                  median.shouldStop(reports: values, ruleValue: value) else { continue }
            let first = values.prefix(median.startStep)
            let best = type == .maximize ? first.max() : first.min()
            return "\(objective) \(best.map { String($0) } ?? "?") in the first \(median.startStep) reports is "
                + "\(rule.field("comparison") == "less" ? "less" : "greater") than the rule's \(value)"
        }
        return nil
    }

    /// Keeps the objective's reports on the trial (medianstop's rule for later trials is computed from them).
    private func keepReports(_ trial: Value, _ values: [Double]) async throws -> Value {
        let text = values.map { String($0) }.joined(separator: ",")
        guard trial.field("metadata", "annotations", SuggestionController.reportsAnnotation) != text else { return trial }
        return try await client.mergePatch(trial, .fields([("metadata", .fields([("annotations", .fields([
            (SuggestionController.reportsAnnotation, .string(text)),
        ]))]))]), fieldManager: fieldManager)
    }

    private func metricsFolder(_ key: NamespacedName) -> URL? {
        stateDirectory?.appendingPathComponent("katib").appendingPathComponent(key.namespace).appendingPathComponent(key.name)
    }

    /// The run with a hostPath volume at `directory` in every pod template holding the primary container.
    static func mountingMetricsFolder(_ run: Value, container: String, directory: String, folder: String) -> Value {
        switch run {
        case let .mapping(mapping):
            var result = Mapping(uniqueKeys: mapping.pairs.map { $0.0 },
                                 values: mapping.pairs.map { mountingMetricsFolder($0.1, container: container, directory: directory, folder: folder) })
            guard let containers = result["containers"]?.sequence,
                  let index = containers.firstIndex(where: { $0.field("name") == container }) else { return .mapping(result) }
            var updated = containers
            let mounts = containers[index]["volumeMounts"]?.sequence ?? []
            updated[index] = containers[index].setting(["volumeMounts"], to: .sequence(mounts + [
                .fields([("name", .string("metrics-volume")), ("mountPath", .string(directory))]),
            ]))
            result["containers"] = .sequence(updated)
            let volumes = result["volumes"]?.sequence ?? []
            result["volumes"] = .sequence(volumes + [.fields([
                ("name", .string("metrics-volume")),
                ("hostPath", .fields([("path", .string(folder)), ("type", .string("DirectoryOrCreate"))])),
            ])])
            return .mapping(result)
        case let .sequence(items):
            return .sequence(items.map { mountingMetricsFolder($0, container: container, directory: directory, folder: folder) })
        case .scalar:
            return run
        }
    }

    // MARK: Writes

    private func jobPart(_ what: String, _ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        return ". Job \(what): \(text)"
    }

    private func fail(_ trial: Value, _ status: inout Value, _ conditions: inout KatibConditions, reason: String,
                      message: String) async throws -> ReconcileResult {
        conditions.finish("Failed", reason: reason, message: message)
        status.assign(["completionTime"], .string(Timestamp.string()))
        try await write(trial, status, conditions)
        return .done
    }

    private func deleteRun(_ reference: ObjectReference) async throws {
        let run: Value?
        do { run = try await client.get(reference) } catch {
            throw ControllerError.api(operation: "reading", object: "\(reference.kind) \(reference.name)", underlying: error)
        }
        guard let run, !run.isDeleting else { return }
        try await client.deleteObject(run, propagation: .background)
    }

    private func write(_ trial: Value, _ status: Value, _ conditions: KatibConditions) async throws {
        var status = status
        status.assign(["conditions"], .sequence(conditions.items))
        guard status != trial["status"] else { return }
        let version = trial.field("metadata", "resourceVersion")
        let stamped = status.setting(["lastReconcileTime"], to: .string(Timestamp.string()))
        try await client.updateStatus(trial, fieldManager: fieldManager) { current throws(ControllerError) in
            guard current.field("metadata", "resourceVersion") == version else {
                throw .conflict(object: "Trial \(NamespacedName(of: trial)?.description ?? "?")", attempts: 1)
            }
            return current.setting(["status"], to: stamped)
        }
    }
}

/// The run object each trial's controller made, with the trial's uid.
final class RunLedger: Sendable {
    private let entries = Mutex<[NamespacedName: (ObjectReference, String)]>([:])

    func put(_ key: NamespacedName, _ reference: ObjectReference, _ uid: String) {
        entries.withLock { $0[key] = (reference, uid) }
    }

    func take(_ key: NamespacedName) -> (ObjectReference, String)? {
        entries.withLock { $0.removeValue(forKey: key) }
    }
}
