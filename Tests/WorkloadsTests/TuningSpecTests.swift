import Testing
import Tuning
@testable import Workloads

@Suite struct TuningSpecTests {
    static func spec(algorithm: String = "random", parameters: [String] = ["lr=double:0.001:0.1:log", "layers=int:1:5"],
                     kind: TrialKind = .job) throws -> TuningSpec {
        let parsed = try parameters.map { text throws(WorkloadsError) in try TuningSyntax.parameter(text) }
        let command = ["python", "train.py"] + parsed.map { "--\($0.name)=${trialParameters.\($0.name)}" }
        var spec = TuningSpec(name: "mnist-tune", objective: Objective(type: .minimize, metricName: "loss"), algorithm: algorithm,
                              parameters: parsed, trialKind: kind, image: "python:3.12", command: command)
        spec.maxTrials = 12
        return spec
    }

    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func everyParameterFormParses() throws {
        let lr = try TuningSyntax.parameter("lr=double:0.001:0.1:log")
        #expect(lr.parameterType == .double)
        #expect(lr.feasibleSpace == FeasibleSpace(min: "0.001", max: "0.1", distribution: .logUniform))
        let batch = try TuningSyntax.parameter("batch=int:16:128:16")
        #expect(batch.feasibleSpace == FeasibleSpace(min: "16", max: "128", step: "16"))
        let momentum = try TuningSyntax.parameter("momentum=discrete:0.5,0.9,0.99")
        #expect(momentum.parameterType == .discrete && momentum.feasibleSpace.list == ["0.5", "0.9", "0.99"])
        let optimizer = try TuningSyntax.parameter("opt=categorical:adam,sgd")
        #expect(optimizer.parameterType == .categorical && optimizer.feasibleSpace.list == ["adam", "sgd"])
        let shifted = try TuningSyntax.parameter("x=double:-5:10:0.5:normal")
        #expect(shifted.feasibleSpace == FeasibleSpace(min: "-5", max: "10", step: "0.5", distribution: .normal))
    }

    @Test(arguments: [
        ("lr", "--param: \"lr\" is not valid: expected NAME=TYPE:..."),
        ("lr=float:0:1", "expected TYPE double, int, discrete or categorical, not \"float\""),
        ("lr=double:0.1", "expected MIN:MAX or MIN:MAX:STEP after double:"),
        ("lr=double:1:0.1", "expected MIN below MAX"),
        ("n=int:1:2.5", "expected whole numbers for MIN, MAX and STEP (\"2.5\" is not one)"),
        ("lr=double:0:1:logarithmic", "expected a distribution log, uniform, normal or lognormal at the end, not \"logarithmic\""),
        ("opt=categorical:", "expected values separated by commas after categorical:"),
        ("m=discrete:0.5,high", "expected numbers after discrete: (\"high\" is not one; use categorical for words)"),
        ("9lives=int:1:2", "expected a NAME of letters, digits"),
    ])
    func aBadParameterNamesTheFlagAndTheForms(text: String, expected: String) {
        let message = Self.message { _ = try TuningSyntax.parameter(text) }
        #expect(message.hasPrefix("--param: \"\(text)\" is not valid: "), "\(message)")
        #expect(message.contains(expected), "\(message)")
        #expect(message.hasSuffix(TuningSyntax.parameterForms), "\(message)")
    }

