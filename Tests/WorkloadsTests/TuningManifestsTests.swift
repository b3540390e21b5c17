import Foundation
import Manifests
import Resources
import Templates
import Testing
import Tuning
@testable import Workloads

@Suite struct TuningManifestsTests {
    static func build(_ spec: TuningSpec) throws -> Value {
        let manifests = TuningManifests(spec: spec)
        let store = TemplateStore(projectRoot: nil)
        return try manifests.build(baseFiles: try manifests.baseFiles(from: store), trialSpec: try manifests.trialSpec(store: store))
    }

    /// Each algorithm over a search space Katib allows for it.
    static let searches: [(String, [String], [AlgorithmSetting])] = [
        ("random", ["lr=double:0.001:0.1:log", "layers=int:1:5", "opt=categorical:adam,sgd", "m=discrete:0.5,0.9"], [AlgorithmSetting(name: "random_state", value: "7")]),
        ("grid", ["lr=double:0.01:0.05:0.01", "layers=int:1:3", "opt=categorical:adam,sgd"], []),
        ("sobol", ["lr=double:0.001:0.1", "layers=int:1:5"], []),
        ("tpe", ["lr=double:0.001:0.1:log", "opt=categorical:adam,sgd"], [AlgorithmSetting(name: "gamma", value: "0.25")]),
        ("multivariate-tpe", ["lr=double:0.001:0.1", "layers=int:1:5"], [AlgorithmSetting(name: "n_startup_trials", value: "5")]),
        ("bayesianoptimization", ["lr=double:0.001:0.1", "layers=int:1:5"], [AlgorithmSetting(name: "n_initial_points", value: "4")]),
        ("cmaes", ["lr=double:0.001:0.1", "wd=double:0.0001:0.01"], [AlgorithmSetting(name: "sigma", value: "0.3")]),
        ("hyperband", ["lr=double:0.001:0.1", "epochs=int:1:27"], [AlgorithmSetting(name: "resource_name", value: "epochs"), AlgorithmSetting(name: "eta", value: "3"), AlgorithmSetting(name: "r_l", value: "9")]),
    ]

    static let kinds: [TrialKind] = [.job, .trainJob(runtime: nil)] + TrainingFramework.allCases.map { .operatorJob($0) }

