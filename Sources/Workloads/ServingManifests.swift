import Resources
import Templates

/// How a new predictor is rolled out beside the one serving now.
public enum CanaryRollout: Sendable, Equatable {
    /// Serverless (Knative) mode: `spec.predictor.canaryTrafficPercent`; KServe gives the new revision `percent`
    /// and the previously rolled-out revision the rest.
    case serverless(percent: Int)
    /// Standard mode (KServe v0.20's `spec.canary[]`): `stable` (the predictor serving now) stays as
    /// `spec.predictor`; the new predictor, named `name`, gets `percent` of the traffic.
    case standard(percent: Int, name: String, stable: Value)
}

/// The manifests of one InferenceService, kustomize-style: kf's base (from templates/serve/inferenceservice, copied
/// into the project once) and an overlay kf writes from the service's typed values. Both are plain kustomize, so
/// `kubectl kustomize manifests/serve/NAME` builds the same InferenceService as kf does.
public struct ServingManifests: Sendable {
    public static let apiVersion = "serving.kserve.io/v1beta1"
    public static let kind = "InferenceService"
    /// The annotations kf records the model's registry reference and the version it resolved to in.
    public static let modelReferenceAnnotation = "kf.dev/model-reference"
    public static let modelVersionAnnotation = "kf.dev/model-version"

    public let spec: ServingSpec
    /// The model's URI as the cluster will read it (a registry reference already resolved).
    public let storageURI: String
    /// The registry version the URI came from (`digits@v0.0.2`), recorded as an annotation.
    public var resolvedVersion: String?
    public var canary: CanaryRollout?

    public init(spec: ServingSpec, storageURI: String, resolvedVersion: String? = nil, canary: CanaryRollout? = nil) {
        self.spec = spec
        self.storageURI = storageURI
        self.resolvedVersion = resolvedVersion
        self.canary = canary
    }

    /// The base's folder, relative to the project's `manifests/` folder.
    public var baseFolder: String { "serve/base/inferenceservice" }
    /// The service's overlay folder, relative to the project's `manifests/` folder.
    public var overlayFolder: String { "serve/" + spec.name }
    /// The base's folder under `templates/`.
    public var templateFolder: String { "serve/inferenceservice" }

    private var base: KustomizeBase {
        KustomizeBase(apiVersion: Self.apiVersion, kind: Self.kind, templateFolder: templateFolder, baseFolder: baseFolder,
                      overlayFolder: overlayFolder)
    }

    /// The base's files by name: the project's override in `templates/serve/inferenceservice/` when it has one,
    /// else kf's own.
    public func baseFiles(from store: TemplateStore) throws -> [String: String] { try base.baseFiles(from: store) }

    /// The name of the InferenceService in the base: the overlay's patches target it.
    public func baseServiceName(baseFiles: [String: String]) throws -> String { try base.baseName(baseFiles: baseFiles) }

    /// The overlay's files (`kustomization.yaml`, `inferenceservice.yaml`) for a base whose service is `baseName`.
    public func overlayFiles(baseName: String) throws -> [(name: String, text: String)] {
        let header = "# Written by `kf serve \(spec.name)`: this service's values over the InferenceService base in ../base/inferenceservice.\n"
        return [("kustomization.yaml", try base.kustomization(baseName: baseName, name: spec.name, patchFile: "inferenceservice.yaml",
                                                              header: header)),
                ("inferenceservice.yaml", try KustomizeEmitter.string(try patch(baseName: baseName)))]
    }

    /// Builds the InferenceService from the base's files and the overlay, in memory, as `kf build` would.
    public func build(baseFiles: [String: String]) throws -> Value {
        let baseName = try baseServiceName(baseFiles: baseFiles)
        return try base.build(baseFiles: baseFiles, overlayFiles: try overlayFiles(baseName: baseName))
    }

    // MARK: The patch

    /// The patch holding every value the service sets. Custom resources merge as JSON merge patches: maps merge
    /// with the base's, lists replace.
    func patch(baseName: String) throws -> Value {
        var annotations = Mapping()
        if let mode = spec.deploymentMode { annotations[DeploymentMode.annotation] = .string(mode.rawValue) }
        if case let .registry(reference) = spec.source { annotations[Self.modelReferenceAnnotation] = .string(reference) }
        if let resolvedVersion { annotations[Self.modelVersionAnnotation] = .string(resolvedVersion) }
        var metadata = Mapping([("name", .string(baseName))])
        if !annotations.isEmpty { metadata["annotations"] = .mapping(annotations) }
        var serviceSpec = Mapping()
        switch canary {
        case nil:
            serviceSpec["predictor"] = predictor(canaryPercent: nil)
        case let .serverless(percent):
            serviceSpec["predictor"] = predictor(canaryPercent: percent)
        case let .standard(percent, name, stable):
            serviceSpec["predictor"] = stable
            var canaryPredictor = Mapping([("name", .string(name))])
            // The canary's model is a container whose name the CRD requires (KServe's own name for it).
            var canaryModel = model().mapping ?? Mapping()
            canaryModel["name"] = .string("kserve-container")
            canaryPredictor["model"] = .mapping(canaryModel)
            serviceSpec["canary"] = .sequence([.mapping(Mapping([
                ("trafficPercent", .int(percent)), ("predictor", .mapping(canaryPredictor)),
            ]))])
        }
        return .mapping(Mapping([
            ("apiVersion", .string(Self.apiVersion)),
            ("kind", .string(Self.kind)),
            ("metadata", .mapping(metadata)),
            ("spec", .mapping(serviceSpec)),
        ]))
    }

    /// `spec.predictor` for the new model: replicas, the Serverless canary share, and the model.
    func predictor(canaryPercent: Int?) -> Value {
        var predictor = Mapping()
        if let minimum = spec.minReplicas { predictor["minReplicas"] = .int(minimum) }
        if let maximum = spec.maxReplicas { predictor["maxReplicas"] = .int(maximum) }
        if let canaryPercent { predictor["canaryTrafficPercent"] = .int(canaryPercent) }
        predictor["model"] = model()
        return .mapping(predictor)
    }

    /// `predictor.model`: format, runtime, storage URI, protocol and resources.
    func model() -> Value {
        var model = Mapping([("modelFormat", .mapping(Mapping([("name", .string(spec.format.rawValue))])))])
        if let runtime = spec.runtime { model["runtime"] = .string(runtime) }
        model["storageUri"] = .string(storageURI)
        if let version = spec.protocolVersion { model["protocolVersion"] = .string(version.rawValue) }
        var amounts = Mapping()
        if let cpu = spec.cpu { amounts["cpu"] = .string(cpu) }
        if let memory = spec.memory { amounts["memory"] = .string(memory) }
        if !amounts.isEmpty {
            // Requests and limits alike: the scheduler and the runtime see the same figures.
            model["resources"] = .mapping(Mapping([("limits", .mapping(amounts)), ("requests", .mapping(amounts))]))
        }
        return .mapping(model)
    }
}
