import Cluster
import Foundation
import Resources
import Workloads
import Tuning

/// Katib's Experiment controller (v0.19, pkg/controller.v1beta1/experiment) on kf-local:
/// - conditions Created, Running, Succeeded (ExperimentGoalReached, ExperimentMaxTrialsReached,
///   ExperimentSuggestionEndReached) and Failed (ExperimentFailed: max failed trials reached, the Suggestion failed,
///   or, where Katib's admission webhook would refuse it, an invalid spec) with Katib's messages;
/// - the trial summary Katib keeps: trials and the per-state counts and name lists, currentOptimalTrial (the best
///   trial by the objective metric's strategy), startTime, completionTime;
/// - up to parallelTrialCount active trials: it raises the Suggestion's `spec.requests` (the Suggestion, named as
///   the Experiment, is created on first need) and creates a Trial for every suggestion that has none yet.
/// Running trials of a finished Experiment run to their end, as in Katib. A LongRunning or FromVolume Experiment
/// that ended at maxTrialCount restarts (condition Restarting, ExperimentRestarting) when maxTrialCount is raised.
/// Everything it needs is in the API, so a restarted kf-local carries on where it stopped.
public struct ExperimentController: Reconciler {
    let client: ClusterClient
    let experiments: Informer
    let trials: Informer
    let suggestions: Informer
    let fieldManager: String

