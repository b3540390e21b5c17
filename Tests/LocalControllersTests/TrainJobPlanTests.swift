import Foundation
@testable import LocalControllers
import Resources
import Testing

/// What kf-local's TrainJob controller makes of a TrainJob and its runtime (Trainer v2.3's runtime framework and
/// JobSet's Job construction), without a cluster.
struct TrainJobPlanTests {
    static func value(_ yaml: String) throws -> Value {
        try #require(try YAMLParser.parse(yaml, file: "test.yaml").first)
    }

    static let runtime = """
        apiVersion: trainer.kubeflow.org/v1alpha1
        kind: ClusterTrainingRuntime
        metadata: {name: torch-with-data}
        spec:
          mlPolicy: {numNodes: 1, torch: {}}
          template:
            spec:
              successPolicy: {operator: All, targetReplicatedJobs: [node]}
              replicatedJobs:
              - name: dataset-initializer
                template:
                  metadata: {labels: {trainer.kubeflow.org/trainjob-ancestor-step: dataset-initializer}}
                  spec:
                    template:
                      spec:
                        restartPolicy: Never
                        containers: [{name: dataset-initializer, image: init}]
              - name: node
                dependsOn: [{name: dataset-initializer, status: Complete}]
                template:
                  metadata: {labels: {trainer.kubeflow.org/trainjob-ancestor-step: trainer}}
                  spec:
                    template:
                      spec:
                        containers:
                        - name: node
                          image: base
                          env: [{name: LR, value: "0.1"}, {name: KEEP, value: "1"}]
                          resources: {requests: {cpu: "1", memory: 1Gi}}
        """

    static let trainJob = """
        apiVersion: trainer.kubeflow.org/v1alpha1
        kind: TrainJob
        metadata: {name: llm, namespace: ml, uid: u-1}
        spec:
          runtimeRef: {name: torch-with-data}
          initializer: {dataset: {storageUri: "hf://tatsu-lab/alpaca", env: [{name: SPLIT, value: train}]}}
          trainer:
            image: mine:1
            command: [torchrun, train.py]
            args: [--epochs, "2"]
            numNodes: 3
            env: [{name: LR, value: "0.5"}]
            resourcesPerNode: {requests: {cpu: "4"}, limits: {cpu: "4"}}
        """

