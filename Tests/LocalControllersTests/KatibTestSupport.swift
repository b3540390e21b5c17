import Cluster
import Foundation
import LocalControllers
import LocalRuntime
import Project
import Resources
import Workloads
import Testing

/// Katib Experiments on a real kf-local: Katib's CRDs (templates/crds) installed, the Job and Katib controllers
/// running, and the node agent running trial Pods as processes (busybox maps to the machine's sh).
extension ControllerHarness {
    static let katibMakers: [ControllerMaker] = [
        JobController.make, ExperimentController.make, SuggestionController.make, TrialController.make,
    ]

    /// With `training`, the Training Operator kinds' controllers and CRDs too (trials of kind PyTorchJob...).
    static func katib(training: Bool = false) async throws -> ControllerHarness {
        let agent = NodeAgent(options: NodeAgent.Options(images: [ImageMapping(match: "busybox", cmd: ["sh"])],
                                                         backoffBase: 0.5, backoffMax: 2, volumeRefreshSeconds: 1))
        let harness = try await ControllerHarness(makers: katibMakers + (training ? TrainingJobController.makers : []), agents: [agent])
        for plural in ["experiments", "suggestions", "trials"] + (training ? ["pytorchjobs"] : []) {
            let url = packageRoot.appendingPathComponent("templates/crds/kubeflow.org_\(plural).yaml")
            try await harness.create(try String(contentsOf: url, encoding: .utf8))
        }
        let kinds = [(KatibExperiment.apiVersion, "Experiment"), (KatibExperiment.apiVersion, "Suggestion"), (KatibExperiment.apiVersion, "Trial")]
            + (training ? [(TrainingKind.apiVersion, "PyTorchJob")] : [])
        for (apiVersion, kind) in kinds {
            _ = try await eventually(10) {
                await harness.client.discovery.invalidate()
                return (try? await harness.client.list(apiVersion: apiVersion, kind: kind, namespace: "default")) != nil
            }
        }
        return harness
    }

    func experiment(_ name: String) async throws -> Value? { try await get(KatibExperiment.apiVersion, "Experiment", name) }

    /// The Experiment's trials in the order they were suggested (the Suggestion's list; creation timestamps have
    /// only seconds).
    func trials(_ experiment: String) async throws -> [Value] {
        let suggested = (try await get(KatibExperiment.apiVersion, "Suggestion", experiment)?[path: ["status", "suggestions"]]?.sequence ?? [])
            .compactMap { $0.field("name") }
        func rank(_ trial: Value) -> Int { suggested.firstIndex(of: KatibTests.name(trial)) ?? Int.max }
        return try await list(KatibExperiment.apiVersion, "Trial", selector: "\(KatibExperiment.experimentLabel)=\(experiment)")
            .sorted { (rank($0), KatibTests.name($0)) < (rank($1), KatibTests.name($1)) }
    }

    /// Waits until the Experiment has a finishing condition (Succeeded or Failed) and returns it.
    func finished(_ name: String, seconds: Double = 30) async throws -> Value {
        var last: Value?
        let done = try await eventually(seconds) {
            last = try await experiment(name)
            return last.map { KatibTests.isTrue($0, "Succeeded") || KatibTests.isTrue($0, "Failed") } ?? false
        }
        #expect(done, "Experiment \(name) did not finish: \(last.map { JSON.string($0["status"] ?? .null) } ?? "absent")")
        return try #require(last)
    }
}

func withKatib(training: Bool = false, _ body: (ControllerHarness) async throws -> Void) async throws {
    let harness = try await ControllerHarness.katib(training: training)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

extension Value {
    static var null: Value { .scalar(Scalar("null", tag: .null)) }
}

enum KatibTests {
    static func name(_ object: Value) -> String { object.field("metadata", "name") ?? "" }

    static func condition(_ object: Value, _ type: String) -> Value? {
        (object[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type }
    }

    static func isTrue(_ object: Value, _ type: String) -> Bool { condition(object, type)?.field("status") == "True" }

    /// The trial's parameter assignments as `name=value` joined by commas.
    static func assignment(_ trial: Value) -> String {
        (trial[path: ["spec", "parameterAssignments"]]?.sequence ?? []).map {
            "\($0.field("name") ?? "")=\($0.field("value") ?? "")"
        }.joined(separator: ",")
    }

    /// The latest value of a metric in a trial's observation.
    static func latest(_ trial: Value, _ metric: String = "loss") -> Double? {
        (trial[path: ["status", "observation", "metrics"]]?.sequence ?? []).first { $0.field("name") == metric }?
            .field("latest").flatMap(Double.init)
    }

    /// An Experiment whose trials are Jobs of one busybox container named `training` running `script` with sh -c.
    /// `parameters` and `extra` are YAML lines at the spec's indentation.
    static func experiment(_ name: String, algorithm: String, settings: [(String, String)] = [],
                           objective: String = "minimize", goal: Double? = nil,
                           parameters: String, trialParameters: [String], script: String,
                           parallel: Int, maxTrials: Int, maxFailed: Int? = nil, extra: String = "",
                           retain: Bool = false, backoffLimit: Int = 0) -> String {
        let settingsYAML = settings.isEmpty ? "[]" : "[" + settings.map { "{name: \($0.0), value: \"\($0.1)\"}" }.joined(separator: ", ") + "]"
        let trialParametersYAML = trialParameters.map { "      - {name: \($0), reference: \($0)}" }.joined(separator: "\n")
        let quoted = script.replacingOccurrences(of: "'", with: "''")
        return """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata: {name: \(name), namespace: default}
        spec:
          objective:
            type: \(objective)
            objectiveMetricName: loss
        \(goal.map { "    goal: \($0)" } ?? "")
          algorithm:
            algorithmName: \(algorithm)
            algorithmSettings: \(settingsYAML)
          parallelTrialCount: \(parallel)
          maxTrialCount: \(maxTrials)
        \(maxFailed.map { "  maxFailedTrialCount: \($0)" } ?? "")
          parameters:
        \(parameters)
        \(extra)
          trialTemplate:
            retain: \(retain)
            primaryContainerName: training
            trialParameters:
        \(trialParametersYAML)
            trialSpec:
              apiVersion: batch/v1
              kind: Job
              spec:
                backoffLimit: \(backoffLimit)
                template:
                  spec:
                    restartPolicy: Never
                    containers:
                    - name: training
                      image: busybox
                      command: [sh, -c, '\(quoted)']
        """
    }
}