    public static func make(_ context: ControllerContext) -> Controller {
        let experiments = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Experiment")
        let trials = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Trial")
        let suggestions = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Suggestion")
        let reconciler = ExperimentController(client: context.client, experiments: experiments, trials: trials,
                                              suggestions: suggestions, fieldManager: context.fieldManager)
        let controller = Controller(name: "experiment", reconciler: reconciler, workers: 1)
        experiments.addHandler { controller.enqueue($0.object) }
        trials.addHandler { controller.enqueueController(of: $0.object, kind: "Experiment") }
        suggestions.addHandler { controller.enqueueController(of: $0.object, kind: "Experiment") }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard experiments.hasSynced, trials.hasSynced, suggestions.hasSynced else { return .requeueAfter(.seconds(1)) }
        guard let experiment = experiments.get(key), experiment.uid != nil, !experiment.isDeleting else { return .done }
        var status = experiment["status"] ?? .mapping(Mapping())
        var conditions = KatibConditions(experiment)
        let now = Date()
        if conditions.find("Created") == nil {
            if status["startTime"] == nil { status.assign(["startTime"], .string(Timestamp.string(now))) }
            conditions.set("Created", true, reason: "ExperimentCreated", message: "Experiment is created", now: now)
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(experiment, status)
            return .done
        }
        var finished = conditions.isTrue("Succeeded") || conditions.isTrue("Failed")
        // Katib's restart: a LongRunning (or FromVolume) Experiment that ended at maxTrialCount carries on when
        // maxTrialCount is raised above its trials.
        if conditions.isTrue("Succeeded"), conditions.find("Succeeded")?.field("reason") == "ExperimentMaxTrialsReached",
           ["LongRunning", "FromVolume"].contains(experiment.field("spec", "resumePolicy") ?? "Never"),
           let maxTrials = experiment.integer("spec", "maxTrialCount"), maxTrials > status.integer("trials") ?? 0 {
            conditions.items.removeAll { ["Succeeded", "Failed"].contains($0.field("type")) }
            conditions.set("Restarting", true, reason: "ExperimentRestarting", message: "Experiment is restarted", now: now)
            finished = false
        }
        let spec: ExperimentSpec
        do {
            spec = try ExperimentSpec.local(experiment)
        } catch {
            guard !finished else { return .done }
            conditions.finish("Failed", reason: "ExperimentFailed", message: "Experiment is invalid: \(error)", now: now)
            status.assign(["completionTime"], .string(Timestamp.string(now)))
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(experiment, status)
            return .done
        }
        let owned = trials.list(namespace: key.namespace).filter {
            $0.labels[KatibExperiment.experimentLabel] == key.name && OwnerReferences.isControlled($0, by: experiment)
        }.sorted { ($0.field("metadata", "creationTimestamp") ?? "", $0.field("metadata", "name") ?? "")
            < ($1.field("metadata", "creationTimestamp") ?? "", $1.field("metadata", "name") ?? "") }
        let summary = TrialSummary(owned, spec: spec)
        if !owned.isEmpty { summary.write(into: &status) }
        if finished {
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(experiment, status)
            return .done
        }

        let suggestion = suggestions.get(key).flatMap { OwnerReferences.isControlled($0, by: experiment) ? $0 : nil }
        // Katib's UpdateExperimentStatusCondition, in its order.
        let failedCount = summary.count("Failed") + summary.count("MetricsUnavailable")
        let completedCount = summary.completed
        var ending: (type: String, reason: String, message: String)?
        if summary.goalReached {
            ending = ("Succeeded", "ExperimentGoalReached", "Experiment has succeeded because Objective goal has reached")
        } else if let maxFailed = spec.maxFailedTrialCount, failedCount != 0, failedCount >= maxFailed {
            ending = ("Failed", "ExperimentFailed", "Experiment has failed because max failed count has reached"
                + " (\(failedCount) of maxFailedTrialCount \(maxFailed) trials failed or had no metrics"
                + (summary.lastFailure.map { "; last: \($0)" } ?? "") + ")")
        } else if let maxTrials = spec.maxTrialCount, completedCount >= maxTrials {
            ending = ("Succeeded", "ExperimentMaxTrialsReached", "Experiment has succeeded because max trial count has reached")
        } else if let suggestion, KatibConditions(suggestion).isTrue("Failed") {
            let reason = KatibConditions(suggestion).find("Failed")?.field("message") ?? ""
            ending = ("Failed", "ExperimentFailed", "Suggestion has failed" + (reason.isEmpty ? "" : ": \(reason)"))
        } else if let suggestion, KatibConditions(suggestion).find("Succeeded")?.field("reason") == SuggestionController.exhaustedReason,
                  summary.active == 0 {
            ending = ("Succeeded", "ExperimentSuggestionEndReached", "Experiment has succeeded because suggestion service has reached the end")
        }
        if let ending {
            conditions.finish(ending.type, reason: ending.reason, message: ending.message, now: now)
            status.assign(["completionTime"], .string(Timestamp.string(now)))
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(experiment, status)
            return .done
        }
        conditions.set("Running", true, reason: "ExperimentRunning", message: "Experiment is running", now: now)
        status.assign(["conditions"], .sequence(conditions.items))
        try await write(experiment, status)

        // Katib's ReconcileTrials: keep parallelTrialCount trials active, within maxTrialCount.
        let parallel = spec.parallelTrialCount
        let active = summary.active
        if active > parallel {
            try await deleteTrials(owned, count: active - parallel, suggestion: suggestion)
            return .done
        }
        guard active < parallel else { return .done }
        var required = parallel
        if let maxTrials = spec.maxTrialCount {
            required = min(maxTrials - (summary.completed - summary.count("MetricsUnavailable")), parallel)
        }
        let add = max(required - active, 0)
        guard add > 0 else { return .done }
        let incompleteEarlyStopped = owned.filter {
            KatibConditions($0).isTrue("EarlyStopped") && MetricsLog.objectiveValue($0, metric: spec.objective.metricName, strategy: "latest") == nil
        }.count
        let requests = owned.count + add - incompleteEarlyStopped
        guard let current = try await ensureSuggestion(experiment, existing: suggestion, spec: spec, requests: requests) else {
            return .done
        }
        let names = Set(owned.compactMap { $0.field("metadata", "name") })
        for assignment in current[path: ["status", "suggestions"]]?.sequence ?? [] {
            guard let name = assignment.field("name"), !names.contains(name) else { continue }
            try await createTrial(experiment, spec: spec, assignment: assignment, name: name, namespace: key.namespace)
        }
        return .done
    }

    // MARK: Suggestion and trials

    /// The Suggestion with `spec.requests` set (created when missing); returns the object the cache or the server
    /// has (its status is what the trials are made from).
    private func ensureSuggestion(_ experiment: Value, existing: Value?, spec: ExperimentSpec, requests: Int) async throws -> Value? {
        if let existing {
            if existing.integer("spec", "requests") != requests {
                try await client.mergePatch(existing, .fields([("spec", .fields([("requests", .int(requests))]))]), fieldManager: fieldManager)
            }
            return existing
        }
        let experimentSpec = experiment["spec"] ?? .mapping(Mapping())
        let suggestion = Value.fields([
            ("apiVersion", .string(KatibExperiment.apiVersion)), ("kind", .string("Suggestion")),
            ("metadata", .fields([
                ("name", experiment["metadata"]?["name"]), ("namespace", experiment["metadata"]?["namespace"]),
                ("labels", .strings([(KatibExperiment.experimentLabel, experiment.field("metadata", "name") ?? "")])),
                ("ownerReferences", .sequence([OwnerReferences.controller(experiment)])),
            ])),
            ("spec", .fields([
                ("algorithm", experimentSpec["algorithm"]), ("earlyStopping", experimentSpec["earlyStopping"]),
                ("requests", .int(requests)), ("resumePolicy", .string(experimentSpec.field("resumePolicy") ?? "Never")),
            ])),
        ])
        do {
            _ = try await client.create(suggestion, fieldManager: fieldManager)
        } catch {
            if error.status?.code == 409 { return nil }
            throw ControllerError.api(operation: "creating", object: "Suggestion \(ObjectName.describe(experiment))", underlying: error)
        }
        return nil
    }

