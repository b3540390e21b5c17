import Foundation
import Testing

/// `kf train` as a user runs it: rendering, bad input, and the job's life on a project's kf-local, whose controllers
/// and node agent run the job's replicas as processes.
@Suite(.serialized) struct TrainCommandTests {
    func makeProject(_ name: String) throws -> (base: String, root: String) {
        try KfBinary.initProject(name, tag: "train")
    }

    @Test func dryRunPrintsTheJobWithKfYamlDefaults() throws {
        let (base, root) = try makeProject("dry")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let kfYaml = try String(contentsOfFile: root + "/kf.yaml", encoding: .utf8)
        try (kfYaml + "defaults:\n  train:\n    framework: xgboost\n    image: python:3.12\n    workers: 3\n    memory: 1Gi\n")
            .write(toFile: root + "/kf.yaml", atomically: true, encoding: .utf8)
        let run = try KfBinary.run(["train", "boost", "--dry-run=client", "-o", "yaml", "--", "python", "train.py"], in: root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("apiVersion: kubeflow.org/v1\nkind: XGBoostJob\n"), "\(run.stdout)")
        #expect(run.stdout.contains("  name: boost\n  namespace: dry\n"))
        #expect(run.stdout.contains("    Worker:\n      replicas: 2\n"))
        #expect(run.stdout.contains("memory: 1Gi"))
        #expect(!FileManager.default.fileExists(atPath: root + "/manifests/train"), "a client dry run writes nothing")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "a client dry run must not start kf-local")
        let flags = try KfBinary.run(["train", "boost", "--framework", "jax", "--workers", "2", "--dry-run=client", "-o", "json", "--", "x"], in: root)
        #expect(flags.stdout.contains("\"kind\": \"JAXJob\""), "\(flags.stdout)")
    }

