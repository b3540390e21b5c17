import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// kf-local's TrainJob controller against a real kf-local API server (Trainer's CRDs installed, the Job controller
/// running the Jobs it makes, a fake kubelet): the runtimes it installs, suspension, completion, the deadline,
/// a missing runtime.
@Suite(.serialized)
struct TrainJobControllerTests {
    static let api = TrainJobController.apiVersion

    func withTrainer(_ body: (ControllerHarness) async throws -> Void) async throws {
        let harness = try await ControllerHarness(makers: [JobController.make] + TrainingJobController.makers)
        do {
            for name in ["trainjobs", "clustertrainingruntimes", "trainingruntimes"] {
                let url = ControllerHarness.packageRoot.appendingPathComponent("templates/crds/trainer.kubeflow.org_\(name).yaml")
                try await harness.create(try String(contentsOf: url, encoding: .utf8))
            }
            harness.kubelet.address = { pod in pod.field("metadata", "annotations", LocalAddresses.annotation) ?? "127.1.9.9" }
            harness.kubelet.autoStart()
            _ = try await eventually(10) {
                await harness.client.discovery.invalidate()
                return (try? await harness.client.list(apiVersion: Self.api, kind: "TrainJob", namespace: "default")) != nil
            }
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    func condition(_ harness: ControllerHarness, _ name: String, _ type: String) async throws -> Value? {
        try await harness.get(Self.api, "TrainJob", name)
            .flatMap { job in (job[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type } }
    }

    @Test func runtimesSuspensionCompletionDeadlineAndAMissingRuntime() async throws {
        try await withTrainer { harness in
            // The runtimes kf-local offers appear once their CRD is served.
            #expect(try await eventually {
                var found = 0
                for name in ["torch-distributed", "jax-distributed", "xgboost-distributed"] {
                    if try await harness.get(Self.api, "ClusterTrainingRuntime", name, namespace: "") != nil { found += 1 }
                }
                return found == 3
            })

            // Suspended: the Job is made suspended, no Pods run; resumed: two Pods with their own addresses.
            try await harness.create("""
                apiVersion: trainer.kubeflow.org/v1alpha1
                kind: TrainJob
                metadata: {name: held, namespace: default}
                spec:
                  suspend: true
                  runtimeRef: {name: torch-distributed}
                  trainer: {image: python:3.12, command: [python3, train.py], numNodes: 2}
                """)
            #expect(try await eventually { try await condition(harness, "held", "Suspended")?.field("reason") == "Suspended" })
            #expect(try await eventually {
                try await harness.get("batch/v1", "Job", "held-node-0")?.flag("spec", "suspend") == true
            })
            #expect(try await harness.list("v1", "Pod", selector: "jobset.sigs.k8s.io/jobset-name=held").isEmpty)
            let reference = ObjectReference(apiVersion: Self.api, kind: "TrainJob", name: "held", namespace: "default")
            _ = try await harness.client.patch(reference, try YAMLParser.parse("spec: {suspend: false}", file: "patch.yaml")[0], type: .merge)
            #expect(try await eventually { try await condition(harness, "held", "Suspended")?.field("reason") == "Resumed" })
            var pods: [Value] = []
            #expect(try await eventually {
                pods = try await harness.list("v1", "Pod", selector: "jobset.sigs.k8s.io/jobset-name=held").filter { Pods.phase($0) == "Running" }
                return pods.count == 2
            })
            let addresses = pods.compactMap { $0.field("metadata", "annotations", LocalAddresses.annotation) }
            #expect(addresses.count == 2 && Set(addresses).count == 2 && addresses.allSatisfy { $0.hasPrefix("127.2.") }, "\(addresses)")
            let first = try #require(pods.first { $0.field("metadata", "labels", JobController.indexLabel) == "0" })
            let env = (first[path: ["spec", "containers"]]?.sequence?.first?["env"]?.sequence ?? [])
            #expect(env.first { $0.field("name") == "PET_MASTER_ADDR" }?.field("value") == first.field("metadata", "annotations", LocalAddresses.annotation))

            // Both nodes succeed: Complete, with the replicated job's status.
            for pod in pods { try await harness.kubelet.finish(pod, exitCode: 0) }
            #expect(try await eventually { try await condition(harness, "held", "Complete")?.field("status") == "True" })
            let held = try #require(try await harness.get(Self.api, "TrainJob", "held"))
            let status = try #require(held[path: ["status", "jobsStatus"]]?.sequence?.first)
            #expect(status.field("name") == "node" && status.integer("succeeded") == 1 && status.integer("failed") == 0)
            #expect(try await condition(harness, "held", "Complete")?.field("message") == "jobset completed successfully")

            // Past its deadline: Failed with DeadlineExceeded, its Jobs deleted.
            try await harness.create("""
                apiVersion: trainer.kubeflow.org/v1alpha1
                kind: TrainJob
                metadata: {name: late, namespace: default}
                spec:
                  activeDeadlineSeconds: 1
                  runtimeRef: {name: torch-distributed}
                  trainer: {image: python:3.12, command: [python3, train.py], numNodes: 1}
                """)
            #expect(try await eventually { try await condition(harness, "late", "Failed")?.field("reason") == "DeadlineExceeded" })
            #expect(try await condition(harness, "late", "Failed")?.field("message") == "TrainJob exceeded its active deadline")
            #expect(try await eventually { try await harness.get("batch/v1", "Job", "late-node-0") == nil })

            // A runtime that does not exist: Failed, naming it.
            try await harness.create("""
                apiVersion: trainer.kubeflow.org/v1alpha1
                kind: TrainJob
                metadata: {name: lost, namespace: default}
                spec:
                  runtimeRef: {name: nowhere, kind: TrainingRuntime}
                  trainer: {numNodes: 1}
                """)
            #expect(try await eventually { try await condition(harness, "lost", "Failed")?.field("reason") == "TrainingRuntimeNotFound" })
            #expect(try await condition(harness, "lost", "Failed")?.field("message")?.hasPrefix("TrainingRuntime nowhere is not found in namespace default") == true)
        }
    }
}
