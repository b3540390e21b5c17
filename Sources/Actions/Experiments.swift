import Cluster
import Foundation
import Resources
import Workloads

/// Reading, waiting for and deleting Katib Experiments and their Trials through the API, from the objects and
/// status fields Katib writes: the same on kf-local and on a cluster.
public struct Experiments: Sendable {
    public let client: ClusterClient

    public init(client: ClusterClient) { self.client = client }

    static let katib = "Katib v0.19 (kubectl apply -k \"github.com/kubeflow/katib.git/manifests/v1beta1/installs/katib-standalone?ref=v0.19.0\")"

    /// Errors naming what to install when the cluster serves no Experiment, or not the trial's kind.
    static func requireKinds(_ client: ClusterClient, trialSpec: Value?) async throws {
        var needed = [(KatibExperiment.apiVersion, KatibExperiment.kind, katib)]
        // The trial's kind when a Kubeflow component serves it (batch/v1 Job is Kubernetes' own).
        if let apiVersion = trialSpec?["apiVersion"]?.text, let kind = trialSpec?["kind"]?.text, apiVersion.contains("kubeflow.org/") {
            needed.append((apiVersion, kind, TrainingJobs.component(for: kind)))
        }
        for (apiVersion, kind, component) in needed {
            do {
                _ = try await client.resource(apiVersion: apiVersion, kind: kind)
            } catch {
                if case .unknownKind = error { throw ActionError.kindNotInstalled(kind: kind, apiVersion: apiVersion, component: component) }
                throw error
            }
        }
    }

    private func reference(_ name: String, namespace: String?) -> ObjectReference {
        ObjectReference(apiVersion: KatibExperiment.apiVersion, kind: KatibExperiment.kind, name: name, namespace: namespace)
    }

