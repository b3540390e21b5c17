import Cluster
import Foundation
import Resources
import Workloads
import Tuning

/// Katib's Suggestion controller on kf-local, with the suggestion "service" in-process (Tuning's `Suggester`):
/// when `spec.requests` exceeds `status.suggestionCount` it asks the algorithm for the difference, from the
/// history of the Experiment's trials (assignments, states and objective values in creation order; suggestions
/// without a Trial yet count as running), and appends them to `status.suggestions` as Katib does
/// (`{name: <experiment>-<8 random characters>, parameterAssignments, earlyStoppingRules, labels}`).
///
/// The algorithms are pure functions of the seed and the history, so the Suggestion object's status is the whole
/// state: a restarted kf-local resumes from it. Settings that the algorithm refuses mark the Suggestion Failed
/// (`SuggestionFailed`, "Validation failed: <Katib's reason>"), which fails the Experiment. When the algorithm has
/// nothing left (grid, hyperband) the Suggestion is marked Succeeded with reason `SuggestionExhausted` and the
/// Experiment ends with ExperimentSuggestionEndReached once its trials have.
///
/// With medianstop early stopping, each new suggestion carries Katib's rule
/// `{name: <objective>, value: <rule value>, comparison: less|greater, startStep}` once enough trials have
/// succeeded; the rule value comes from the objective values the Trial controller kept for each succeeded trial.
public struct SuggestionController: Reconciler {
    static let exhaustedReason = "SuggestionExhausted"
    /// The annotation where the Trial controller keeps the objective metric's reports of a finished trial (comma
    /// separated, in order), which medianstop's rule is computed from (Katib keeps them in its DB).
    public static let reportsAnnotation = "kf.dev/objective-reports"

    let client: ClusterClient
    let suggestions: Informer
    let experiments: Informer
    let trials: Informer
    let fieldManager: String