    static func combinations() throws -> [TuningSpec] {
        var specs: [TuningSpec] = []
        for (index, (algorithm, parameters, settings)) in searches.enumerated() {
            for (kindIndex, kind) in kinds.enumerated() {
                var spec = try TuningSpecTests.spec(algorithm: algorithm, parameters: parameters, kind: kind)
                spec.name = "e\(index)-\(kindIndex)"
                spec.settings = settings
                spec.maxTrials = 27
                // Hyperband runs a whole rung at once: Katib wants at least that many trials in parallel.
                if algorithm == "hyperband" { spec.parallel = 9 }
                if kind != .job { spec.workers = 2 }
                switch kindIndex % 3 {
                case 0: spec.collector = .stdout; spec.metricsFormat = [#"([\w|-]+):\s*([+-]?\d*(\.\d+)?)"#]
                case 1: spec.collector = .file(path: "/var/log/katib/metrics.log", json: false)
                default: spec.collector = .file(path: "/out/metrics.json", json: true)
                }
                if kindIndex % 2 == 0 {
                    spec.objective = Objective(type: .maximize, metricName: "accuracy", goal: 0.99)
                    spec.additionalMetrics = ["loss"]
                    spec.metricStrategies = [("accuracy", "latest")]
                    spec.command = spec.command.map { $0 }
                    spec.earlyStopping = EarlyStoppingChoice(algorithm: "medianstop", settings: [AlgorithmSetting(name: "min_trials_required", value: "2")])
                }
                if kindIndex % 4 == 1 { spec.cpu = "1"; spec.memory = "1Gi"; spec.env = [("SEED", "1")] }
                specs.append(spec)
            }
        }
        return specs
    }

    /// Every experiment kf generates passes Katib v0.19's field set, its webhook's rules after its defaults, and
    /// its suggestion service's checks; and it carries what each flag asked for.
    @Test func everyGeneratedExperimentIsValidForKatib() throws {
        let specs = try Self.combinations()
        #expect(specs.count == Self.searches.count * Self.kinds.count)
        for spec in specs {
            try spec.validate()
            let experiment = try Self.build(spec)
            #expect(KatibExperiment.problems(experiment) == [], "\(spec.name) \(spec.algorithm) \(spec.trialKind.kind)")
            #expect(experiment[path: ["metadata", "name"]]?.string == spec.name)
            #expect(experiment[path: ["metadata", "labels", "app.kubernetes.io/managed-by"]]?.string == "kf")
            #expect(experiment[path: ["spec", "algorithm", "algorithmName"]]?.string == spec.algorithm)
            #expect(experiment[path: ["spec", "objective", "objectiveMetricName"]]?.string == spec.objective.metricName)
            #expect(experiment[path: ["spec", "parameters"]]?.sequence?.count == spec.parameters.count)
            #expect(experiment[path: ["spec", "parallelTrialCount"]]?.text == (spec.algorithm == "hyperband" ? "9" : "3"))
            #expect(experiment[path: ["spec", "maxFailedTrialCount"]]?.text == "3")
            let template = try #require(experiment[path: ["spec", "trialTemplate"]])
            #expect(template["primaryContainerName"]?.string == spec.trialKind.primaryContainerName)
            #expect(template["successCondition"]?.string == spec.trialKind.successCondition)
            #expect(template["retain"]?.text == "true", "the base keeps trials' resources, so their logs stay readable")
            let trialSpec = try #require(template["trialSpec"])
            #expect(trialSpec["kind"]?.string == spec.trialKind.kind)
            #expect(trialSpec[path: ["metadata", "name"]] == nil)
            let text = JSON.string(trialSpec)
            for parameter in spec.parameters { #expect(text.contains("${trialParameters.\(parameter.name)}")) }
            switch spec.collector {
            case .stdout:
                #expect(experiment[path: ["spec", "metricsCollectorSpec", "collector", "kind"]]?.string == "StdOut")
            case let .file(path, json):
                #expect(experiment[path: ["spec", "metricsCollectorSpec", "source", "fileSystemPath", "path"]]?.string == path)
                #expect(experiment[path: ["spec", "metricsCollectorSpec", "source", "fileSystemPath", "format"]]?.string == (json ? "JSON" : "TEXT"))
            }
        }
    }

    @Test func aJobTrialRunsOnePodThatNeverRetries() throws {
        var spec = try TuningSpecTests.spec()
        spec.cpu = "500m"
        spec.gpus = 1
        let experiment = try Self.build(spec)
        let job = try #require(experiment[path: ["spec", "trialTemplate", "trialSpec"]])
        #expect(job["apiVersion"]?.string == "batch/v1")
        #expect(job[path: ["spec", "backoffLimit"]]?.text == "0")
        #expect(job[path: ["spec", "template", "metadata", "annotations", "sidecar.istio.io/inject"]]?.string == "false")
        #expect(job[path: ["spec", "template", "spec", "restartPolicy"]]?.string == "Never")
        let container = try #require(job[path: ["spec", "template", "spec", "containers"]]?.sequence?.first)
        #expect(container["name"]?.string == "training-container")
        #expect(container["command"]?.sequence?.compactMap(\.string) == ["python", "train.py", "--lr=${trialParameters.lr}", "--layers=${trialParameters.layers}"])
        #expect(container[path: ["resources", "limits", "nvidia.com/gpu"]]?.text == "1")
        let parameters = experiment[path: ["spec", "parameters"]]?.sequence ?? []
        #expect(parameters.first?[path: ["feasibleSpace", "distribution"]]?.string == "logUniform")
        #expect(parameters.first?[path: ["feasibleSpace", "min"]]?.string == "0.001", "Katib's feasibleSpace values are strings")
        let trialParameters = experiment[path: ["spec", "trialTemplate", "trialParameters"]]?.sequence ?? []
        #expect(trialParameters.map { $0["description"]?.string ?? "" } == ["double in [0.001, 0.1], log scale", "int in [1, 5]"])
    }

    @Test func aTrainingTrialRunsTheKindsReplicasWithoutRestarts() throws {
        var spec = try TuningSpecTests.spec(kind: .operatorJob(.pytorch))
        spec.workers = 3
        let experiment = try Self.build(spec)
        let job = try #require(experiment[path: ["spec", "trialTemplate", "trialSpec"]])
        #expect(job["kind"]?.string == "PyTorchJob")
        #expect(job[path: ["spec", "pytorchReplicaSpecs", "Master", "replicas"]]?.text == "1")
        #expect(job[path: ["spec", "pytorchReplicaSpecs", "Worker", "replicas"]]?.text == "2")
        #expect(job[path: ["spec", "pytorchReplicaSpecs", "Worker", "restartPolicy"]]?.string == "Never")
        #expect(experiment[path: ["spec", "trialTemplate", "primaryPodLabels", "training.kubeflow.org/job-role"]]?.string == "master")
    }

    /// A trial parameter of Katib's meta references (kf tune --register's trial name) is valid for Katib and
    /// reaches the trial's env; a meta reference Katib does not know is refused with the flag.
    @Test func metaParametersCarryTheTrialsName() throws {
        var spec = try TuningSpecTests.spec()
        spec.metaParameters = [("kfTrialName", "${trialSpec.Name}")]
        spec.env = [("KF_OUTPUT_DIR", "/out/mnist-tune/${trialParameters.kfTrialName}")]
        let experiment = try Self.build(spec)
        #expect(KatibExperiment.problems(experiment) == [])
        let parameters = experiment[path: ["spec", "trialTemplate", "trialParameters"]]?.sequence ?? []
        #expect(parameters.last?["reference"]?.string == "${trialSpec.Name}" && parameters.last?["name"]?.string == "kfTrialName")
        let read = try ExperimentSpec(experiment)
        #expect(read.trialTemplate.parameters.map(\.name) == ["lr", "layers", "kfTrialName"])
        #expect(read.parameters.map(\.name) == ["lr", "layers"], "a meta parameter is not searched")
        spec.metaParameters = [("kfTrialName", "${trialSpec.Owner}")]
        #expect(throws: WorkloadsError.self) { try spec.validate() }
    }

    /// The typed reading refuses with the same field and message as `problems`.
    @Test func theTypedReadingRefusesAsProblemsDo() throws {
        let valid = try Self.build(try TuningSpecTests.spec())
        let broken = Self.replacing(valid, ["spec", "maxFailedTrialCount"], with: .int(20))
        #expect(throws: KatibSpecError(field: "spec.maxFailedTrialCount", reason: "20: should be less than or equal to spec.maxTrialCount")) {
            try ExperimentSpec(broken)
        }
        #expect(KatibExperiment.problems(broken) == ["spec.maxFailedTrialCount: 20: should be less than or equal to spec.maxTrialCount"])
        let unknown = Self.replacing(valid, ["spec", "parallelTrialCounts"], with: .int(2))
        #expect(KatibExperiment.problems(unknown).first?.hasPrefix("spec.parallelTrialCounts: unknown field") == true)
        #expect(try ExperimentSpec(unknown).parallelTrialCount == 3, "running, an unknown field is dropped as Katib drops it")
        let read = try ExperimentSpec(valid)
        #expect(read.metricStrategies.map(\.value) == ["min"] && read.parallelTrialCount == (Int(valid[path: ["spec", "parallelTrialCount"]]?.text ?? "") ?? 3))
        #expect(read.metricsCollector == MetricsCollectorSpec(source: .stdout, filters: [KatibExperiment.defaultMetricsFormat]))
    }

    /// Katib's rules, each broken once: the problem names the field, in Katib's words where Katib has them.
    @Test func brokenExperimentsAreRefusedWithTheField() throws {
        let valid = try Self.build(try TuningSpecTests.spec())
        #expect(KatibExperiment.problems(valid) == [])
        func problems(_ path: [String], _ value: Value?) -> [String] {
            KatibExperiment.problems(Self.replacing(valid, path, with: value))
        }
        #expect(problems(["spec", "parameters"], .sequence([.mapping(Mapping([("name", .string("lr")), ("parameterType", .string("double")),
            ("feasibleSpace", .mapping(Mapping([("min", .scalar(Scalar("0.01", tag: .float))), ("max", .string("1"))])))]))]))
            == ["spec.parameters[0].feasibleSpace.min: expected a string, found a number (Katib's field is a string: quote the value, \"0.01\")"])
        #expect(problems(["spec", "parallelTrialCounts"], .int(2)).first?.hasPrefix("spec.parallelTrialCounts: unknown field (Katib would drop it)") == true)
        #expect(problems(["spec", "maxFailedTrialCount"], .int(20)) == ["spec.maxFailedTrialCount: 20: should be less than or equal to spec.maxTrialCount"])
        #expect(problems(["spec", "objective", "type"], .string("max")) == ["spec.objective.type: \"max\": must be minimize or maximize"])
        #expect(problems(["spec", "trialTemplate", "successCondition"], nil) == [], "a Job's conditions are Katib's defaults")
        let jax = Self.replacing(Self.replacing(valid, ["spec", "trialTemplate", "trialSpec", "kind"], with: .string("JAXJob")),
                                 ["spec", "trialTemplate", "successCondition"], with: nil)
        #expect(KatibExperiment.problems(jax).contains("spec.trialTemplate: successCondition and failureCondition must be specified"), "Katib has no defaults for JAXJob")
        #expect(problems(["spec", "trialTemplate", "primaryContainerName"], .string("main"))
                == ["spec.trialTemplate.primaryContainerName: no container named main in spec.trialTemplate.trialSpec (its containers: training-container)"])
        #expect(problems(["spec", "trialTemplate", "trialSpec", "spec", "template", "spec", "containers"],
                         .sequence([.mapping(Mapping([("name", .string("training-container")), ("image", .string("x")),
                                                      ("command", .sequence([.string("${trialParameters.lr} ${trialParameters.depth}")]))]))]))
                == ["spec.trialTemplate.trialParameters[1].name: parameter name: layers in spec.trialParameters not found in spec.trialTemplate"])
        #expect(problems(["spec", "trialTemplate", "trialSpec", "metadata"], .mapping(Mapping([("name", .string("fixed"))])))
                == ["spec.trialTemplate: metadata.name and metadata.namespace in spec.trialTemplate must be omitted"])
        #expect(problems(["spec", "metricsCollectorSpec"], .mapping(Mapping([("collector", .mapping(Mapping([("kind", .string("File"))]))),
            ("source", .mapping(Mapping([("fileSystemPath", .mapping(Mapping([("path", .string("metrics.log"))])))])))])))
                == ["spec.metricsCollectorSpec.source.fileSystemPath.path: file path where metrics file exists is required"])
        #expect(problems(["spec", "metricsCollectorSpec", "collector", "kind"], .string("Stdout"))
                == ["spec.metricsCollectorSpec.collector.kind: \"Stdout\": invalid metrics collector kind: Stdout"])
        #expect(problems(["spec", "algorithm", "algorithmName"], .string("grid")).first?.hasPrefix("spec.algorithm (grid):") == true,
                "grid needs a step for a double; lr has none")
        #expect(problems(["spec", "algorithm", "algorithmName"], .string("pbt")) == [], "a cluster's Katib runs pbt")
        #expect(problems(["spec", "earlyStopping"], .mapping(Mapping([("algorithmName", .string("median"))]))).first?
                .hasPrefix("spec.earlyStopping.algorithmName: \"median\": unable to get EarlyStopping config data") == true)
        #expect(problems(["metadata", "name"], .string("Tune")).first?.hasPrefix("metadata.name: \"Tune\": name must consist of lower case") == true)
        #expect(problems(["spec", "parameters"], nil) == ["spec: spec.parameters or spec.nasConfig must be specified"])
    }

    /// The files kf writes are plain kustomize: `kubectl kustomize` builds them into the same bytes as kf.
    @Test func kubectlKustomizeBuildsTheSameExperiment() throws {
        guard let kubectl = TrainingManifestsTests.tool("kubectl") else {
            print("skipping: needs .tools/venv/bin/kubectl (scripts/install-tools.sh)")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-tune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for spec in try Self.combinations().prefix(4) {
            let manifests = TuningManifests(spec: spec)
            let store = TemplateStore(projectRoot: nil)
            let base = try manifests.baseFiles(from: store)
            let trialSpec = try manifests.trialSpec(store: store)
            for (name, text) in base { try Self.write(text, root.appendingPathComponent(manifests.baseFolder + "/" + name)) }
            for file in try manifests.overlayFiles(baseName: try manifests.baseExperimentName(baseFiles: base), trialSpec: trialSpec) {
                try Self.write(file.text, root.appendingPathComponent(manifests.overlayFolder + "/" + file.name))
            }
            let overlay = root.appendingPathComponent(manifests.overlayFolder).path
            let kfOutput = try Kustomizer.yaml(try Kustomizer().build(overlay))
            let kubectlOutput = try Self.run(kubectl, ["kustomize", overlay])
            #expect(kfOutput == kubectlOutput, "\(spec.name)")
            #expect(kfOutput == (try KustomizeEmitter.string(try manifests.build(baseFiles: base, trialSpec: trialSpec))), "\(spec.name)")
        }
    }

    static func replacing(_ value: Value, _ path: [String], with new: Value?) -> Value {
        guard let key = path.first, var mapping = value.mapping else { return new ?? .null }
        if path.count == 1 {
            mapping[key] = new
        } else {
            mapping[key] = replacing(mapping[key] ?? .mapping(Mapping()), Array(path.dropFirst()), with: new)
        }
        return .mapping(mapping)
    }

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