    /// Katib's deleteTrials, when parallelTrialCount was lowered: the newest active trials go, and their
    /// suggestions leave the Suggestion (requests and status) so they are not made again.
    private func deleteTrials(_ trials: [Value], count: Int, suggestion: Value?) async throws {
        let ended = ["Killed", "Failed", "Succeeded", "EarlyStopped", "MetricsUnavailable"]
        // Newest by the order the Suggestion made them: creation times have a second's precision, and trials
        // created within one second would otherwise be told apart by their random names.
        let order = (suggestion?[path: ["status", "suggestions"]]?.sequence ?? []).compactMap { $0.field("name") }
        func rank(_ trial: Value) -> Int { order.firstIndex(of: trial.field("metadata", "name") ?? "") ?? Int.max }
        let active = trials.enumerated()
            .filter { _, trial in !ended.contains { KatibConditions(trial).isTrue($0) } }
            .sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .map(\.element)
        let victims = Array(active.reversed().prefix(count))
        for trial in victims { try await client.deleteObject(trial) }
        guard let suggestion else { return }
        let gone = Set(victims.compactMap { $0.field("metadata", "name") })
        let kept = (suggestion[path: ["status", "suggestions"]]?.sequence ?? []).filter { !gone.contains($0.field("name") ?? "") }
        let patched = try await client.mergePatch(suggestion, .fields([("spec", .fields([("requests", .int(kept.count))]))]),
                                                  fieldManager: fieldManager)
        try await client.updateStatus(patched, fieldManager: fieldManager) { current throws(ControllerError) in
            let remaining = (current[path: ["status", "suggestions"]]?.sequence ?? []).filter { !gone.contains($0.field("name") ?? "") }
            return current.setting(["status", "suggestions"], to: .sequence(remaining))
                .setting(["status", "suggestionCount"], to: .int(remaining.count))
        }
    }

    private func createTrial(_ experiment: Value, spec: ExperimentSpec, assignment: Value, name: String, namespace: String) async throws {
        let parameters = (assignment["parameterAssignments"]?.sequence ?? []).compactMap { item -> (name: String, value: String)? in
            guard let n = item.field("name"), let v = item.field("value") else { return nil }
            return (n, v)
        }
        let runSpec = try TrialRunSpec.make(template: spec.trialTemplate, assignment: parameters, trialName: name, namespace: namespace)
        let experimentSpec = experiment["spec"] ?? .mapping(Mapping())
        var objective = experimentSpec["objective"] ?? .mapping(Mapping())
        objective.assign(["metricStrategies"], .sequence(spec.metricStrategies.map {
            .fields([("name", .string($0.name)), ("value", .string($0.value))])
        }))
        // Katib's TrialLabels: the Experiment's labels, the experiment label, then the suggestion's.
        var merged: [(String, String)] = []
        func put(_ key: String, _ value: String) {
            if let i = merged.firstIndex(where: { $0.0 == key }) { merged[i].1 = value } else { merged.append((key, value)) }
        }
        for (k, v) in experiment.stringMap("metadata", "labels") { put(k, v) }
        put(KatibExperiment.experimentLabel, experiment.field("metadata", "name") ?? "")
        for (k, v) in assignment.stringMap("labels") { put(k, v) }
        let labels = merged
        let template = spec.trialTemplate
        let trial = Value.fields([
            ("apiVersion", .string(KatibExperiment.apiVersion)), ("kind", .string("Trial")),
            ("metadata", .fields([
                ("name", .string(name)), ("namespace", .string(namespace)), ("labels", .strings(labels)),
                ("ownerReferences", .sequence([OwnerReferences.controller(experiment)])),
            ])),
            ("spec", .fields([
                ("objective", objective),
                ("parameterAssignments", assignment["parameterAssignments"] ?? .sequence([])),
                ("earlyStoppingRules", spec.earlyStopping == nil ? nil : assignment["earlyStoppingRules"]),
                ("runSpec", runSpec),
                ("retainRun", .bool(template.retain)),
                ("metricsCollector", experimentSpec["metricsCollectorSpec"] ?? .fields([("collector", .fields([("kind", .string("StdOut"))]))])),
                ("primaryPodLabels", template.primaryPodLabels.isEmpty ? nil : .strings(template.primaryPodLabels)),
                ("primaryContainerName", .string(template.primaryContainerName)),
                ("successCondition", .string(template.successCondition)),
                ("failureCondition", .string(template.failureCondition)),
            ])),
        ])
        do {
            _ = try await client.create(trial, fieldManager: fieldManager)
        } catch {
            if error.status?.code == 409 { return }  // made already; the cache is behind
            throw ControllerError.api(operation: "creating", object: "Trial \(namespace)/\(name)", underlying: error)
        }
    }