    @Test func theTrainerStepGetsTheTrainJobsValuesAndTheTorchContract() throws {
        let key = NamespacedName(namespace: "ml", name: "llm")
        let plan = try TrainJobPlan(trainJob: try Self.value(Self.trainJob), runtime: try Self.value(Self.runtime), key: key)
        #expect(plan.jobs.map(\.name) == ["llm-dataset-initializer-0", "llm-node-0"])
        #expect(plan.jobs.map(\.pods) == [1, 3])
        #expect(plan.masterJob == "llm-node-0")
        let job = plan.job(plan.jobs[1], trainJob: try Self.value(Self.trainJob), addresses: ["127.2.0.1", "127.2.0.2", "127.2.0.3"],
                           masterAddress: "127.2.0.1", suspended: false)
        #expect(job.field("metadata", "annotations", JobController.podIPsAnnotation) == "127.2.0.1,127.2.0.2,127.2.0.3")
        #expect(job.field("metadata", "labels", "jobset.sigs.k8s.io/jobset-name") == "llm")
        #expect(job.field("metadata", "labels", "jobset.sigs.k8s.io/job-global-index") == "1")
        #expect(job.field("metadata", "labels", "jobset.sigs.k8s.io/global-replicas") == "2")
        #expect(job.field("spec", "completionMode") == "Indexed")
        #expect(job.integer("spec", "parallelism") == 3 && job.integer("spec", "completions") == 3)
        #expect(job.field("spec", "template", "spec", "restartPolicy") == "OnFailure", "JobSet's default")
        #expect(job.field("spec", "template", "spec", "subdomain") == "llm")
        #expect(job.field("spec", "template", "metadata", "labels", "jobset.sigs.k8s.io/replicatedjob-name") == "node")
        let container = try #require(job[path: ["spec", "template", "spec", "containers"]]?.sequence?.first)
        #expect(container.field("image") == "mine:1")
        #expect(container["command"]?.sequence?.compactMap(\.text) == ["torchrun", "train.py"])
        #expect(container["args"]?.sequence?.compactMap(\.text) == ["--epochs", "2"])
        #expect(container.field("resources", "requests", "cpu") == "4" && container.field("resources", "requests", "memory") == "1Gi")
        #expect(container.field("resources", "limits", "cpu") == "4")
        var env: [String: String] = [:]
        for variable in container["env"]?.sequence ?? [] {
            env[variable.field("name") ?? ""] = variable.field("value") ?? variable.field("valueFrom", "fieldRef", "fieldPath")
        }
        #expect(env["LR"] == "0.5" && env["KEEP"] == "1", "the TrainJob's env replaces the runtime's of the same name")
        #expect(env["PET_NNODES"] == "3")
        #expect(env["PET_NPROC_PER_NODE"] == "4", "no GPU: one process per requested CPU")
        #expect(env["PET_NODE_RANK"] == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        #expect(env["PET_MASTER_ADDR"] == "127.2.0.1", "node 0's address where Trainer writes llm-node-0-0.llm")
        #expect(env["PET_MASTER_PORT"] == "29500")
        #expect(container[path: ["ports"]]?.sequence?.contains { $0.integer("containerPort") == 29500 } == true)

        // The initializer keeps its own container and restart policy.
        let initializer = plan.job(plan.jobs[0], trainJob: try Self.value(Self.trainJob), addresses: ["127.2.0.9"], masterAddress: "127.2.0.1", suspended: true)
        #expect(initializer[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?.field("image") == "init")
        #expect(initializer.field("spec", "template", "spec", "restartPolicy") == "Never")
        #expect(initializer.flag("spec", "suspend") == true)
        let initEnv = initializer[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["env"]?.sequence ?? []
        #expect(initEnv.map { "\($0.field("name") ?? "")=\($0.field("value") ?? "")" } == ["STORAGE_URI=hf://tatsu-lab/alpaca", "SPLIT=train"])

        // The node waits for the initializer (JobSet's dependsOn).
        #expect(plan.mayStart(plan.replicatedJobs[0], []))
        #expect(!plan.mayStart(plan.replicatedJobs[1], []))
        let running = Value.fields([("metadata", .fields([("name", .string("llm-dataset-initializer-0"))])),
                                    ("status", .fields([("active", .int(1)), ("ready", .int(1))]))])
        #expect(!plan.mayStart(plan.replicatedJobs[1], [running]), "Complete is asked for, Ready is not enough")
        let done = running.setting(["status", "conditions"], to: .sequence([.fields([("type", .string("Complete")), ("status", .string("True"))])]))
        #expect(plan.mayStart(plan.replicatedJobs[1], [done]))
    }

    @Test func successPolicyAndUnsupportedPolicies() throws {
        let key = NamespacedName(namespace: "ml", name: "llm")
        let plan = try TrainJobPlan(trainJob: try Self.value(Self.trainJob), runtime: try Self.value(Self.runtime), key: key)
        func job(_ name: String, _ condition: String?) -> Value {
            var value = Value.fields([("metadata", .fields([("name", .string(name))]))])
            if let condition {
                value.assign(["status", "conditions"], .sequence([.fields([("type", .string(condition)), ("status", .string("True"))])]))
            }
            return value
        }
        // Only the targeted replicated job (node) decides.
        #expect(!plan.isComplete([job("llm-dataset-initializer-0", "Complete")]))
        #expect(plan.isComplete([job("llm-dataset-initializer-0", nil), job("llm-node-0", "Complete")]))

        let mpi = Self.runtime.replacingOccurrences(of: "{numNodes: 1, torch: {}}", with: "{numNodes: 1, mpi: {}}")
        #expect(throws: TrainJobProblem.self) { try TrainJobPlan(trainJob: try Self.value(Self.trainJob), runtime: try Self.value(mpi), key: key) }
        do {
            _ = try TrainJobPlan(trainJob: try Self.value(Self.trainJob), runtime: try Self.value(mpi), key: key)
        } catch let problem as TrainJobProblem {
            #expect(problem.reason == "TrainingRuntimeNotSupported")
            #expect(problem.message.hasPrefix("ClusterTrainingRuntime torch-with-data: mlPolicy.mpi is not run by kf-local"))
        }

        let jax = Self.runtime.replacingOccurrences(of: "{numNodes: 1, torch: {}}", with: "{numNodes: 2, jax: {}}")
        let jaxJob = Self.trainJob.replacingOccurrences(of: "    numNodes: 3\n", with: "")
        let jaxPlan = try TrainJobPlan(trainJob: try Self.value(jaxJob), runtime: try Self.value(jax), key: key)
        let built = jaxPlan.job(jaxPlan.jobs[1], trainJob: try Self.value(jaxJob), addresses: ["127.2.0.4", "127.2.0.5"],
                                masterAddress: "127.2.0.4", suspended: false)
        let env = built[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["env"]?.sequence ?? []
        let pairs = Dictionary(env.compactMap { v in v.field("name").map { ($0, v.field("value") ?? "ref") } }, uniquingKeysWith: { $1 })
        #expect(pairs["JAX_NUM_PROCESSES"] == "2", "the runtime's numNodes when the TrainJob sets none")
        #expect(pairs["JAX_COORDINATOR_ADDRESS"] == "127.2.0.4:29500")
        #expect(pairs["JAX_PROCESS_ID"] == "ref" && pairs["PET_NNODES"] == nil)
    }
}
