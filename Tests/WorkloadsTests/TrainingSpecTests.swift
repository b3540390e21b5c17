import Testing
@testable import Workloads

@Suite struct TrainingSpecTests {
    static func spec(_ framework: TrainingFramework, workers: Int = 3) -> TrainingSpec {
        TrainingSpec(name: "mnist", target: .operatorJob(framework), image: "python:3.12",
                     command: ["python", "train.py"], workers: workers)
    }

    @Test func workersCountProcessesAsTheTrainingSDKDoes() {
        func layout(_ spec: TrainingSpec) -> [String] { spec.replicas.map { "\($0.type)=\($0.count)" } }
        #expect(layout(Self.spec(.pytorch)) == ["Master=1", "Worker=2"])
        #expect(layout(Self.spec(.pytorch, workers: 1)) == ["Master=1"])
        #expect(layout(Self.spec(.xgboost)) == ["Master=1", "Worker=2"])
        #expect(layout(Self.spec(.paddle)) == ["Master=1", "Worker=2"])
        #expect(layout(Self.spec(.jax)) == ["Worker=3"])
        #expect(layout(Self.spec(.mpi)) == ["Launcher=1", "Worker=3"])
        var tf = Self.spec(.tensorflow)
        #expect(layout(tf) == ["Worker=3"])
        tf.parameterServers = 2
        tf.chief = true
        #expect(layout(tf) == ["Chief=1", "PS=2", "Worker=3"])
        var elastic = Self.spec(.pytorch)
        elastic.elastic = (1, 4)
        #expect(layout(elastic) == ["Worker=3"])
        let trainJob = TrainingSpec(name: "t", target: .trainJob(runtime: nil), image: "x", command: ["y"], workers: 2)
        #expect(layout(trainJob) == ["Node=2"])
    }

    @Test func aValidSpecPasses() throws {
        for framework in TrainingFramework.allCases { try Self.spec(framework).validate() }
    }

    static let badCases: [(String, @Sendable (inout TrainingSpec) -> Void, String)] = [
        ("bad name", { $0.name = "MNIST" }, "NAME: \"MNIST\" is not valid"),
        ("name starting with a digit", { $0.name = "1job" }, "DNS-1035"),
        ("no image", { $0.image = nil }, "--image is required"),
        ("no command", { $0.command = [] }, "COMMAND is required"),
        ("zero workers", { $0.workers = 0 }, "--workers: \"0\""),
        ("ps on pytorch", { $0.parameterServers = 1 }, "--ps does not apply to PyTorchJob"),
        ("chief on pytorch", { $0.chief = true }, "--chief does not apply to PyTorchJob"),
        ("bad cpu", { $0.cpu = "lots" }, "--cpu: \"lots\""),
        ("zero memory", { $0.memory = "0" }, "--memory: \"0\""),
        ("negative gpus", { $0.gpus = -1 }, "--gpus: \"-1\""),
        ("elastic bounds reversed", { $0.elastic = (4, 2) }, "--elastic: \"4:2\""),
        ("workers outside elastic bounds", { $0.elastic = (4, 8) }, "--workers: \"3\""),
        ("bad env name", { $0.env = [("1X", "y")] }, "--env: \"1X=y\""),
    ]

    @Test(arguments: badCases.indices)
    func badValuesNameTheFlag(index: Int) {
        let (note, change, message) = Self.badCases[index]
        var spec = Self.spec(.pytorch)
        change(&spec)
        #expect(throws: WorkloadsError.self, "\(note)") { try spec.validate() }
        do {
            try spec.validate()
        } catch {
            #expect(error.description.contains(message), "\(note): \(error.description)")
        }
    }

    @Test func kindSpecificFlagsAreRefusedElsewhere() {
        var xgb = Self.spec(.xgboost)
        xgb.procsPerWorker = 2
        #expect(throws: WorkloadsError.notApplicable(flag: "--procs-per-worker", kind: "XGBoostJob", hint:
            "processes per worker are PyTorchJob's nprocPerNode, MPIJob's slotsPerWorker and TrainJob's numProcPerNode")) {
            try xgb.validate()
        }
        var jax = Self.spec(.jax)
        jax.elastic = (1, 3)
        #expect(throws: WorkloadsError.self) { try jax.validate() }
        var trainJob = TrainingSpec(name: "t", target: .trainJob(runtime: "torch-distributed"), image: "x", command: ["y"])
        trainJob.backoffLimit = 2
        #expect(throws: WorkloadsError.self) { try trainJob.validate() }
    }
}