    @Test func katibsRefusalsComeWithKatibsReasons() throws {
        let unknown = Self.message { try Self.spec(algorithm: "annealing").validate() }
        #expect(unknown == "--algorithm: \"annealing\" is not valid: expected one of random, grid, sobol, tpe, multivariate-tpe, bayesianoptimization, cmaes, hyperband")
        let cmaes = Self.message { try Self.spec(algorithm: "cmaes", parameters: ["lr=double:0.001:0.1"]).validate() }
        #expect(cmaes.hasPrefix("--algorithm cmaes: Katib refuses it: spec.algorithm (cmaes): "), "\(cmaes)")
        #expect(cmaes.contains("two"), "\(cmaes)")
        let grid = Self.message { try Self.spec(algorithm: "grid", parameters: ["lr=double:0.001:0.1"]).validate() }
        #expect(grid.hasPrefix("--algorithm grid: Katib refuses it: spec.algorithm (grid): "), "\(grid)")
        let hyperband = Self.message { try Self.spec(algorithm: "hyperband").validate() }
        #expect(hyperband.contains("resource_name"), "\(hyperband)")
        let logZero = Self.message { try Self.spec(parameters: ["lr=double:0:0.1:log"]).validate() }
        #expect(logZero == "--param lr: Katib refuses it: spec.parameters[0].feasibleSpace.min: feasibleSpace.min must be greater than 0 for distribution logUniform", "\(logZero)")
        var badSetting = try Self.spec(algorithm: "tpe")
        badSetting.settings = [AlgorithmSetting(name: "gamma", value: "x")]
        let setting = Self.message { try badSetting.validate() }
        #expect(setting.hasPrefix("--algorithm tpe --setting: Katib refuses it: spec.algorithm (tpe): failed to validate gamma(x)"), "\(setting)")
        var early = try Self.spec()
        early.earlyStopping = EarlyStoppingChoice(algorithm: "medianstop", settings: [AlgorithmSetting(name: "start_step", value: "0")])
        #expect(Self.message { try early.validate() }.contains("start_step must be greater or equal than one (>=1)"))
    }

    @Test func theBudgetAndTheCollectorFollowKatibsRules() throws {
        var spec = try Self.spec()
        spec.parallel = 20
        #expect(Self.message { try spec.validate() } == "--parallel: Katib refuses it: spec.parallelTrialCount: should be less than or equal to spec.maxTrialCount (--max-trials 12)")
        spec.parallel = 2
        spec.maxFailed = 13
        #expect(Self.message { try spec.validate() }.hasPrefix("--max-failed: Katib refuses it: spec.maxFailedTrialCount: should be less than or equal"))
        spec.maxFailed = nil
        spec.maxTrials = 2
        spec.parallel = nil
        #expect(spec.effectiveParallel == 2 && spec.effectiveMaxFailed == 2, "Katib's defaults, held within the budget")
        spec.collector = .file(path: "/tmp/m.json", json: true)
        spec.metricsFormat = ["(\\w+):(\\d+)"]
        #expect(Self.message { try spec.validate() } == "--metrics-format: Katib refuses it: spec.metricsCollectorSpec.source.filter: filter must be nil when format of metrics file is json")
        spec.collector = .stdout
        spec.metricsFormat = ["loss=(\\d+)"]
        #expect(Self.message { try spec.validate() }.contains("two top subexpressions are required"))
        spec.metricsFormat = ["(?<=x)(a)(b)"]
        #expect(Self.message { try spec.validate() }.contains("no look-around"))
        #expect(Self.message { _ = try MetricsCollectorChoice(flag: "file:metrics.log") }.hasPrefix("--collector: \"file:metrics.log\" is not valid: expected stdout, file:PATH or json:PATH with an absolute PATH"))
        #expect(try MetricsCollectorChoice(flag: "json:/out/m.json") == .file(path: "/out/m.json", json: true))
    }

    @Test func theCommandAndTheParametersMustMatch() throws {
        var spec = try Self.spec()
        spec.command = ["python", "train.py", "--lr=${trialParameters.lr}"]
        #expect(Self.message { try spec.validate() }.hasPrefix("--param: \"layers\" is not valid: expected a parameter the trial uses: put ${trialParameters.layers} in the COMMAND"))
        spec.env = [("LAYERS", "${trialParameters.layers}")]
        try spec.validate()
        spec.command.append("${trialParameters.dropout}")
        #expect(Self.message { try spec.validate() } == "COMMAND: \"${trialParameters.dropout}\" is not valid: expected a reference to a --param; the parameters are lr, layers")
        spec = try Self.spec()
        spec.name = "a-name-that-is-much-longer-than-forty-characters"
        #expect(Self.message { try spec.validate() }.hasPrefix("NAME: \"a-name-that-is-much-longer-than-forty-characters\" is not valid: expected a DNS-1035 label of at most 40 characters"))
        spec = try Self.spec()
        spec.objective.metricName = "val loss"
        #expect(Self.message { try spec.validate() }.hasPrefix("--metric: \"val loss\" is not valid: expected a name Katib's default filter reads"))
        spec = try Self.spec()
        spec.workers = 2
        #expect(Self.message { try spec.validate() }.hasPrefix("--workers does not apply to Job"))
        spec = try Self.spec()
        spec.image = nil
        #expect(Self.message { try spec.validate() }.hasPrefix("--image is required"))
    }
}
