import Resources

/// What `kf train` is asked to run, as typed values: flags and kf.yaml defaults land here, are checked together,
/// and become a job manifest (TrainingManifests).
public struct TrainingSpec: Sendable, Equatable {
    /// Which kind of job: one of the Training Operator's, or a Trainer v2 TrainJob on a runtime.
    public enum Target: Sendable, Equatable {
        case operatorJob(TrainingFramework)
        /// `runtime` nil keeps the template's runtimeRef.
        case trainJob(runtime: String?)
    }

    public var name: String
    public var target: Target
    public var image: String?
    /// The command and its arguments, as given after `--`.
    public var command: [String]
    /// Processes in all, as the Training SDK counts them (see `replicas`).
    public var workers: Int
    public var parameterServers: Int?
    public var chief: Bool
    public var procsPerWorker: Int?
    public var cpu: String?
    public var memory: String?
    public var gpus: Int?
    public var env: [(name: String, value: String)]
    public var restartPolicy: TrainingRestartPolicy?
    public var backoffLimit: Int?
    public var activeDeadlineSeconds: Int?
    public var ttlSecondsAfterFinished: Int?
    public var cleanPodPolicy: CleanPodPolicy?
    /// PyTorch elastic training: the fewest and most Worker replicas.
    public var elastic: (min: Int, max: Int)?

    public init(name: String, target: Target, image: String?, command: [String], workers: Int = 1,
                parameterServers: Int? = nil, chief: Bool = false, procsPerWorker: Int? = nil, cpu: String? = nil,
                memory: String? = nil, gpus: Int? = nil, env: [(name: String, value: String)] = [],
                restartPolicy: TrainingRestartPolicy? = nil, backoffLimit: Int? = nil,
                activeDeadlineSeconds: Int? = nil, ttlSecondsAfterFinished: Int? = nil,
                cleanPodPolicy: CleanPodPolicy? = nil, elastic: (min: Int, max: Int)? = nil) {
        self.name = name
        self.target = target
        self.image = image
        self.command = command
        self.workers = workers
        self.parameterServers = parameterServers
        self.chief = chief
        self.procsPerWorker = procsPerWorker
        self.cpu = cpu
        self.memory = memory
        self.gpus = gpus
        self.env = env
        self.restartPolicy = restartPolicy
        self.backoffLimit = backoffLimit
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
        self.cleanPodPolicy = cleanPodPolicy
        self.elastic = elastic
    }

    public static func == (lhs: TrainingSpec, rhs: TrainingSpec) -> Bool {
        lhs.name == rhs.name && lhs.target == rhs.target && lhs.image == rhs.image && lhs.command == rhs.command
            && lhs.workers == rhs.workers && lhs.parameterServers == rhs.parameterServers && lhs.chief == rhs.chief
            && lhs.procsPerWorker == rhs.procsPerWorker && lhs.cpu == rhs.cpu && lhs.memory == rhs.memory
            && lhs.gpus == rhs.gpus && lhs.env.map { [$0.name, $0.value] } == rhs.env.map { [$0.name, $0.value] }
            && lhs.restartPolicy == rhs.restartPolicy && lhs.backoffLimit == rhs.backoffLimit
            && lhs.activeDeadlineSeconds == rhs.activeDeadlineSeconds
            && lhs.ttlSecondsAfterFinished == rhs.ttlSecondsAfterFinished && lhs.cleanPodPolicy == rhs.cleanPodPolicy
            && lhs.elastic?.min == rhs.elastic?.min && lhs.elastic?.max == rhs.elastic?.max
    }

    /// The kind's name, for messages.
    public var kind: String {
        switch target {
        case let .operatorJob(framework): return framework.kind
        case .trainJob: return "TrainJob"
        }
    }

    /// The replicas by replica type, in the order the manifest lists them. `workers` counts processes as the
    /// Training SDK does: PyTorch, XGBoost and Paddle get one Master and N−1 Workers (elastic PyTorch: N Workers
    /// and no Master); TensorFlow N Workers plus `--ps` PS and `--chief` one Chief; JAX N Workers; MPI one Launcher
    /// and N Workers.
    public var replicas: [(type: String, count: Int)] {
        guard case let .operatorJob(framework) = target else { return [("Node", workers)] }
        switch framework {
        case .pytorch where elastic != nil:
            return [("Worker", workers)]
        case .pytorch, .xgboost, .paddle:
            return workers > 1 ? [("Master", 1), ("Worker", workers - 1)] : [("Master", 1)]
        case .tensorflow:
            var result: [(String, Int)] = []
            if chief { result.append(("Chief", 1)) }
            if let ps = parameterServers, ps > 0 { result.append(("PS", ps)) }
            result.append(("Worker", workers))
            return result
        case .jax:
            return [("Worker", workers)]
        case .mpi:
            return [("Launcher", 1), ("Worker", workers)]
        }
    }

