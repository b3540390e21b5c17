import Cluster
import Foundation
import Registry
import Resources
import Workloads

/// `kf tune --register MODEL`: each trial gets its own KF_OUTPUT_DIR (`<experiment folder>/<trial name>`, through a
/// trial parameter referencing `${trialSpec.Name}`); once the experiment succeeds, what the best trial wrote there
/// is registered as a version of MODEL through `RegisterAction` (as `kf train --register` does), with its sha256,
/// the best trial's parameter assignments as params, its observation as metrics, and its lineage (experiment,
/// trial, namespace, image, command).
public struct TuneRegistration: Sendable {
    /// The trial parameter that carries each trial's name into its KF_OUTPUT_DIR.
    public static let trialNameParameter = "kfTrialName"

    public var model: String

    public init(model: String) { self.model = model }

    /// The spec with KF_OUTPUT_DIR set to `folder/<trial name>` in every trial.
    static func outputSpec(_ spec: TuningSpec, folder: String) -> TuningSpec {
        var spec = spec
        spec.metaParameters.removeAll { $0.name == trialNameParameter }
        spec.metaParameters.append((trialNameParameter, "${trialSpec.Name}"))
        spec.env.removeAll { $0.name == TrainRegistration.outputVariable }
        spec.env.append((TrainRegistration.outputVariable, folder + "/${trialParameters.\(trialNameParameter)}"))
        return spec
    }

    /// Registers the best trial's artifact (from `folder/<best trial>`) in the registry around `directory`.
    /// `experiment` is the Experiment as created (its metric strategies say which value of each metric counts).
    func register(experiment: Value, final: ExperimentStatus, spec: TuningSpec, folder: String,
                  directory: String) throws -> TrainRegistration.Result {
        guard let best = final.best else {
            throw ActionError.experimentWithoutResult(name: final.name, metric: final.metric, detail: "it has no best trial to register")
        }
        let trialFolder = folder + "/" + best.name
        let artifact = try TrainRegistration.artifact(in: trialFolder, producer: "the best trial \(best.name) of experiment \(final.name)")
        let strategies = KatibExperiment.defaulted(experiment["spec"] ?? .mapping(Mapping()))[path: ["objective", "metricStrategies"]]?.sequence ?? []
        let metrics: [(String, String)] = best.metrics.compactMap { observation in
            let strategy = strategies.first { $0["name"]?.text == observation.name }?["value"]?.text ?? "latest"
            let value = observation.value(strategy: strategy)
            return value == KatibExperiment.unavailable ? nil : (observation.name, value)
        }
        var substitutions = best.parameters.map { (name: $0.name, value: $0.value) }
        substitutions.append((Self.trialNameParameter, best.name))
        let command = spec.command.map { word in
            substitutions.reduce(word) { $0.replacingOccurrences(of: "${trialParameters.\($1.name)}", with: $1.value) }
        }
        let lineage: [(String, String)] = [
            ("experiment", final.name), ("trial", best.name), ("namespace", final.namespace),
            ("algorithm", final.algorithm), ("image", spec.image ?? ""), ("command", TrainRegistration.shellWords(command)),
        ]
        let params = best.parameters.map { ($0.name, $0.value) }
        let metadata = VersionMetadata(type: "model", metrics: metrics, params: params, lineage: lineage)
        let request = ModelRegistry.RegisterRequest(name: model, ref: "HEAD", version: nil, bump: nil, message: nil, metadata: metadata)
        let output = try RegisterAction(request: request, path: artifact, push: false)
            .run(try RegistryLocation.open(repo: nil, directory: directory))
        return TrainRegistration.Result(artifact: artifact, metrics: metrics, lines: output.notes.map { "note: " + $0 } + output.lines)
    }
}
