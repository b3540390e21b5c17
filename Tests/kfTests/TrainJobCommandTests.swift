import Foundation
import Testing

/// Trainer v2's TrainJob through `kf train --trainer-v2` on a project's kf-local: its runtimes, a real multi-node
/// rendezvous through the Torch plugin's contract ending Complete, and a failing node ending Failed.
@Suite(.serialized) struct TrainJobCommandTests {
    func makeProject(_ name: String) throws -> (base: String, root: String) {
        try KfBinary.initProject(name, tag: "trainjob")
    }

    /// Node 0 listens on PET_MASTER_ADDR:PET_MASTER_PORT, every other node connects and says its PET_NODE_RANK,
    /// node 0 checks it heard PET_NNODES nodes.
    static let rendezvous = """
        import os, socket, sys, time
        e = os.environ
        host, port = e["PET_MASTER_ADDR"], int(e["PET_MASTER_PORT"])
        rank, world = int(e["PET_NODE_RANK"]), int(e["PET_NNODES"])
        print("node", rank, "of", world, "nproc", e["PET_NPROC_PER_NODE"], flush=True)
        """ + KfBinary.rendezvousTail

    @Test func aTorchTrainJobRendezvousesAndCompletes() throws {
        let (base, root) = try makeProject("tj")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        try Self.rendezvous.write(toFile: root + "/rendezvous.py", atomically: true, encoding: .utf8)
        let trained = try KfBinary.run(["train", "rdv", "--trainer-v2", "--workers", "3", "--image", "python:3.12", "--wait",
                                    "--timeout", "90", "--", "python3", "rendezvous.py"], in: root)
        #expect(trained.status == 0, "\(trained.stdout)\(trained.stderr)")
        #expect(trained.stdout.hasPrefix("trainjob.trainer.kubeflow.org/rdv created\n"), "\(trained.stdout)")
        #expect(trained.stderr.contains("rdv: Succeeded: jobset completed successfully"), "\(trained.stderr)")

        // Each node's log: its rank from the completion index, the node count; node 0 heard all three.
        let logs = try KfBinary.run(["train", "logs", "rdv", "--all"], in: root)
        // (the replicas' logs are read at once, so their lines interleave; each replica's stay in order)
        let lines = logs.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("[node-0] ") } == ["[node-0] node 0 of 3 nproc 1", "[node-0] world [0, 1, 2]"], "\(logs.stdout)")
        #expect(lines.filter { !$0.hasPrefix("[node-0] ") }.sorted() == ["[node-1] node 1 of 3 nproc 1", "[node-2] node 2 of 3 nproc 1"],
                "\(logs.stdout)\(logs.stderr)")
        #expect(try KfBinary.run(["train", "logs", "rdv"], in: root).stdout == "node 0 of 3 nproc 1\nworld [0, 1, 2]\n", "node 0 by default")
        let status = try KfBinary.run(["train", "status", "rdv"], in: root)
        #expect(status.stdout.contains("State:      Succeeded (jobset completed successfully)"), "\(status.stdout)")
        #expect(status.stdout.contains("  node   0        1           0"), "\(status.stdout)")
        #expect(status.stdout.contains("Complete   True     AllJobsCompleted"), "\(status.stdout)")

        // What JobSet would have made: one Indexed Job with JobSet's labels, one headless Service, and the Torch
        // plugin's env with node 0's local address.
        if let kubectl = kubectlPath {
            let job = try run(kubectl, ["-n", "tj", "get", "job", "rdv-node-0", "-o",
                                        "jsonpath={.spec.completionMode} {.spec.parallelism} {.metadata.labels.jobset\\.sigs\\.k8s\\.io/replicatedjob-name} {.spec.template.spec.subdomain}"], root: root)
            #expect(job == "Indexed 3 node rdv", "\(job)")
            let service = try run(kubectl, ["-n", "tj", "get", "service", "rdv", "-o", "jsonpath={.spec.clusterIP} {.spec.selector}"], root: root)
            #expect(service == "None {\"jobset.sigs.k8s.io/jobset-name\":\"rdv\"}", "\(service)")
            let env = try run(kubectl, ["-n", "tj", "get", "pods", "-l", "batch.kubernetes.io/job-completion-index=0", "-o",
                                        "jsonpath={.items[0].status.podIP} {.items[0].spec.containers[0].env[?(@.name==\"PET_MASTER_ADDR\")].value}"], root: root)
            let parts = env.split(separator: " ")
            #expect(parts.count == 2 && parts[0] == parts[1] && parts[0].hasPrefix("127.2."), "\(env)")
            let runtimes = try run(kubectl, ["get", "clustertrainingruntimes", "-o", "name"], root: root)
            #expect(runtimes.contains("clustertrainingruntime.trainer.kubeflow.org/torch-distributed"), "\(runtimes)")
        }

        // A runtime the cluster lacks: an error before anything is created.
        let missing = try KfBinary.run(["train", "nope", "--trainer-v2", "--runtime", "no-such-runtime", "--image", "python:3.12", "--", "true"], in: root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("error: the cluster has no ClusterTrainingRuntime no-such-runtime"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/manifests/train/nope"))
    }

    @Test func aTrainJobWhoseNodeFailsEndsFailed() throws {
        let (base, root) = try makeProject("tjfail")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        // A namespaced runtime that does not retry (the torch-distributed default would restart the node in place).
        try """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: tjfail
        ---
        apiVersion: trainer.kubeflow.org/v1alpha1
        kind: TrainingRuntime
        metadata:
          name: torch-once
        spec:
          mlPolicy:
            numNodes: 1
            torch: {}
          template:
            spec:
              replicatedJobs:
              - name: node
                template:
                  metadata:
                    labels:
                      trainer.kubeflow.org/trainjob-ancestor-step: trainer
                  spec:
                    backoffLimit: 0
                    template:
                      spec:
                        restartPolicy: Never
                        containers:
                        - name: node
                          image: python:3.12
        """.write(toFile: root + "/runtime.yaml", atomically: true, encoding: .utf8)
        let applied = try KfBinary.run(["apply", "-f", "runtime.yaml"], in: root)
        #expect(applied.status == 0, "\(applied.stderr)")
        try """
        apiVersion: trainer.kubeflow.org/v1alpha1
        kind: TrainJob
        metadata:
          name: broken
        spec:
          runtimeRef:
            name: torch-once
            kind: TrainingRuntime
          trainer:
            image: python:3.12
            numNodes: 2
            command: [python3, -c, "import os, sys; print('rank', os.environ['PET_NODE_RANK']); sys.exit(3 if os.environ['PET_NODE_RANK'] == '1' else 0)"]
        """.write(toFile: root + "/broken.yaml", atomically: true, encoding: .utf8)
        let failed = try KfBinary.run(["train", "-f", "broken.yaml", "--wait", "--timeout", "90"], in: root)
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stderr.contains("error: job broken failed: jobset failed due to one or more job failures (first failed job: broken-node-0)"),
                "\(failed.stderr)")
        let status = try KfBinary.run(["train", "status", "broken"], in: root)
        #expect(status.stdout.contains("State:      Failed"), "\(status.stdout)")
        #expect(status.stdout.contains("  node   0        0           1"), "\(status.stdout)")
        #expect(status.stdout.contains("Failed   True     FailedJobs"), "\(status.stdout)")
        let logs = try KfBinary.run(["train", "logs", "broken", "--replica", "node", "--index", "1"], in: root)
        #expect(logs.stdout == "rank 1\n", "\(logs.stdout)\(logs.stderr)")
        let wait = try KfBinary.run(["train", "wait", "broken"], in: root)
        #expect(wait.status == 1)
    }

    /// kubectl 1.37 from .tools, and running it against the project's kf-local: the helpers of TrainCommandTests.
    var kubectlPath: String? {
        let path = TrainCommandTests().kubectlPath
        if path == nil { print("skipping the kubectl checks: .tools/venv/bin/kubectl is absent (scripts/install-tools.sh installs it)") }
        return path
    }

    func run(_ executable: String, _ arguments: [String], root: String) throws -> String {
        try TrainCommandTests().run(executable, arguments, root: root)
    }
}