    private func write(_ experiment: Value, _ status: Value) async throws {
        guard status != experiment["status"] else { return }
        let version = experiment.field("metadata", "resourceVersion")
        let stamped = status.setting(["lastReconcileTime"], to: .string(Timestamp.string()))
        try await client.updateStatus(experiment, fieldManager: fieldManager) { current throws(ControllerError) in
            guard current.field("metadata", "resourceVersion") == version else {
                throw .conflict(object: "Experiment \(NamespacedName(of: experiment)?.description ?? "?")", attempts: 1)
            }
            return current.setting(["status"], to: stamped)
        }
    }
}

/// Katib's updateTrialsSummary: each trial in one state (Killed, Failed, Succeeded, EarlyStopped, Running,
/// MetricsUnavailable, else Pending), the counts and lists, the best trial and whether it reaches the goal.
struct TrialSummary {
    var lists: [String: [String]] = [:]
    var best: Value?
    var goalReached = false
    var total = 0
    var lastFailure: String?

    static let order = ["Killed", "Failed", "Succeeded", "EarlyStopped", "Running", "MetricsUnavailable"]

    init(_ trials: [Value], spec: ExperimentSpec) {
        var bestValue: Double?
        for trial in trials {
            total += 1
            let conditions = KatibConditions(trial)
            let state = TrialSummary.order.first { conditions.isTrue($0) } ?? "Pending"
            let name = trial.field("metadata", "name") ?? ""
            lists[state, default: []].append(name)
            if state == "Failed" || state == "MetricsUnavailable" {
                lastFailure = "\(name): " + (conditions.find(state)?.field("message") ?? state)
            }
            guard let value = MetricsLog.objectiveValue(trial, metric: spec.objective.metricName,
                                                        strategy: spec.strategy(spec.objective.metricName)) else { continue }
            if bestValue == nil || spec.objective.isBetter(value, than: bestValue ?? value) {
                bestValue = value
                best = trial
            }
            if let bestValue, spec.objective.reachesGoal(bestValue) { goalReached = true }
        }
    }

    func count(_ state: String) -> Int { lists[state]?.count ?? 0 }
    var active: Int { count("Pending") + count("Running") }
    var completed: Int { count("Succeeded") + count("Failed") + count("Killed") + count("EarlyStopped") + count("MetricsUnavailable") }

    func write(into status: inout Value) {
        status.assign(["trials"], .int(total))
        let fields: [(String, String, String)] = [
            ("Running", "runningTrialList", "trialsRunning"), ("Pending", "pendingTrialList", "trialsPending"),
            ("Failed", "failedTrialList", "trialsFailed"), ("Succeeded", "succeededTrialList", "trialsSucceeded"),
            ("Killed", "killedTrialList", "trialsKilled"), ("EarlyStopped", "earlyStoppedTrialList", "trialsEarlyStopped"),
            ("MetricsUnavailable", "metricsUnavailableTrialList", "trialMetricsUnavailable"),
        ]
        for (state, list, counter) in fields {
            let names = lists[state] ?? []
            status.assign([list], names.isEmpty ? nil : .sequence(names.map { .string($0) }))
            status.assign([counter], names.isEmpty ? nil : .int(names.count))
        }
        if let best {
            status.assign(["currentOptimalTrial"], .fields([
                ("bestTrialName", best["metadata"]?["name"]),
                ("parameterAssignments", best[path: ["spec", "parameterAssignments"]] ?? .sequence([])),
                ("observation", .fields([("metrics", best[path: ["status", "observation", "metrics"]] ?? .sequence([]))])),
            ]))
        }
    }
}