    public static func make(_ context: ControllerContext) -> Controller {
        let suggestions = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Suggestion")
        let experiments = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Experiment")
        let trials = context.informers.optionalInformer(apiVersion: KatibExperiment.apiVersion, kind: "Trial")
        let reconciler = SuggestionController(client: context.client, suggestions: suggestions, experiments: experiments,
                                              trials: trials, fieldManager: context.fieldManager)
        let controller = Controller(name: "suggestion", reconciler: reconciler, workers: 1)
        suggestions.addHandler { controller.enqueue($0.object) }
        // A trial that finishes changes the history (hyperband and cmaes wait for it).
        trials.addHandler { event in
            if let experiment = event.object.labels[KatibExperiment.experimentLabel], let namespace = event.object.field("metadata", "namespace") {
                controller.queue.add(NamespacedName(namespace: namespace, name: experiment))
            }
        }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard suggestions.hasSynced, experiments.hasSynced, trials.hasSynced else { return .requeueAfter(.seconds(1)) }
        guard let suggestion = suggestions.get(key), suggestion.uid != nil, !suggestion.isDeleting else { return .done }
        guard let experiment = experiments.get(key), experiment.uid != nil else { return .done }
        var conditions = KatibConditions(suggestion)
        var status = suggestion["status"] ?? .mapping(Mapping())
        let now = Date()
        if conditions.isTrue("Failed") { return .done }
        if conditions.find("Created") == nil {
            conditions.set("Created", true, reason: "SuggestionCreated", message: "Suggestion is created", now: now)
            status.assign(["startTime"], .string(Timestamp.string(now)))
        }
        let spec: ExperimentSpec
        let suggester: Suggester
        let medianStop: MedianStop?
        do {
            spec = try ExperimentSpec.local(experiment)
            suggester = try spec.suggester()
            medianStop = try spec.medianStop()
        } catch {
            conditions.finish("Failed", reason: "SuggestionFailed", message: "Validation failed: \(error.reason)", now: now)
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(suggestion, status)
            return .done
        }
        conditions.set("Running", true, reason: "SuggestionRunning", message: "Suggestion is running", now: now)

        let existing = status["suggestions"]?.sequence ?? []
        let requests = suggestion.integer("spec", "requests") ?? 0
        let owned = trials.list(namespace: key.namespace).filter { $0.labels[KatibExperiment.experimentLabel] == key.name }
        let byName = Dictionary(owned.compactMap { t in t.field("metadata", "name").map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        var history: [TrialRecord] = []
        for item in existing {
            guard let name = item.field("name") else { continue }
            let assignment = Assignment((item["parameterAssignments"]?.sequence ?? []).compactMap { p in
                guard let n = p.field("name"), let v = p.field("value") else { return nil }
                return ParameterAssignment(name: n, value: v)
            })
            var state = TrialState.running
            var value: Double?
            if let trial = byName[name] {
                let c = KatibConditions(trial)
                if c.isTrue("Killed") { state = .killed }
                else if c.isTrue("Failed") { state = .failed }
                else if c.isTrue("Succeeded") { state = .succeeded }
                else if c.isTrue("EarlyStopped") { state = .earlyStopped }
                else if c.isTrue("MetricsUnavailable") { state = .metricsUnavailable }
                if state == .succeeded || state == .earlyStopped {
                    value = MetricsLog.objectiveValue(trial, metric: spec.objective.metricName,
                                                      strategy: spec.strategy(spec.objective.metricName))
                }
            }
            history.append(TrialRecord(name: name, assignment: assignment, state: state, value: value))
        }
        var added: [Value] = []
        var exhausted = false
        do {
            if requests > existing.count {
                let assignments = try suggester.suggest(count: requests - existing.count, history: history)
                let rules = earlyStoppingRules(medianStop, spec: spec, trials: owned)
                var taken = Set(existing.compactMap { $0.field("name") })
                for assignment in assignments {
                    var name = SuggestionController.trialName(key.name)
                    while taken.contains(name) { name = SuggestionController.trialName(key.name) }
                    taken.insert(name)
                    added.append(.fields([
                        ("name", .string(name)),
                        ("parameterAssignments", .sequence(assignment.parameters.map {
                            .fields([("name", .string($0.name)), ("value", .string($0.value))])
                        })),
                        ("earlyStoppingRules", rules),
                    ]))
                }
            }
            exhausted = try suggester.isExhausted(history: history)
        } catch {
            let reason = KatibSpecError(error).reason
            conditions.finish("Failed", reason: "SuggestionFailed", message: "Failed to get suggestions: \(reason)", now: now)
            status.assign(["conditions"], .sequence(conditions.items))
            try await write(suggestion, status)
            return .done
        }
        let all = existing + added
        status.assign(["suggestions"], .sequence(all))
        status.assign(["suggestionCount"], .int(all.count))
        status.assign(["algorithmSettings"], .sequence(spec.algorithmSettings.map {
            .fields([("name", .string($0.name)), ("value", .string($0.value))])
        }))
        if exhausted && added.isEmpty && requests > existing.count {
            conditions.finish("Succeeded", reason: SuggestionController.exhaustedReason,
                              message: "Suggestion has no more trials to suggest (\(spec.algorithmName) has run out of points)", now: now)
        }
        status.assign(["conditions"], .sequence(conditions.items))
        try await write(suggestion, status)
        return .done
    }

    /// medianstop's rule for new trials, from the succeeded trials' kept reports; nil until enough have succeeded.
    private func earlyStoppingRules(_ rule: MedianStop?, spec: ExperimentSpec, trials: [Value]) -> Value? {
        guard let rule else { return nil }
        let logs: [[Double]] = trials.filter { KatibConditions($0).isTrue("Succeeded") }.compactMap { trial in
            guard let text = trial.field("metadata", "annotations", SuggestionController.reportsAnnotation) else { return nil }
            return text.split(separator: ",").compactMap { Double($0) }
        }
        guard let value = rule.ruleValue(succeededTrialLogs: logs) else { return nil }
        return .sequence([.fields([
            ("name", .string(spec.objective.metricName)), ("value", .string(String(value))),
            ("comparison", .string(spec.objective.type == .maximize ? "less" : "greater")),
            ("startStep", .int(rule.startStep)),
        ])])
    }

    /// `<experiment>-<8 characters>` from Kubernetes' rand alphabet (no vowels, no confusable digits).
    static func trialName(_ experiment: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return experiment + "-" + String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    private func write(_ suggestion: Value, _ status: Value) async throws {
        guard status != suggestion["status"] else { return }
        let version = suggestion.field("metadata", "resourceVersion")
        let stamped = status.setting(["lastReconcileTime"], to: .string(Timestamp.string()))
        try await client.updateStatus(suggestion, fieldManager: fieldManager) { current throws(ControllerError) in
            guard current.field("metadata", "resourceVersion") == version else {
                throw .conflict(object: "Suggestion \(NamespacedName(of: suggestion)?.description ?? "?")", attempts: 1)
            }
            return current.setting(["status"], to: stamped)
        }
    }
}
