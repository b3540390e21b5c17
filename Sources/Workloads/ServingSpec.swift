import Resources

/// The model formats `kf serve --format` takes: KServe's `predictor.model.modelFormat.name` values with a built-in
/// serving runtime (config/runtimes of KServe v0.20).
public enum ModelFormat: String, CaseIterable, Sendable {
    case sklearn, xgboost, lightgbm, onnx, tensorflow, pytorch, huggingface

    /// KServe's built-in runtime that serves the format (the one it picks when `--runtime` is not given).
    public var defaultRuntime: String {
        switch self {
        case .sklearn: return "kserve-sklearnserver"
        case .xgboost: return "kserve-xgbserver"
        case .lightgbm: return "kserve-lgbserver"
        case .onnx: return "kserve-tritonserver"
        case .tensorflow: return "kserve-tensorflow-serving"
        case .pytorch: return "kserve-torchserve"
        case .huggingface: return "kserve-huggingfaceserver"
        }
    }
}

/// The inference protocols: KServe's V1 (`/v1/models/NAME:predict`) and the Open Inference Protocol V2
/// (`/v2/models/NAME/infer`).
public enum InferenceProtocol: String, CaseIterable, Sendable {
    case v1, v2
}

/// How KServe deploys the predictor. KServe v0.20 calls them Knative and Standard and still accepts the older
/// names Serverless and RawDeployment for them; kf writes Serverless and Standard.
public enum DeploymentMode: String, CaseIterable, Sendable {
    case serverless = "Serverless", standard = "Standard"

    /// The annotation that chooses it (and the value KServe writes in `status.deploymentMode`).
    public static let annotation = "serving.kserve.io/deploymentMode"

    /// Any name KServe v0.20 accepts: Serverless or Knative, Standard or RawDeployment.
    public init?(name: String) {
        switch name {
        case "Serverless", "Knative": self = .serverless
        case "Standard", "RawDeployment": self = .standard
        default: return nil
        }
    }

    /// KServe v0.20's default when neither the annotation nor the cluster's configuration says otherwise.
    public static let kserveDefault = DeploymentMode.standard
}

/// Where the model comes from: a registry reference (`MODEL@VERSION`, `MODEL#STAGE`), resolved to the artifact's
/// URI before anything is rendered, or a storage URI given as is.
public enum ModelSource: Sendable, Equatable {
    case registry(reference: String)
    case storageURI(String)
}

/// What `kf serve` is asked to deploy, as typed values: flags and kf.yaml defaults land here, are checked together,
/// and become an InferenceService (ServingManifests).
public struct ServingSpec: Sendable, Equatable {
    public var name: String
    public var source: ModelSource
    public var format: ModelFormat
    /// A ServingRuntime or ClusterServingRuntime name; nil lets KServe pick one that supports the format.
    public var runtime: String?
    public var protocolVersion: InferenceProtocol?
    /// The share of traffic (0-100) the new predictor gets while the current one keeps the rest.
    public var canaryPercent: Int?
    public var minReplicas: Int?
    public var maxReplicas: Int?
    public var cpu: String?
    public var memory: String?
    /// nil keeps the cluster's default (or, on an update, the service's mode).
    public var deploymentMode: DeploymentMode?

    public init(name: String, source: ModelSource, format: ModelFormat, runtime: String? = nil,
                protocolVersion: InferenceProtocol? = nil, canaryPercent: Int? = nil, minReplicas: Int? = nil,
                maxReplicas: Int? = nil, cpu: String? = nil, memory: String? = nil, deploymentMode: DeploymentMode? = nil) {
        self.name = name
        self.source = source
        self.format = format
        self.runtime = runtime
        self.protocolVersion = protocolVersion
        self.canaryPercent = canaryPercent
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.cpu = cpu
        self.memory = memory
        self.deploymentMode = deploymentMode
    }

