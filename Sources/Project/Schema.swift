/// The shape of a value in kf.yaml: what the loader accepts and what the error says was expected.
indirect enum ValueType: Sendable {
    case string
    /// A string matching a rule, with the rule's wording for errors.
    case pattern(Rule)
    case integer(minimum: Int)
    case boolean
    /// One of a fixed set of strings.
    case oneOf([String])
    /// A Kubernetes resource quantity ("500m", "2", "1Gi"); YAML integers are accepted.
    case quantity
    case list(of: ValueType)
    case mapping([Field])

    var expected: String {
        switch self {
        case .string: return "a string"
        case let .pattern(rule): return rule.description
        case let .integer(minimum): return "an integer of at least \(minimum)"
        case .boolean: return "true or false"
        case let .oneOf(values): return "one of " + values.joined(separator: ", ")
        case .quantity: return "a Kubernetes quantity such as 500m, 2 or 4Gi"
        case let .list(element): return "a list of \(element.expectedNoun)"
        case .mapping: return "a mapping"
        }
    }

    private var expectedNoun: String {
        switch self {
        case .string: return "strings"
        case let .pattern(rule): return rule.plural
        default: return "values (each \(expected))"
        }
    }
}

/// A named check on a string, e.g. a DNS-1123 label.
struct Rule: Sendable {
    let description: String
    let plural: String
    let accepts: @Sendable (String) -> Bool

    static let dnsLabel = Rule(
        description: "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
        plural: "DNS-1123 labels",
        accepts: { text in
            guard (1...63).contains(text.count), let first = text.first, let last = text.last else { return false }
            let allowed = text.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
            return allowed && first != "-" && last != "-"
        })

    /// GTO's stage names: the same pattern as artifact names.
    static let stageName = Rule(
        description: "a stage name (letters, digits, '-', '_' or '/', starting and ending with a letter or digit)",
        plural: "stage names",
        accepts: { text in
            guard let first = text.first, let last = text.last else { return false }
            func alnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
            return alnum(first) && alnum(last)
                && text.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" || $0 == "/" }
        })

    static let nonEmpty = Rule(description: "a non-empty string", plural: "non-empty strings",
                               accepts: { !$0.isEmpty })
}

/// One key of a mapping in kf.yaml.
struct Field: Sendable {
    let name: String
    let type: ValueType
    let required: Bool
    let doc: String

    init(_ name: String, _ type: ValueType, required: Bool = false, _ doc: String) {
        self.name = name
        self.type = type
        self.required = required
        self.doc = doc
    }
}

/// The kf.yaml schema, version kf.dev/v1alpha1. Each field's doc is what `docs/kf-yaml.md` says of it.
enum ProjectSchema {
    static let apiVersion = "kf.dev/v1alpha1"
    static let kind = "Project"

    static let frameworks = ["pytorch", "tensorflow", "xgboost", "mpi", "jax", "paddle"]
    static let algorithms = ["random", "grid", "sobol", "tpe", "multivariate-tpe", "bayesianoptimization",
                             "cmaes", "hyperband"]
    static let formats = ["sklearn", "xgboost", "lightgbm", "onnx", "tensorflow", "pytorch", "huggingface"]

    static let root: [Field] = [
        Field("apiVersion", .oneOf([apiVersion]), required: true, "The schema version of this file."),
        Field("kind", .oneOf([kind]), required: true, "Always Project."),
        Field("name", .pattern(.dnsLabel), required: true, "The project's name."),
        Field("namespace", .pattern(.dnsLabel), "The Kubernetes namespace kf works in (default: the name)."),
        Field("context", .pattern(.nonEmpty), "The kubeconfig context kf talks to (default: kf-local)."),
        Field("environment", .pattern(.dnsLabel), "The overlay under manifests/overlays that `kf apply` uses by default."),
        Field("registry", .mapping([
            Field("remote", .pattern(.nonEmpty), "The git remote (name or URL) that `kf version --push` pushes to."),
            Field("stages", .list(of: .pattern(.stageName)), "The stages models may be promoted to."),
        ]), "The git-backed model registry."),
        Field("defaults", .mapping([
            Field("train", .mapping([
                Field("framework", .oneOf(frameworks), "Training framework."),
                Field("image", .pattern(.nonEmpty), "Container image of the training replicas."),
                Field("workers", .integer(minimum: 1), "Processes in all, as the Training SDK counts them."),
                Field("cpu", .quantity, "CPU per replica."),
                Field("memory", .quantity, "Memory per replica."),
                Field("gpus", .integer(minimum: 0), "GPUs per replica."),
                Field("outputDir", .pattern(.nonEmpty),
                      "For `kf train --register` off kf-local: a folder the cluster's Pods and this machine both see at this path."),
            ]), "Defaults of `kf train`."),
            Field("tune", .mapping([
                Field("algorithm", .oneOf(algorithms), "Katib suggestion algorithm."),
                Field("maxTrials", .integer(minimum: 1), "Trials in all."),
                Field("parallel", .integer(minimum: 1), "Trials running at once."),
                Field("maxFailed", .integer(minimum: 0), "Failed trials that stop the experiment."),
            ]), "Defaults of `kf tune`."),
            Field("serve", .mapping([
                Field("format", .oneOf(formats), "Model format."),
                Field("runtime", .pattern(.nonEmpty), "Serving runtime name."),
                Field("protocol", .oneOf(["v1", "v2"]), "Inference protocol."),
                Field("deploymentMode", .oneOf(["Serverless", "Standard"]), "KServe deployment mode."),
                Field("minReplicas", .integer(minimum: 0), "Fewest predictor replicas."),
                Field("maxReplicas", .integer(minimum: 1), "Most predictor replicas."),
            ]), "Defaults of `kf serve`."),
            Field("pipeline", .mapping([
                Field("parallel", .integer(minimum: 1), "Tasks running at once."),
                Field("cache", .boolean, "Whether unchanged tasks reuse their outputs."),
                Field("endpoint", .pattern(.nonEmpty), "URL of a KFP API server."),
            ]), "Defaults of `kf pipeline`."),
        ]), "Per-command defaults; flags override them."),
        Field("local", .mapping([
            Field("images", .list(of: .mapping(imageFields)),
                  "How kf-local runs each image as local processes (docs/kf-local.md, Runtime). A Pod whose image matches no entry never runs: it waits with reason ErrImageNeverPull."),
        ]), "Settings of kf-local, the project's own Kubernetes API and node."),
    ]

    /// One entry of `local.images`.
    static let imageFields: [Field] = [
        Field("match", .pattern(.nonEmpty), required: true,
              "A glob over the Pod's image reference (`python:*`, `*/busybox:*`); without a tag it matches every tag."),
        Field("venv", .pattern(.nonEmpty), "A virtual environment (relative to the project root) whose bin/ goes first on PATH."),
        Field("workingDir", .pattern(.nonEmpty), "The working directory when the container sets none (relative to the project root; default: the root)."),
        Field("entrypoint", .list(of: .string), "The image's ENTRYPOINT, used when the container sets no command."),
        Field("cmd", .list(of: .string), "The image's CMD, used when the container sets neither command nor args."),
    ]
}