    @Test(arguments: [
        (["train", "j", "--image", "x", "--ps", "1", "--", "y"], "error: --ps does not apply to PyTorchJob"),
        (["train", "j", "--image", "x", "--framework", "torch", "--", "y"], "error: --framework: \"torch\" is not valid: expected one of pytorch, tensorflow, xgboost, mpi, jax, paddle"),
        (["train", "j", "--", "y"], "error: --image is required"),
        (["train", "j", "--image", "x"], "error: COMMAND is required"),
        (["train", "J", "--image", "x", "--", "y"], "error: NAME: \"J\" is not valid"),
        (["train", "j", "--image", "x", "--cpu", "many", "--", "y"], "error: --cpu: \"many\" is not valid"),
        (["train", "j", "--image", "x", "--elastic", "4", "--", "y"], "error: --elastic: \"4\" is not valid: expected MIN:MAX"),
        (["train", "j", "--image", "x", "--env", "NOVALUE", "--", "y"], "error: --env: \"NOVALUE\" is not valid"),
        (["train", "j", "--image", "x", "--runtime", "r", "--", "y"], "error: --runtime does not apply"),
        (["train", "j", "--image", "x", "--trainer-v2", "--backoff-limit", "1", "--", "y"], "error: --backoff-limit does not apply to TrainJob"),
    ])
    func badInputIsOneClearErrorBeforeAnythingHappens(arguments: [String], message: String) throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-train-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(arguments, in: base)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func aJobFileMustHoldOneTrainingJob() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-train-file-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n".write(toFile: base + "/cm.yaml", atomically: true, encoding: .utf8)
        let notJob = try KfBinary.run(["train", "-f", "cm.yaml"], in: base)
        #expect(notJob.status == 1)
        #expect(notJob.stderr.hasPrefix("error: cm.yaml: v1 ConfigMap is not a training job"), "\(notJob.stderr)")
        try "apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata:\n  name: a\n---\napiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata:\n  name: b\n"
            .write(toFile: base + "/two.yaml", atomically: true, encoding: .utf8)
        let two = try KfBinary.run(["train", "-f", "two.yaml"], in: base)
        #expect(two.stderr == "error: two.yaml holds 2 objects; `kf train -f` takes a file with exactly one training job\n", "\(two.stderr)")
        let printed = try KfBinary.run(["train", "-f", "two.yaml", "--image", "x"], in: base)
        #expect(printed.status == 2)
        #expect(printed.stderr.contains("-f runs the job as the file describes it"), "\(printed.stderr)")
        let missing = try KfBinary.run(["train", "-f", "nope.yaml"], in: base)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: cannot read nope.yaml: no such file or folder\n", "\(missing.stderr)")
    }

    @Test func aJobsLifeOnKfLocal() throws {
        let (base, root) = try makeProject("life")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let created = try KfBinary.run(["train", "mnist", "--image", "python:3.12", "--workers", "2", "--", "python", "-c", "print(1)"], in: root)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == "pytorchjob.kubeflow.org/mnist created\n")
        #expect(created.stderr.contains("wrote manifests/train/base/pytorchjob/kustomization.yaml, manifests/train/base/pytorchjob/pytorchjob.yaml, manifests/train/mnist/kustomization.yaml, manifests/train/mnist/job.yaml"), "\(created.stderr)")
        // What was written builds into what was created.
        let built = try KfBinary.run(["build", "manifests/train/mnist"], in: root)
        #expect(built.stdout.contains("name: mnist") && built.stdout.contains("Worker:\n      replicas: 1"), "\(built.stdout)")

        let again = try KfBinary.run(["train", "mnist", "--image", "python:3.12", "--", "python"], in: root)
        #expect(again.status == 1)
        #expect(again.stderr.contains("PyTorchJob mnist already exists in namespace life; delete it with `kf train delete mnist`"), "\(again.stderr)")

        let list = try KfBinary.run(["train", "list"], in: root)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("NAME    KIND         STATE"), "\(list.stdout)")
        #expect(list.stdout.contains("mnist   PyTorchJob   "), "\(list.stdout)")

        // kf-local's controllers and node agent run the job: the Master's success ends it.
        let done = try KfBinary.run(["train", "wait", "mnist", "--timeout", "60"], in: root)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.hasPrefix("mnist: Succeeded in "), "\(done.stdout)")
        let status = try KfBinary.run(["train", "status", "mnist"], in: root)
        #expect(status.stdout.contains("State:      Succeeded (PyTorchJob mnist is successfully completed.)"), "\(status.stdout)")
        #expect(status.stdout.contains("  Master   0        1           0"), "\(status.stdout)")
        let json = try KfBinary.run(["train", "list", "-o", "json"], in: root)
        #expect(json.stdout.contains("\"state\": \"Succeeded\""), "\(json.stdout)")

        // Logs: every replica's prefixed, the main replica's, one replica's. The Master's success ends the job while
        // the Worker (cleanPodPolicy None: it runs to its end) may still be on its way to its line: wait for it.
        var all = try KfBinary.run(["train", "logs", "mnist", "--all"], in: root)
        for _ in 0..<120 where all.stdout != "[master-0] 1\n[worker-0] 1\n" {
            usleep(500_000)
            all = try KfBinary.run(["train", "logs", "mnist", "--all"], in: root)
        }
        #expect(all.stdout == "[master-0] 1\n[worker-0] 1\n", "\(all.stdout)\(all.stderr)")
        #expect(try KfBinary.run(["train", "logs", "mnist"], in: root).stdout == "1\n")
        #expect(try KfBinary.run(["train", "logs", "mnist", "--replica", "worker", "--index", "0"], in: root).stdout == "1\n")
        let none = try KfBinary.run(["train", "logs", "mnist", "--replica", "ps"], in: root)
        #expect(none.status == 1)
        #expect(none.stderr.contains("job mnist has no Pods of type ps yet"), "\(none.stderr)")
        // -f right after creation: waits for the Pods, streams both replicas, ends when they end.
        let program = "import os, time\nfor i in range(3):\n    print('rank', os.environ['RANK'], 'step', i, flush=True)\n    time.sleep(0.3)"
        #expect(try KfBinary.run(["train", "stream", "--image", "python:3.12", "--workers", "2", "--", "python3", "-c", program], in: root).status == 0)
        let followed = try KfBinary.run(["train", "logs", "stream", "--all", "-f"], in: root)
        #expect(followed.status == 0, "\(followed.stderr)")
        let lines = followed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("[master-0] rank 0 step ") } == (0..<3).map { "[master-0] rank 0 step \($0)" }, "\(followed.stdout)")
        #expect(lines.filter { $0.hasPrefix("[worker-0] rank 1 step ") } == (0..<3).map { "[worker-0] rank 1 step \($0)" }, "\(followed.stdout)")
        #expect(lines.count == 6, "\(followed.stdout)")
        // --follow: create, stream every replica while waiting, exit with the job's result.
        let live = try KfBinary.run(["train", "live", "--image", "python:3.12", "--workers", "2", "--follow", "--", "python3", "-c", program], in: root)
        #expect(live.status == 0, "\(live.stderr)")
        let liveLines = live.stdout.split(separator: "\n").map(String.init)
        #expect(liveLines.first == "pytorchjob.kubeflow.org/live created", "\(live.stdout)")
        #expect(liveLines.filter { $0.hasPrefix("[worker-0] rank 1 step ") }.count == 3, "\(live.stdout)")
        #expect(liveLines.filter { $0.hasPrefix("[master-0] rank 0 step ") }.count == 3, "\(live.stdout)")
        #expect(live.stderr.contains("live: Succeeded"), "\(live.stderr)")

        // A wait that times out names the state the job is in.
        let slow = try KfBinary.run(["train", "slow", "--image", "python:3.12", "--", "python3", "-c", "import time; time.sleep(60)"], in: root)
        #expect(slow.status == 0, "\(slow.stderr)")
        // Running once its Pod runs, which a loaded machine may take seconds to get to.
        var slowStatus = try KfBinary.run(["train", "status", "slow"], in: root)
        for _ in 0..<120 where !slowStatus.stdout.contains("State:      Running") {
            usleep(500_000)
            slowStatus = try KfBinary.run(["train", "status", "slow"], in: root)
        }
        #expect(slowStatus.stdout.contains("State:      Running"), "\(slowStatus.stdout)\(slowStatus.stderr)")
        let late = try KfBinary.run(["train", "wait", "slow", "--timeout", "2"], in: root)
        #expect(late.status == 1)
        #expect(late.stderr.contains("error: job slow did not finish within 2 s (it is Running)"), "\(late.stderr)")
        #expect(try KfBinary.run(["train", "delete", "slow"], in: root).status == 0)

        // A failed job: --wait's exit code follows it, with the operator's message.
        let failed = try KfBinary.run(["train", "tf", "--framework", "tensorflow", "--workers", "1", "--restart-policy", "Never",
                                       "--image", "python:3.12", "--wait", "--", "python3", "-c", "import sys; sys.exit(2)"], in: root)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: job tf failed: TFJob life/tf has failed because 1 Worker replica(s) failed."), "\(failed.stderr)")

        // A job the user wrote: created as written (the project's namespace filled in), listed with the others.
        try """
        apiVersion: kubeflow.org/v1
        kind: JAXJob
        metadata:
          name: handmade
        spec:
          jaxReplicaSpecs:
            Worker:
              replicas: 2
              template:
                spec:
                  containers:
                  - name: jax
                    image: python:3.12
                    command: [python, -c, "print(2)"]
        """.write(toFile: root + "/jax.yaml", atomically: true, encoding: .utf8)
        let fromFile = try KfBinary.run(["train", "-f", "jax.yaml"], in: root)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout == "jaxjob.kubeflow.org/handmade created\n")
        let names = try KfBinary.run(["train", "list", "-o", "name"], in: root)
        #expect(Set(names.stdout.split(separator: "\n")) == ["pytorchjob.kubeflow.org/mnist", "pytorchjob.kubeflow.org/stream", "pytorchjob.kubeflow.org/live", "tfjob.kubeflow.org/tf", "jaxjob.kubeflow.org/handmade"],
                "\(names.stdout)")
        #expect(names.stdout.hasPrefix("pytorchjob.kubeflow.org/mnist\n"), "oldest first")

        let deleted = try KfBinary.run(["train", "delete", "mnist"], in: root)
        #expect(deleted.stdout == "pytorchjob.kubeflow.org/mnist deleted\n", "\(deleted.stderr)")
        let gone = try KfBinary.run(["train", "status", "mnist"], in: root)
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("no training job named mnist in namespace life"), "\(gone.stderr)")

        // A cluster without the kind's CRD: the error names the component to install, and nothing is created.
        if let kubectl = kubectlPath {
            let crd = try run(kubectl, ["delete", "crd", "mpijobs.kubeflow.org"], root: root)
            #expect(crd.contains("deleted"), "\(crd)")
            let missing = try KfBinary.run(["train", "mpi", "--framework", "mpi", "--image", "x", "--", "y"], in: root)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("the cluster does not serve MPIJob (kubeflow.org/v1): install Kubeflow's Training Operator v1.9"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: root + "/manifests/train/mpi"))
        }
    }

    /// Each framework's replicas find each other through its env contract alone: rank 0 listens on the address and
    /// port the contract names, every other rank connects and says its rank, rank 0 checks it heard the whole world.
    static let rendezvous = """
        import json, os, socket, sys, time
        e, fw = os.environ, sys.argv[1]
        if fw in ("pytorch", "xgboost"):
            host, port, rank, world = e["MASTER_ADDR"], int(e["MASTER_PORT"]), int(e["RANK"]), int(e["WORLD_SIZE"])
        elif fw == "jax":
            host, port = e["COORDINATOR_ADDRESS"], int(e["COORDINATOR_PORT"])
            rank, world = int(e["PROCESS_ID"]), int(e["NUM_PROCESSES"])
        elif fw == "paddle":
            host, port = e["PADDLE_MASTER"].rsplit(":", 1)
            port, world = int(port), int(e["PADDLE_NNODES"])
            rank = 0 if "-master-" in e["HOSTNAME"] else int(e["HOSTNAME"].rsplit("-", 1)[1]) + 1
        else:
            config = json.loads(e["TF_CONFIG"])
            workers, rank = config["cluster"]["worker"], config["task"]["index"]
            host, port = workers[0].rsplit(":", 1)
            port, world = int(port), len(workers)
        """ + KfBinary.rendezvousTail

    @Test func everyFrameworkRendezvousesOnKfLocal() throws {
        let (base, root) = try makeProject("rdv")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        try Self.rendezvous.write(toFile: root + "/rendezvous.py", atomically: true, encoding: .utf8)
        for framework in ["pytorch", "tensorflow", "xgboost", "jax", "paddle"] {
            let run = try KfBinary.run(["train", "r-\(framework)", "--framework", framework, "--workers", "3", "--image", "python:3.12",
                                        "--wait", "--timeout", "60", "--", "python3", "rendezvous.py", framework], in: root)
            #expect(run.status == 0, "\(framework): \(run.stderr)")
            #expect((run.stdout + run.stderr).contains("r-\(framework): Succeeded in "), "\(framework): \(run.stdout)\(run.stderr)")
        }
    }

    /// An MPIJob through real OpenMPI: the Launcher's `mpirun` starts one rank on each Worker's address.
    @Test func anMPIJobRunsMpirunOverItsWorkers() throws {
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            print("skipping: needs mpirun (Debian's openmpi-bin; scripts/install-tools.sh installs it)")
            return
        }
        let (base, root) = try makeProject("mpi")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let program = "import os; print('rank', os.environ['OMPI_COMM_WORLD_RANK'], 'of', os.environ['OMPI_COMM_WORLD_SIZE'], 'on', os.environ['KF_MPI_HOST'])"
        let run = try KfBinary.run(["train", "hello", "--framework", "mpi", "--workers", "2", "--image", "python:3.12",
                                    "--wait", "--timeout", "90", "--", "python3", "-c", program], in: root)
        #expect(run.status == 0, "\(mpirun): \(run.stderr)")
        let logs = try KfBinary.run(["train", "logs", "hello"], in: root)
        let lines = logs.stdout.split(separator: "\n").map(String.init).sorted()
        #expect(lines.count == 2 && lines[0].hasPrefix("rank 0 of 2 on 127.2.") && lines[1].hasPrefix("rank 1 of 2 on 127.2."), "\(logs.stdout)")
        #expect(Set(lines.map { $0.split(separator: " ").last ?? "" }).count == 2, "each rank on its own Worker: \(logs.stdout)")
    }

    var kubectlPath: String? {
        let path = KfBinary.packageRoot.appending(path: ".tools/venv/bin/kubectl").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    func run(_ executable: String, _ arguments: [String], root: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = root + "/.kf/kubeconfig"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
