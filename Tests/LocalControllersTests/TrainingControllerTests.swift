import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// The Training Operator kinds' controllers against a real kf-local with a fake kubelet: Pods, Services, labels,
/// the env contract, status transitions, success policies, restart policies and run policies.
@Suite(.serialized)
struct TrainingControllerTests {
    typealias T = TrainingTests

    @Test func pyTorchJobPodsServicesEnvAndSuccess() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("PyTorchJob", "mnist", specs: "pytorchReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "pytorch", restartPolicy: "OnFailure"),
                T.replica("Worker", replicas: 2, container: "pytorch", restartPolicy: "OnFailure"),
            ], extra: "  nprocPerNode: \"2\"\n  runPolicy: {cleanPodPolicy: Running}\n"))
            let pods = try await harness.runningPods("mnist", count: 3)
            #expect(pods.map(T.name) == ["mnist-master-0", "mnist-worker-0", "mnist-worker-1"])
            let job = try #require(try await harness.trainingJob("PyTorchJob", "mnist"))
            let addresses = pods.map(T.address)
            #expect(Set(addresses).count == 3)
            #expect(addresses.allSatisfy { $0.hasPrefix("127.2.") })
            for (position, pod) in pods.enumerated() {
                let labels = pod.labels
                #expect(labels[TrainingLabels.jobName] == "mnist")
                #expect(labels[TrainingLabels.operatorName] == "pytorchjob-controller")
                #expect(labels[TrainingLabels.replicaType] == (position == 0 ? "master" : "worker"))
                #expect(labels[TrainingLabels.replicaIndex] == String(max(position - 1, 0)))
                #expect(labels[TrainingLabels.jobRole] == (position == 0 ? "master" : nil))
                #expect(OwnerReferences.isControlled(pod, by: job))
                #expect(pod.field("spec", "restartPolicy") == "OnFailure")
                #expect(pod.field("status", "podIP") == addresses[position])
                let env = T.env(pod)
                #expect(env["MASTER_ADDR"] == addresses[0])
                #expect(env["PET_MASTER_ADDR"] == addresses[0])
                #expect(env["MASTER_PORT"] == "23456" && env["PET_MASTER_PORT"] == "23456")
                #expect(env["WORLD_SIZE"] == "6")
                #expect(env["RANK"] == String(position) && env["PET_NODE_RANK"] == String(position))
                #expect(env["PET_NNODES"] == "3" && env["PET_NPROC_PER_NODE"] == "2")
                #expect(env["PYTHONUNBUFFERED"] == "1")
            }
            // One headless Service per replica, selecting its Pod.
            let services = try await harness.list("v1", "Service", selector: "\(TrainingLabels.jobName)=mnist")
            #expect(services.map(T.name).sorted() == ["mnist-master-0", "mnist-worker-0", "mnist-worker-1"])
            for service in services {
                #expect(service.field("spec", "clusterIP") == "None")
                #expect(service.field("spec", "selector", TrainingLabels.replicaIndex) != nil)
                #expect(service[path: ["spec", "ports"]]?.sequence?.first?.integer("port") == 23456)
            }
            #expect(try await harness.waitForCondition("PyTorchJob", "mnist", "Running"))
            let running = try #require(try await harness.trainingJob("PyTorchJob", "mnist"))
            #expect(T.condition(running, "Created")?.field("reason") == "PyTorchJobCreated")
            #expect(T.condition(running, "Created")?.field("message") == "PyTorchJob mnist is created.")
            #expect(T.condition(running, "Running")?.field("message") == "PyTorchJob mnist is running.")
            #expect(try await eventually {
                try await harness.trainingJob("PyTorchJob", "mnist")?.integer("status", "replicaStatuses", "Worker", "active") == 2
            })
            #expect(running.field("status", "replicaStatuses", "Master", "selector")
                == "training.kubeflow.org/job-name=mnist,training.kubeflow.org/operator-name=pytorchjob-controller,training.kubeflow.org/replica-type=master")
            #expect(running.field("status", "startTime") != nil && running.field("status", "lastReconcileTime") != nil)

            // The master succeeding ends the job (the workers are still running); cleanPodPolicy Running removes them.
            try await harness.kubelet.finish(pods[0], exitCode: 0)
            #expect(try await harness.waitForCondition("PyTorchJob", "mnist", "Succeeded"))
            let done = try #require(try await harness.trainingJob("PyTorchJob", "mnist"))
            #expect(T.condition(done, "Succeeded")?.field("reason") == "PyTorchJobSucceeded")
            #expect(T.condition(done, "Succeeded")?.field("message") == "PyTorchJob mnist is successfully completed.")
            #expect(T.condition(done, "Running")?.field("status") == "False")
            #expect(done.field("status", "completionTime") != nil)
            #expect(try await eventually {
                try await harness.trainingPods("mnist").map(T.name) == ["mnist-master-0"]
            })
            #expect(try await eventually {
                try await harness.list("v1", "Service", selector: "\(TrainingLabels.jobName)=mnist").isEmpty
            })
            // Deleting the job takes what is left with it.
            _ = try await harness.client.delete(ObjectReference(apiVersion: TrainingKind.apiVersion, kind: "PyTorchJob",
                                                                name: "mnist", namespace: "default"), propagationPolicy: .background)
            #expect(try await eventually { try await harness.trainingPods("mnist").isEmpty })
        }
    }

    @Test func tfJobClusterSpecAndSuccessPolicies() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("TFJob", "tf", specs: "tfReplicaSpecs", [
                T.replica("Chief", replicas: 1, container: "tensorflow"),
                T.replica("PS", replicas: 1, container: "tensorflow"),
                T.replica("Worker", replicas: 2, container: "tensorflow"),
            ]))
            let pods = try await harness.runningPods("tf", count: 4)
            #expect(pods.map(T.name) == ["tf-chief-0", "tf-ps-0", "tf-worker-0", "tf-worker-1"])
            let address = Dictionary(uniqueKeysWithValues: pods.map { (T.name($0), T.address($0)) })
            for pod in pods {
                let config = try #require(T.env(pod)["TF_CONFIG"])
                let json = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
                let cluster = try #require(json["cluster"] as? [String: [String]])
                #expect(cluster["chief"] == ["\(address["tf-chief-0"]!):2222"])
                #expect(cluster["ps"] == ["\(address["tf-ps-0"]!):2222"])
                #expect(cluster["worker"] == ["\(address["tf-worker-0"]!):2222", "\(address["tf-worker-1"]!):2222"])
                let task = try #require(json["task"] as? [String: Any])
                let type = pod.labels[TrainingLabels.replicaType]
                #expect(task["type"] as? String == type)
                #expect(task["index"] as? Int == Int(pod.labels[TrainingLabels.replicaIndex] ?? ""))
                #expect(json["environment"] as? String == "cloud")
                #expect(pod.labels[TrainingLabels.jobRole] == (type == "chief" ? "master" : nil))
            }
            // With a Chief, worker 0 finishing is not enough; the Chief is.
            try await harness.kubelet.finish(pods[2], exitCode: 0)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await harness.trainingJob("TFJob", "tf").map { T.condition($0, "Succeeded") == nil } == true)
            try await harness.kubelet.finish(pods[0], exitCode: 0)
            #expect(try await harness.waitForCondition("TFJob", "tf", "Succeeded"))
            let done = try #require(try await harness.trainingJob("TFJob", "tf"))
            #expect(T.condition(done, "Succeeded")?.field("message") == "TFJob default/tf successfully completed.")

            // Without a Chief, worker 0 decides (default policy); AllWorkers waits for every worker.
            try await harness.create(T.job("TFJob", "w0", specs: "tfReplicaSpecs", [
                T.replica("Worker", replicas: 2, container: "tensorflow"),
            ]))
            try await harness.create(T.job("TFJob", "all", specs: "tfReplicaSpecs", [
                T.replica("Worker", replicas: 2, container: "tensorflow"),
            ], extra: "  successPolicy: AllWorkers\n"))
            let w0 = try await harness.runningPods("w0", count: 2)
            #expect(w0.first?.labels[TrainingLabels.jobRole] == "master")
            try await harness.kubelet.finish(w0[0], exitCode: 0)
            #expect(try await harness.waitForCondition("TFJob", "w0", "Succeeded"))
            let all = try await harness.runningPods("all", count: 2)
            try await harness.kubelet.finish(all[0], exitCode: 0)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await harness.trainingJob("TFJob", "all").map { T.condition($0, "Succeeded") == nil } == true)
            try await harness.kubelet.finish(all[1], exitCode: 0)
            #expect(try await harness.waitForCondition("TFJob", "all", "Succeeded"))
        }
    }

    @Test func xgBoostJAXAndPaddleEnvironments() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("XGBoostJob", "xgb", specs: "xgbReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "xgboost"),
                T.replica("Worker", replicas: 2, container: "xgboost"),
            ]))
            try await harness.create(T.job("JAXJob", "jx", specs: "jaxReplicaSpecs", [
                T.replica("Worker", replicas: 3, container: "jax"),
            ]))
            try await harness.create(T.job("PaddleJob", "pd", specs: "paddleReplicaSpecs", [
                T.replica("Worker", replicas: 2, container: "paddle", restartPolicy: nil),
            ]))
            let xgb = try await harness.runningPods("xgb", count: 3)
            let master = T.address(xgb[0])
            for (rank, pod) in xgb.enumerated() {
                let env = T.env(pod)
                #expect(env["MASTER_ADDR"] == master && env["MASTER_PORT"] == "9999")
                #expect(env["WORLD_SIZE"] == "3" && env["RANK"] == String(rank))
                #expect(env["WORKER_PORT"] == "9999")
                #expect(env["WORKER_ADDRS"] == "\(T.address(xgb[1])),\(T.address(xgb[2]))")
            }
            try await harness.kubelet.finish(xgb[0], exitCode: 0)
            #expect(try await harness.waitForCondition("XGBoostJob", "xgb", "Succeeded"))
            #expect(try await harness.trainingJob("XGBoostJob", "xgb").flatMap { T.condition($0, "Succeeded")?.field("message") }
                == "XGBoostJob xgb is successfully completed.")

            let jax = try await harness.runningPods("jx", count: 3)
            for (index, pod) in jax.enumerated() {
                let env = T.env(pod)
                #expect(env["COORDINATOR_ADDRESS"] == T.address(jax[0]) && env["COORDINATOR_PORT"] == "6666")
                #expect(env["NUM_PROCESSES"] == "3" && env["PROCESS_ID"] == String(index))
            }
            for pod in jax { try await harness.kubelet.finish(pod, exitCode: 0) }
            #expect(try await harness.waitForCondition("JAXJob", "jx", "Succeeded"))

            let paddle = try await harness.runningPods("pd", count: 2)
            for pod in paddle {
                let env = T.env(pod)
                #expect(env["PADDLE_MASTER"] == "\(T.address(paddle[0])):36543")
                #expect(env["PADDLE_NNODES"] == "2" && env["PADDLE_JOB_ID"] == "pd")
            }
            // Paddle's default restart policy (OnFailure) reaches the Pods.
            #expect(paddle.allSatisfy { $0.field("spec", "restartPolicy") == "OnFailure" })
        }
    }

    /// Each failure counts once towards the backoff limit even while another writer keeps changing the job, so
    /// that the controller's status writes often find its cached job behind and must be computed again. (Failures
    /// were once remembered before their status was written: a lost write lost the failure, and the job ran on
    /// past its backoff limit.)
    @Test func failuresCountOnceWhileTheJobKeepsChanging() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("PyTorchJob", "churn", specs: "pytorchReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "pytorch", restartPolicy: "ExitCode"),
                T.replica("Worker", replicas: 1, container: "pytorch", restartPolicy: "ExitCode"),
            ], extra: "  runPolicy: {backoffLimit: 1}\n"))
            let reference = ObjectReference(apiVersion: TrainingKind.apiVersion, kind: "PyTorchJob", name: "churn", namespace: "default")
            let first = try await harness.runningPods("churn", count: 2)
            let churn = Task {
                var round = 0
                while !Task.isCancelled {
                    round += 1
                    _ = try? await harness.client.patch(reference, .fields([("metadata", .fields([("annotations", .fields([
                        ("test/churn", .string(String(round))),
                    ]))]))]), type: .merge)
                    try? await Task.sleep(for: .milliseconds(3))
                }
            }
            defer { churn.cancel() }
            try await harness.kubelet.finish(first[1], exitCode: 137)
            let seen = Box<String>("")
            #expect(try await eventually(60) {
                let job = try await harness.trainingJob("PyTorchJob", "churn")
                seen.value = job?["status"].map(JSON.string) ?? ""
                let worker = try await harness.trainingPods("churn").first { T.name($0) == "churn-worker-0" }
                return job?.integer("status", "replicaStatuses", "Worker", "failed") == 1
                    && worker.map { $0.uid != first[1].uid && Pods.phase($0) == "Running" } ?? false
            }, "\(seen.value)")
            let second = try await harness.runningPods("churn", count: 2)
            try await harness.kubelet.finish(second[1], exitCode: 143)
            #expect(try await eventually(60) {
                let job = try await harness.trainingJob("PyTorchJob", "churn")
                seen.value = job?["status"].map(JSON.string) ?? ""
                return job.map { T.condition($0, "Failed")?.field("status") == "True" } == true
                    && job?.integer("status", "replicaStatuses", "Worker", "failed") == 2
            }, "\(seen.value)")
        }
    }

    @Test func exitCodeRecreatesRetryableFailuresWithinTheBackoffLimit() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("PyTorchJob", "flaky", specs: "pytorchReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "pytorch", restartPolicy: "ExitCode"),
                T.replica("Worker", replicas: 1, container: "pytorch", restartPolicy: "ExitCode"),
            ], extra: "  runPolicy: {backoffLimit: 1}\n"))
            var pods = try await harness.runningPods("flaky", count: 2)
            #expect(pods.allSatisfy { $0.field("spec", "restartPolicy") == "Never" })
            let firstWorker = pods[1]
            // 137 (SIGKILL) is retryable: the worker comes back with the same name and address, the job Restarting
            // until it runs again (the kubelet pauses so the new Pod stays Pending a while).
            harness.kubelet.paused = true
            try await harness.kubelet.finish(firstWorker, exitCode: 137)
            #expect(try await harness.waitForCondition("PyTorchJob", "flaky", "Restarting"))
            #expect(try await eventually {
                try await harness.trainingPods("flaky").contains { T.name($0) == "flaky-worker-0" && $0.uid != firstWorker.uid }
            })
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.trainingJob("PyTorchJob", "flaky").map { T.condition($0, "Restarting")?.field("status") } == "True")
            let restarting = try #require(try await harness.trainingJob("PyTorchJob", "flaky"))
            #expect(T.condition(restarting, "Restarting")?.field("message") == "PyTorchJob flaky is restarting because 1 Worker replica(s) failed.")
            #expect(T.condition(restarting, "Running") == nil)
            harness.kubelet.paused = false
            #expect(try await eventually {
                let worker = try await harness.trainingPods("flaky").first { T.name($0) == "flaky-worker-0" }
                return worker.map { $0.uid != firstWorker.uid && Pods.phase($0) == "Running" } ?? false
            })
            pods = try await harness.runningPods("flaky", count: 2)
            #expect(T.address(pods[1]) == T.address(firstWorker))
            #expect(try await harness.waitForCondition("PyTorchJob", "flaky", "Running"))
            // A second retryable failure passes backoffLimit 1: the job fails, naming the replica.
            try await harness.kubelet.finish(pods[1], exitCode: 143)
            #expect(try await harness.waitForCondition("PyTorchJob", "flaky", "Failed"))
            let failed = try #require(try await harness.trainingJob("PyTorchJob", "flaky"))
            let message = T.condition(failed, "Failed")?.field("message") ?? ""
            #expect(message.hasPrefix("Job flaky has failed because it has reached the specified backoff limit"))
            #expect(message.contains("worker 0 (Pod flaky-worker-0) failed with exit code 143"), "\(message)")
            #expect(T.condition(failed, "Failed")?.field("reason") == "PyTorchJobFailed")
            #expect(failed.integer("status", "replicaStatuses", "Worker", "failed") == 2)
            // kf-local stops what still runs of a failed job.
            #expect(try await eventually { try await harness.trainingPods("flaky").filter(Pods.isActive).isEmpty })

            // A non-retryable code fails the job at once.
            try await harness.create(T.job("PyTorchJob", "broken", specs: "pytorchReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "pytorch", restartPolicy: "ExitCode"),
            ], extra: "  runPolicy: {backoffLimit: 3}\n"))
            let broken = try await harness.runningPods("broken", count: 1)
            try await harness.kubelet.finish(broken[0], exitCode: 1)
            #expect(try await harness.waitForCondition("PyTorchJob", "broken", "Failed"))
            #expect(try await harness.trainingJob("PyTorchJob", "broken").flatMap { T.condition($0, "Failed")?.field("message") }
                == "PyTorchJob broken is failed because 1 Master replica(s) failed.")
        }
    }

    @Test func deadlineSuspendResumeAndTTL() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("JAXJob", "slow", specs: "jaxReplicaSpecs", [
                T.replica("Worker", replicas: 2, container: "jax"),
            ], extra: "  runPolicy: {activeDeadlineSeconds: 1}\n"))
            // (Its deadline is a second from its start: its Pods may be stopped again before a look could catch them
            // Running, so the failure is what is waited for.)
            #expect(try await harness.waitForCondition("JAXJob", "slow", "Failed", seconds: 10))
            let slow = try #require(try await harness.trainingJob("JAXJob", "slow"))
            #expect(T.condition(slow, "Failed")?.field("message") == "Job slow has failed because it was active longer than specified deadline")
            #expect(try await eventually { try await harness.trainingPods("slow").filter(Pods.isActive).isEmpty })

            // Suspended: no Pods, condition Suspended; resumed: Pods again.
            try await harness.create(T.job("XGBoostJob", "paused", specs: "xgbReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "xgboost"),
            ], extra: "  runPolicy: {suspend: true}\n"))
            #expect(try await harness.waitForCondition("XGBoostJob", "paused", "Suspended"))
            #expect(try await harness.trainingPods("paused").isEmpty)
            #expect(try await harness.trainingJob("XGBoostJob", "paused").flatMap { T.condition($0, "Suspended")?.field("message") }
                == "XGBoostJob paused is suspended.")
            let reference = ObjectReference(apiVersion: TrainingKind.apiVersion, kind: "XGBoostJob", name: "paused", namespace: "default")
            let resume = try YAMLParser.parse("spec: {runPolicy: {suspend: false}}", file: "patch.yaml")[0]
            _ = try await harness.client.patch(reference, resume, type: .merge)
            _ = try await harness.runningPods("paused", count: 1)
            #expect(try await eventually {
                try await harness.trainingJob("XGBoostJob", "paused").flatMap { T.condition($0, "Suspended")?.field("reason") } == "XGBoostJobResumed"
            })
            // Suspending a running job deletes its Pods.
            let suspend = try YAMLParser.parse("spec: {runPolicy: {suspend: true}}", file: "patch.yaml")[0]
            _ = try await harness.client.patch(reference, suspend, type: .merge)
            #expect(try await eventually { try await harness.trainingPods("paused").filter { !$0.isDeleting }.isEmpty })

            // ttlSecondsAfterFinished: the finished job is deleted.
            try await harness.create(T.job("PaddleJob", "short", specs: "paddleReplicaSpecs", [
                T.replica("Master", replicas: 1, container: "paddle"),
            ], extra: "  runPolicy: {ttlSecondsAfterFinished: 1}\n"))
            let short = try await harness.runningPods("short", count: 1)
            #expect(T.env(short[0])["PADDLE_SERVER_NUM"] == "1")
            try await harness.kubelet.finish(short[0], exitCode: 0)
            #expect(try await harness.waitForCondition("PaddleJob", "short", "Succeeded"))
            #expect(try await eventually(10) { try await harness.trainingJob("PaddleJob", "short") == nil })
        }
    }

    @Test func mpiJobLauncherHostfileAndWorkers() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("MPIJob", "pi", specs: "mpiReplicaSpecs", [
                T.replica("Launcher", replicas: 1, container: "mpi", command: "[mpirun, -n, '4', python3, pi.py]"),
                T.replica("Worker", replicas: 2, container: "mpi", command: "[]"),
            ], extra: "  slotsPerWorker: 2\n"))
            let pods = try await harness.runningPods("pi", count: 3)
            #expect(pods.map(T.name) == ["pi-launcher", "pi-worker-0", "pi-worker-1"])
            #expect(pods[0].labels[TrainingLabels.jobRole] == "master")
            let env = T.env(pods[0])
            let hostfile = try #require(env["OMPI_MCA_orte_default_hostfile"])
            let text = try String(contentsOfFile: hostfile, encoding: .utf8)
            #expect(text == "\(T.address(pods[1])) slots=2\n\(T.address(pods[2])) slots=2\n")
            let agent = try #require(env["OMPI_MCA_plm_rsh_agent"])
            #expect(FileManager.default.isExecutableFile(atPath: agent))
            #expect(env["OMPI_ALLOW_RUN_AS_ROOT"] == "1")
            #expect(pods[1][path: ["spec", "containers"]]?.sequence?.first?["command"]?.sequence?.first?.text == "sleep")
            #expect(try await harness.list("v1", "Service", selector: "\(TrainingLabels.jobName)=pi").isEmpty)
            // The agent runs the remote command here, after mpirun's host argument.
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: agent)
            probe.arguments = ["-x", "127.2.0.1", "echo", "remote on $KF_MPI_HOST"]
            let pipe = Pipe()
            probe.standardOutput = pipe
            try probe.run()
            probe.waitUntilExit()
            #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "remote on 127.2.0.1\n")
            // The launcher succeeding ends the job; the workers go.
            try await harness.kubelet.finish(pods[0], exitCode: 0)
            #expect(try await harness.waitForCondition("MPIJob", "pi", "Succeeded"))
            #expect(try await eventually { try await harness.trainingPods("pi").filter(Pods.isActive).isEmpty })
        }
    }

    @Test func invalidSpecFailsValidation() async throws {
        try await withTraining { harness in
            try await harness.create(T.job("XGBoostJob", "nomaster", specs: "xgbReplicaSpecs", [
                T.replica("Worker", replicas: 1, container: "xgboost"),
            ]))
            #expect(try await harness.waitForCondition("XGBoostJob", "nomaster", "Failed"))
            let job = try #require(try await harness.trainingJob("XGBoostJob", "nomaster"))
            #expect(T.condition(job, "Failed")?.field("reason") == "XGBoostJobFailedValidation")
            #expect(T.condition(job, "Failed")?.field("message")?.contains("spec.xgbReplicaSpecs.Master") == true)
            #expect(try await harness.trainingPods("nomaster").isEmpty)
        }
    }
}