    /// The URI schemes KServe's storage initializer reads (v0.20).
    public static let storageSchemes = ["gs", "s3", "hdfs", "webhdfs", "http", "https", "file", "pvc", "oci", "oci+native", "hf"]

    /// Checks every value and every combination, naming the flag at fault; nothing is created before this passes.
    public func validate() throws(WorkloadsError) {
        if !KubernetesName.isDNS1035Label(name) {
            throw .invalidValue(flag: "NAME", value: name, expected:
                "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters), as KServe requires of InferenceService names")
        }
        switch source {
        case let .registry(reference):
            guard Self.registryReference(reference) != nil else {
                throw .invalidValue(flag: "--model", value: reference, expected:
                    "MODEL@VERSION (such as digits@v0.0.2) or MODEL#STAGE (such as digits#prod), a version in kf's registry")
            }
        case let .storageURI(uri):
            try Self.checkStorageURI(uri)
        }
        if let runtime, !Self.isDNS1123Subdomain(runtime) {
            throw .invalidValue(flag: "--runtime", value: runtime, expected:
                "the name of a ServingRuntime or ClusterServingRuntime (lower-case letters, digits, '-' and '.')")
        }
        if let canaryPercent, !(0...100).contains(canaryPercent) {
            throw .invalidValue(flag: "--canary", value: String(canaryPercent), expected: "a percentage from 0 to 100")
        }
        if let minReplicas, minReplicas < 0 {
            throw .invalidValue(flag: "--min-replicas", value: String(minReplicas), expected: "an integer of at least 0")
        }
        if let maxReplicas, maxReplicas < 1 {
            throw .invalidValue(flag: "--max-replicas", value: String(maxReplicas), expected: "an integer of at least 1")
        }
        if let minReplicas, let maxReplicas, minReplicas > maxReplicas {
            throw .invalidValue(flag: "--max-replicas", value: String(maxReplicas), expected:
                "at least --min-replicas (\(minReplicas))")
        }
        for (flag, value) in [("--cpu", cpu), ("--memory", memory)] {
            guard let value else { continue }
            guard let quantity = Quantity(value), quantity.amount > 0 else {
                throw .invalidValue(flag: flag, value: value, expected: "a positive Kubernetes quantity such as 500m, 2 or 4Gi")
            }
        }
    }

    /// `MODEL@VERSION` or `MODEL#STAGE` split at its first `@` or `#`, when both sides are present.
    public static func registryReference(_ text: String) -> (model: String, selector: Character, value: String)? {
        guard let index = text.firstIndex(where: { $0 == "@" || $0 == "#" }) else { return nil }
        let model = String(text[..<index])
        let value = String(text[text.index(after: index)...])
        guard !model.isEmpty, !value.isEmpty, !value.contains("@"), !value.contains("#"),
              !text.contains(where: { $0.isWhitespace }) else { return nil }
        return (model, text[index], value)
    }

    /// A URI in one of KServe's schemes (`s3://bucket/key`, `pvc://claim/path`, ...). A plain path is left to the
    /// caller, which knows whether the cluster can read this machine's files.
    static func checkStorageURI(_ uri: String) throws(WorkloadsError) {
        if uri.isEmpty || uri.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw .invalidValue(flag: "--storage-uri", value: uri, expected: "a URI without spaces, such as s3://bucket/models/digits")
        }
        guard let range = uri.range(of: "://") else { return }
        let scheme = String(uri[..<range.lowerBound]).lowercased()
        guard storageSchemes.contains(scheme) else {
            throw .invalidValue(flag: "--storage-uri", value: uri, expected:
                "a scheme KServe's storage initializer reads: " + storageSchemes.map { $0 + "://" }.joined(separator: ", "))
        }
        if uri[range.upperBound...].isEmpty {
            throw .invalidValue(flag: "--storage-uri", value: uri, expected: "a location after \(scheme)://")
        }
    }

    static func isDNS1123Subdomain(_ text: String) -> Bool { KubernetesName.isDNS1123Subdomain(text) }
}