    /// Checks every value and every combination, naming the flag at fault; nothing is created before this passes.
    public func validate() throws(WorkloadsError) {
        if !KubernetesName.isDNS1035Label(name) {
            throw .invalidValue(flag: "NAME", value: name, expected:
                "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters), as the Training Operator requires of job names")
        }
        guard let image, !image.isEmpty else {
            throw .missing(flag: "--image", hint: "give the container image the replicas run (or set defaults.train.image in kf.yaml)")
        }
        if image.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            throw .invalidValue(flag: "--image", value: image, expected: "an image reference without spaces")
        }
        if command.isEmpty {
            throw .missing(flag: "COMMAND", hint: "give the command each replica runs after `--`, e.g. `kf train --image python:3.11 -- python train.py`")
        }
        if workers < 1 { throw .invalidValue(flag: "--workers", value: String(workers), expected: "at least 1") }
        try checkCounts()
        try checkResources()
        try checkKindSpecific()
        for variable in env where !Self.isEnvName(variable.name) {
            throw .invalidValue(flag: "--env", value: variable.name + "=" + variable.value, expected:
                "NAME=VALUE with NAME made of letters, digits, '_', '-' or '.', not starting with a digit")
        }
    }

    private func checkCounts() throws(WorkloadsError) {
        let counts: [(String, Int?, Int)] = [("--ps", parameterServers, 0), ("--procs-per-worker", procsPerWorker, 1),
                                              ("--gpus", gpus, 0), ("--backoff-limit", backoffLimit, 0),
                                              ("--active-deadline", activeDeadlineSeconds, 1), ("--ttl", ttlSecondsAfterFinished, 0)]
        for (flag, value, minimum) in counts {
            if let value, value < minimum {
                throw .invalidValue(flag: flag, value: String(value), expected: "an integer of at least \(minimum)")
            }
        }
    }

    private func checkResources() throws(WorkloadsError) {
        for (flag, value) in [("--cpu", cpu), ("--memory", memory)] {
            guard let value else { continue }
            guard let quantity = Quantity(value), quantity.amount > 0 else {
                throw .invalidValue(flag: flag, value: value, expected: "a positive Kubernetes quantity such as 500m, 2 or 4Gi")
            }
        }
    }

    private func checkKindSpecific() throws(WorkloadsError) {
        let framework: TrainingFramework?
        if case let .operatorJob(chosen) = target { framework = chosen } else { framework = nil }
        if parameterServers != nil && framework != .tensorflow {
            throw .notApplicable(flag: "--ps", kind: kind, hint: "parameter servers exist only in TFJob (--framework tensorflow)")
        }
        if chief && framework != .tensorflow {
            throw .notApplicable(flag: "--chief", kind: kind, hint: "a Chief replica exists only in TFJob (--framework tensorflow)")
        }
        if elastic != nil && framework != .pytorch {
            throw .notApplicable(flag: "--elastic", kind: kind, hint: "elastic training is PyTorchJob's elasticPolicy (--framework pytorch)")
        }
        if procsPerWorker != nil, let framework, ![.pytorch, .mpi].contains(framework) {
            throw .notApplicable(flag: "--procs-per-worker", kind: kind, hint:
                "processes per worker are PyTorchJob's nprocPerNode, MPIJob's slotsPerWorker and TrainJob's numProcPerNode")
        }
        if let elastic {
            guard elastic.min >= 1, elastic.min <= elastic.max else {
                throw .invalidValue(flag: "--elastic", value: "\(elastic.min):\(elastic.max)", expected: "MIN:MAX with 1 <= MIN <= MAX")
            }
            guard (elastic.min...elastic.max).contains(workers) else {
                throw .invalidValue(flag: "--workers", value: String(workers), expected:
                    "a count between the --elastic bounds \(elastic.min) and \(elastic.max)")
            }
        }
        if framework == nil {
            let operatorOnly: [(String, Bool)] = [("--restart-policy", restartPolicy != nil), ("--backoff-limit", backoffLimit != nil),
                                                  ("--ttl", ttlSecondsAfterFinished != nil), ("--clean-pod-policy", cleanPodPolicy != nil)]
            for (flag, given) in operatorOnly where given {
                throw .notApplicable(flag: flag, kind: kind, hint: "a TrainJob takes these from its training runtime; set them there")
            }
        }
    }

    static func isEnvName(_ text: String) -> Bool {
        guard let first = text.first, !(first.isASCII && first.isNumber) else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}