    private func unlessUninstalled<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ClusterError {
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: KatibExperiment.kind, apiVersion: KatibExperiment.apiVersion, component: Self.katib)
            }
            throw error
        }
    }

    /// Every experiment in `namespace` ("" for all), oldest first.
    public func list(namespace: String?) async throws -> [ExperimentStatus] {
        let items = try await unlessUninstalled {
            try await client.list(apiVersion: KatibExperiment.apiVersion, kind: KatibExperiment.kind, namespace: namespace).items
        }
        return items.map(ExperimentStatus.init).sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
    }

    public func get(_ name: String, namespace: String?) async throws -> Value {
        let found = try await unlessUninstalled { try await client.get(reference(name, namespace: namespace)) }
        guard let found else { throw ActionError.experimentNotFound(name: name, namespace: namespace ?? client.config.namespace) }
        return found
    }

    /// The experiment's Trials (Katib labels each with the experiment's name), oldest first.
    public func trialObjects(of experiment: String, namespace: String?) async throws -> [Value] {
        let items = try await client.list(apiVersion: KatibExperiment.apiVersion, kind: KatibExperiment.trialKind, namespace: namespace,
                                          labelSelector: KatibExperiment.experimentLabel + "=" + experiment).items
        return items.sorted {
            let a = TrialStatus($0), b = TrialStatus($1)
            return (a.created ?? .distantPast, a.name) < (b.created ?? .distantPast, b.name)
        }
    }

    public func trials(of experiment: String, namespace: String?) async throws -> [TrialStatus] {
        try await trialObjects(of: experiment, namespace: namespace).map(TrialStatus.init)
    }

    /// Follows the experiment until it ends, calling `observe` whenever it or a trial changes. Returns its final
    /// state when it succeeded with a best trial; throws when it failed (Katib's reason and message), when it ended
    /// without any trial reporting the objective metric (with what the trials said), or at the timeout.
    /// Meanwhile a trial's Pod whose container waits for a reason that does not clear by itself is told once
    /// through `trouble`; on kf-local (`local`) an unmapped image ends the wait at once.
    public func wait(_ reference: ObjectReference, timeout: Duration, local: Bool = false,
                     trouble: @escaping @Sendable (String) -> Void = { _ in },
                     observe: @escaping @Sendable (TuneSnapshot) -> Void = { _ in }) async throws -> ExperimentStatus {
        let pods = PodWatch(workload: "experiment \(reference.name)", local: local, pods: { [self] in
            try await self.trialPods(of: reference.name, namespace: reference.namespace ?? client.config.namespace)
        }, report: trouble, interval: .seconds(2))
        return try await pods.during { try await self.follow(reference, timeout: timeout, observe: observe) }
    }

    /// The Pods of the experiment's trials: those whose trial, Job, training job or JobSet label names a trial.
    func trialPods(of experiment: String, namespace: String) async throws -> [Value] {
        let trials = Set(try await trialObjects(of: experiment, namespace: namespace).compactMap { $0[path: ["metadata", "name"]]?.text })
        guard !trials.isEmpty else { return [] }
        let keys = [KatibExperiment.trialLabel, "job-name", "training.kubeflow.org/job-name", "jobset.sigs.k8s.io/jobset-name"]
        return try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace).items.filter { pod in
            keys.contains { key in pod[path: ["metadata", "labels", key]]?.text.map(trials.contains) ?? false }
        }
    }

    private func follow(_ reference: ObjectReference, timeout: Duration,
                        observe: @escaping @Sendable (TuneSnapshot) -> Void) async throws -> ExperimentStatus {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: TuneSnapshot?
        while true {
            guard let object = try await client.get(reference) else {
                throw ActionError.experimentFailed(name: reference.name, reason: "", message: "it was deleted while kf waited")
            }
            let experiment = ExperimentStatus(object)
            let trials = try await self.trials(of: reference.name, namespace: reference.namespace)
            let snapshot = TuneSnapshot(experiment: experiment, trials: trials)
            if snapshot != last {
                observe(snapshot)
                last = snapshot
            }
            if experiment.phase == .failed {
                var message = experiment.message
                // The trial's own message (for missing metrics: the lines the collector saw and its regex), unless
                // Katib's message already quotes a trial.
                if let trial = trials.first(where: { $0.phase == .metricsUnavailable }) ?? trials.first(where: { $0.phase == .failed }),
                   !trials.contains(where: { message.contains($0.name) }) {
                    message += (message.isEmpty ? "" : "; ") + "trial \(trial.name) is \(trial.phase.rawValue)" + (trial.message.isEmpty ? "" : ": \(trial.message)")
                }
                throw ActionError.experimentFailed(name: reference.name, reason: experiment.reason, message: message)
            }
            if experiment.phase == .succeeded {
                guard experiment.bestValue != nil else {
                    throw ActionError.experimentWithoutResult(name: reference.name, metric: experiment.metric, detail: Self.whyNoResult(experiment, trials))
                }
                return experiment
            }
            if clock.now >= deadline {
                throw ActionError.experimentTimedOut(name: reference.name, seconds: Int(timeout.components.seconds),
                                                     phase: experiment.phase.rawValue, summary: Self.summary(experiment))
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// `4 of 12 trials succeeded, 2 running, 1 failed`.
    public static func summary(_ experiment: ExperimentStatus) -> String {
        let counts = experiment.counts
        var parts = ["\(counts.succeeded) of \(experiment.maxTrials.map(String.init) ?? "\(counts.trials)") trials succeeded"]
        for (count, word) in [(counts.running, "running"), (counts.pending, "pending"), (counts.failed, "failed"),
                              (counts.metricsUnavailable, "without metrics"), (counts.earlyStopped, "stopped early"), (counts.killed, "killed")] where count > 0 {
            parts.append("\(count) \(word)")
        }
        return parts.joined(separator: ", ")
    }

    /// What the trials say when none reported the objective: the first trial without metrics (Katib's message
    /// carries the collector's view), else the first failure.
    static func whyNoResult(_ experiment: ExperimentStatus, _ trials: [TrialStatus]) -> String {
        var detail = summary(experiment)
        if let trial = trials.first(where: { $0.phase == .metricsUnavailable }) ?? trials.first(where: { $0.phase == .failed }) {
            detail += "; trial \(trial.name) is \(trial.phase.rawValue)" + (trial.message.isEmpty ? "" : ": \(trial.message)")
        }
        if experiment.counts.metricsUnavailable > 0 || trials.contains(where: { $0.phase == .metricsUnavailable }) {
            detail += " (the trials must print lines such as `\(experiment.metric)=0.25` from the primary container, or match --metrics-format)"
        }
        return detail
    }

    /// Deletes the experiment; Katib's owner references remove its Suggestion, Trials and their resources.
    public func delete(_ name: String, namespace: String?) async throws {
        _ = try await unlessUninstalled { try await client.delete(reference(name, namespace: namespace), propagationPolicy: .background) }
    }

    /// Prints the primary container's log of one trial (the best one when `trial` is nil): the Pod Katib labels
    /// with the trial's name and primary Pod labels, else the Pods the trial's resource owns by its kind's labels.
    public func logs(experiment: String, trial: String?, namespace: String?, follow: Bool, tailLines: Int?,
                     emit: @escaping @Sendable (String) -> Void) async throws {
        let status = ExperimentStatus(try await get(experiment, namespace: namespace))
        guard let trialName = trial ?? status.best?.name else { throw ActionError.noBestTrial(experiment: experiment) }
        let objects = try await trialObjects(of: experiment, namespace: namespace)
        guard let object = objects.first(where: { $0[path: ["metadata", "name"]]?.text == trialName }) else {
            throw ActionError.trialNotFound(experiment: experiment, trial: trialName)
        }
        let chosen = TrialStatus(object)
        let primary = chosen.primaryPodLabels.map { "\($0.0)=\($0.1)" }
        var selectors = [([KatibExperiment.trialLabel + "=" + trialName] + primary).joined(separator: ",")]
        switch chosen.runKind {
        case "Job": selectors.append("job-name=" + trialName)
        case "TrainJob": selectors.append((["jobset.sigs.k8s.io/jobset-name=" + trialName] + primary).joined(separator: ","))
        default: selectors.append((["training.kubeflow.org/job-name=" + trialName] + primary).joined(separator: ","))
        }
        var pod: Value?
        var waited = 0
        while pod == nil {
            for selector in selectors {
                let pods = try await client.list(apiVersion: "v1", kind: "Pod", namespace: chosen.namespace, labelSelector: selector).items
                // As Katib's UI: a running or succeeded Pod, else a failed one.
                let phase = { (pod: Value) in pod[path: ["status", "phase"]]?.text ?? "" }
                if let found = pods.first(where: { ["Running", "Succeeded"].contains(phase($0)) }) ?? pods.first(where: { phase($0) == "Failed" })
                    ?? (follow ? pods.first : nil) {
                    pod = found
                    break
                }
            }
            if pod != nil { break }
            guard follow, !chosen.phase.isFinished, waited < 120 else {
                throw ActionError.noTrialPods(trial: trialName, selector: selectors.joined(separator: " or "))
            }
            try await Task.sleep(for: .milliseconds(500))
            waited += 1
        }
        guard let pod else { return }
        let containers = pod[path: ["spec", "containers"]]?.sequence?.compactMap { $0["name"]?.text } ?? []
        let container = containers.contains(chosen.primaryContainerName) ? chosen.primaryContainerName : containers.first
        let stream = client.logs(pod: pod[path: ["metadata", "name"]]?.text ?? "", namespace: chosen.namespace,
                                 options: LogOptions(container: container, follow: follow, tailLines: tailLines))
        for try await line in stream { emit(line) }
    }
}
