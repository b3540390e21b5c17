import Actions
import ArgumentParser
import Cluster
import Foundation
import Resources
import Workloads

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run distributed training jobs (PyTorchJob, TFJob, XGBoostJob, MPIJob, JAXJob, PaddleJob, TrainJob).",
        discussion: """
        `kf train NAME --image IMAGE -- COMMAND ARGS...` renders the job from kf's template for its kind plus an \
        overlay of the flags, writes both under manifests/train/ (ready to commit; `kubectl kustomize \
        manifests/train/NAME` builds the same job), creates it and, with --wait, follows it to the end. Flags not \
        given come from kf.yaml's defaults.train.
        """,
        subcommands: [TrainRunCommand.self, TrainListCommand.self, TrainStatusCommand.self, TrainLogsCommand.self,
                      TrainWaitCommand.self, TrainDeleteCommand.self],
        defaultSubcommand: TrainRunCommand.self
    )
}

struct TrainRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create a training job (the default: `kf train NAME ...` runs this).",
        discussion: """
        --workers counts processes as the Training SDK does: PyTorch, XGBoost and Paddle get one Master and N-1 \
        Workers; TensorFlow N Workers (plus --ps and --chief); JAX N Workers; MPI one Launcher and N Workers; a \
        TrainJob N nodes.
        """
    )

    @Argument(help: ArgumentHelp("The job's name (default: the framework and the time).", valueName: "name"))
    var name: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command each replica runs, after --.", valueName: "command"))
    var command: [String] = []

    @Option(name: [.short, .customLong("filename")],
            help: ArgumentHelp("A job manifest (YAML or JSON) to run instead of flags: one job of a training kind.", valueName: "file"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var file: String?

    @Option(help: ArgumentHelp("pytorch, tensorflow, xgboost, mpi, jax or paddle (default: kf.yaml, then pytorch).", valueName: "name"))
    var framework: String?

    @Flag(name: .customLong("trainer-v2"), help: "Run a Kubeflow Trainer v2 TrainJob instead of a Training Operator job.")
    var trainerV2 = false

    @Option(help: ArgumentHelp("The TrainJob's ClusterTrainingRuntime (with --trainer-v2; default: torch-distributed; kf-local offers torch-, jax- and xgboost-distributed).", valueName: "name"))
    var runtime: String?

    @Option(help: ArgumentHelp("The container image of every replica.", valueName: "image"))
    var image: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Processes in all, as the Training SDK counts them.", valueName: "n"))
    var workers: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("TensorFlow parameter servers.", valueName: "n"))
    var ps: Int?

    @Flag(help: "Add a TensorFlow Chief replica.")
    var chief = false

    @Option(name: .customLong("procs-per-worker"), parsing: .unconditional, help: ArgumentHelp("Processes per replica (PyTorch nprocPerNode, MPI slotsPerWorker, TrainJob numProcPerNode).", valueName: "n"))
    var procsPerWorker: Int?

    @Option(help: ArgumentHelp("CPU per replica, a quantity such as 500m or 2.", valueName: "quantity"))
    var cpu: String?

    @Option(help: ArgumentHelp("Memory per replica, a quantity such as 1Gi.", valueName: "quantity"))
    var memory: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("GPUs per replica (nvidia.com/gpu).", valueName: "n"))
    var gpus: Int?

    @Option(parsing: .singleValue, help: ArgumentHelp("An environment variable of every replica (repeatable).", valueName: "name=value"))
    var env: [String] = []

    @Option(name: .customLong("restart-policy"), help: ArgumentHelp("Always, OnFailure, Never or ExitCode (retry only retryable exit codes).", valueName: "policy"))
    var restartPolicy: String?

    @Option(name: .customLong("backoff-limit"), parsing: .unconditional, help: ArgumentHelp("Restarts before the job fails.", valueName: "n"))
    var backoffLimit: Int?

    @Option(name: .customLong("active-deadline"), parsing: .unconditional, help: ArgumentHelp("Seconds the job may run before it fails.", valueName: "seconds"))
    var activeDeadline: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds a finished job is kept before it is deleted.", valueName: "seconds"))
    var ttl: Int?

    @Option(name: .customLong("clean-pod-policy"), help: ArgumentHelp("Which Pods a finished job deletes: All, Running or None.", valueName: "policy"))
    var cleanPodPolicy: String?

    @Option(help: ArgumentHelp("PyTorch elastic training: the fewest and most Workers.", valueName: "min:max"))
    var elastic: String?

    @Flag(help: "Wait until the job ends; the exit code follows its result.")
    var wait = false

    @Option(help: ArgumentHelp("Register what the job writes into $KF_OUTPUT_DIR as a version of this model once it succeeds (waits for it).",
                               valueName: "model"))
    var register: String?

    @Option(name: .customLong("input"), parsing: .singleValue,
            help: ArgumentHelp("A file or folder the job reads, recorded with its digest in --register's lineage (repeatable).", valueName: "path"),
            completion: .file())
    var inputs: [String] = []

    @Flag(help: "Wait, streaming every replica's log prefixed by replica while the job runs.")
    var follow = false

    @Option(help: ArgumentHelp("How long --wait, --follow and --register wait, in seconds.", valueName: "seconds"))
    var timeout: Int = 3600

    @Option(name: .customLong("dry-run"), help: ArgumentHelp("none, client (print the job, create nothing) or server.", valueName: "mode"))
    var dryRun: DryRun = .none

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.requireCreateOutput(command: "kf train", object: "job", dryRun: dryRun)
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if (wait || follow) && dryRun != .none { throw ValidationError("--wait and --follow follow a job that exists; drop --dry-run") }
        if register != nil && dryRun != .none { throw ValidationError("--register registers what a job wrote; drop --dry-run") }
        if register != nil && file != nil {
            throw ValidationError("--register works with a job kf makes from flags (it gives the job KF_OUTPUT_DIR); drop -f")
        }
        if !inputs.isEmpty && register == nil { throw ValidationError("--input records inputs in --register's lineage; add --register MODEL") }
        if file != nil {
            let given = [name != nil, !command.isEmpty, framework != nil, trainerV2, runtime != nil, image != nil,
                         workers != nil, ps != nil, chief, procsPerWorker != nil, cpu != nil, memory != nil, gpus != nil,
                         !env.isEmpty, restartPolicy != nil, backoffLimit != nil, activeDeadline != nil, ttl != nil,
                         cleanPodPolicy != nil, elastic != nil]
            if given.contains(true) {
                throw ValidationError("-f runs the job as the file describes it; drop NAME, the COMMAND and the job flags (or drop -f)")
            }
        }
    }

    func run() async throws {
        let cwd = FileManager.default.currentDirectoryPath
        let project = try ProjectContext.find(from: cwd)
        var request = TrainRequest()
        request.name = name
        request.framework = framework
        request.trainerV2 = trainerV2
        request.runtime = runtime
        request.image = image
        request.command = command
        request.workers = workers
        request.parameterServers = ps
        request.chief = chief
        request.procsPerWorker = procsPerWorker
        request.cpu = cpu
        request.memory = memory
        request.gpus = gpus
        request.env = env
        request.restartPolicy = restartPolicy
        request.backoffLimit = backoffLimit
        request.activeDeadlineSeconds = activeDeadline
        request.ttlSecondsAfterFinished = ttl
        request.cleanPodPolicy = cleanPodPolicy
        request.elastic = elastic
        let source: TrainAction.Source
        if let file {
            source = .file(file)
        } else {
            source = .spec(try request.spec(defaults: project?.file.defaults["train"] ?? [:]))
        }
        var action = TrainAction(source: source, project: project,
                                 connection: try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project))
        action.dryRun = dryRun
        action.wait = wait || follow || register != nil
        if let register { action.registration = TrainRegistration(model: register, inputs: inputs) }
        if follow { action.follow = TrainingFormat.logPrinter(global.terminal) }
        action.timeout = .seconds(timeout)
        let err = Terminal.standardError
        let out = global.terminal
        let suffix = dryRun == .server ? " created (server dry run)" : " created"
        let names = output.output == .name
        let outcome = try await action.run(logger: global.requestLogger, created: { reference in
            out.line(kubectlName(reference) + (names ? "" : suffix))
        }, progress: { phase in err.line(phase) })
        switch outcome {
        case let .rendered(job):
            switch output.output {
            case .json: out.line(try JSONEmitter.string(job))
            case .name: out.line(kubectlName(try ObjectReference(job)))
            default: out.writeBytes(try KustomizeEmitter.emit([job]))
            }
        case let .created(reference, files, final, registered):
            if !files.isEmpty, output.output != .name { err.line("wrote " + files.joined(separator: ", ")) }
            if let final {
                let took = final.duration().map { " in " + TrainingFormat.duration($0) } ?? ""
                err.line("\(reference.name): \(final.phase.rawValue)\(took)")
            }
            if let registered {
                out.line("artifact: \(registered.artifact)")
                out.line("metrics: " + (registered.metrics.isEmpty ? "none found in the primary replica's log"
                                                                      : registered.metrics.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))
                for line in registered.lines { out.line(line) }
            }
        }
    }
}

/// Options naming one existing job.
struct TrainJobOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The job's name.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The job's kind, when several kinds have a job of that name (e.g. PyTorchJob).", valueName: "kind"))
    var kind: String?
}

struct TrainListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List training jobs of every kind, oldest first.")

    @Flag(name: [.short, .customLong("all-namespaces")], help: "List jobs in every namespace.")
    var allNamespaces = false

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .wide, .yaml, .json, .name], command: "kf train list") }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let client = try await connection.client(logger: global.requestLogger)
        let jobs = try await TrainingJobs(client: client).list(namespace: allNamespaces ? "" : connection.namespace)
        try TrainingFormat.print(jobs, format: output.output, allNamespaces: allNamespaces, terminal: global.terminal)
    }
}

struct TrainStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a job's state, conditions, replicas and durations.")

    @OptionGroup var job: TrainJobOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf train status") }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let client = try await connection.client(logger: global.requestLogger)
        let object = try await TrainingJobs(client: client).find(job.name, kind: job.kind, namespace: connection.namespace)
        let out = global.terminal
        switch output.output {
        case .yaml: out.writeBytes(try KustomizeEmitter.emit([object]))
        case .json: out.line(try JSONEmitter.string(object))
        case .name: out.line(kubectlName(try ObjectReference(object)))
        default: for line in TrainingFormat.statusLines(TrainingJobStatus(object)) { out.line(line) }
        }
    }
}

struct TrainLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a job's logs: its main replica's, one replica's, or every replica's prefixed by replica.",
        discussion: "The main replica is the one the operator labels job-role=master (the Master, Chief or Launcher), else the first."
    )

    @OptionGroup var job: TrainJobOptions

    @Flag(name: [.short, .long], help: "Stream the logs while the job runs (waits for its Pods).")
    var follow = false

    @Option(help: ArgumentHelp("A replica type: master, worker, ps, chief, launcher, ...", valueName: "type"))
    var replica: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The replica's index (with --replica).", valueName: "n"))
    var index: Int?

    @Flag(help: "Every replica, each line prefixed by [type-index].")
    var all = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Only the last lines of each log.", valueName: "n"))
    var tail: Int?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if index != nil && replica == nil { throw ValidationError("--index needs --replica") }
        if all && replica != nil { throw ValidationError("--all shows every replica; drop --replica") }
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let client = try await connection.client(logger: global.requestLogger)
        let jobs = TrainingJobs(client: client)
        let object = try await jobs.find(job.name, kind: job.kind, namespace: connection.namespace)
        try await jobs.logs(of: object, selection: ReplicaSelection(type: replica, index: index, all: all), follow: follow,
                            tailLines: tail, emit: TrainingFormat.logPrinter(global.terminal))
    }
}

struct TrainWaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait until a job ends; the exit code follows its result.")

    @OptionGroup var job: TrainJobOptions

    @Option(help: ArgumentHelp("How long to wait, in seconds.", valueName: "seconds"))
    var timeout: Int = 3600

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let client = try await connection.client(logger: global.requestLogger)
        let jobs = TrainingJobs(client: client)
        let reference = try ObjectReference(try await jobs.find(job.name, kind: job.kind, namespace: connection.namespace))
        let err = Terminal.standardError
        let final = try await jobs.wait(reference, timeout: .seconds(timeout), local: connection.localProjectRoot != nil,
                                        trouble: { err.line($0) }) { phase in err.line("\(reference.name): \(phase)") }
        global.terminal.line("\(reference.name): \(final.phase.rawValue)" + (final.duration().map { " in " + TrainingFormat.duration($0) } ?? ""))
    }
}

struct TrainDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a job with its Pods and Services.")

    @OptionGroup var job: TrainJobOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let client = try await connection.client(logger: global.requestLogger)
        let jobs = TrainingJobs(client: client)
        let reference = try ObjectReference(try await jobs.find(job.name, kind: job.kind, namespace: connection.namespace))
        try await jobs.delete(reference)
        global.terminal.line(kubectlName(reference) + " deleted")
    }
}

/// How `kf train` prints jobs.
enum TrainingFormat {
    /// Prints log lines from several streams whole, each after its replica's prefix (dim on a terminal).
    static func logPrinter(_ out: Terminal) -> @Sendable (String?, String) -> Void {
        let lock = NSLock()
        return { prefix, line in
            lock.withLock { out.line(prefix.map { out.paint("[\($0)]", .dim) + " " + line } ?? line) }
        }
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total < 120 { return "\(total)s" }
        if total < 7200 { return "\(total / 60)m\(total % 60)s" }
        return "\(total / 3600)h\((total % 3600) / 60)m"
    }

    static func print(_ jobs: [TrainingJobStatus], format: OutputFormat, allNamespaces: Bool, terminal: Terminal) throws {
        switch format {
        case .name:
            for job in jobs {
                terminal.line(kubectlName(ObjectReference(apiVersion: job.apiVersion, kind: job.kind, name: job.name)))
            }
        case .json, .yaml:
            let items = Value.sequence(jobs.map(summary))
            if format == .json { terminal.line(try JSONEmitter.string(items)) } else { terminal.writeBytes(try KustomizeEmitter.emit([items])) }
        default:
            if jobs.isEmpty {
                Terminal.standardError.line("No training jobs found.")
                return
            }
            let now = Date()
            var header = ["NAME", "KIND", "STATE", "DURATION", "AGE"]
            if allNamespaces { header.insert("NAMESPACE", at: 0) }
            if format == .wide { header.append("REPLICAS"); header.append("MESSAGE") }
            let rows: [[String?]] = jobs.map { job in
                var row: [String?] = [job.name, job.kind, job.phase.rawValue, job.duration(now: now).map(duration),
                                      job.created.map { duration(now.timeIntervalSince($0)) }]
                if allNamespaces { row.insert(job.namespace, at: 0) }
                if format == .wide {
                    row.append(job.replicas.map { "\($0.type):\($0.active)/\($0.succeeded)/\($0.failed)" }.joined(separator: ","))
                    row.append(job.message.isEmpty ? nil : job.message)
                }
                return row
            }
            for line in table(header, rows) { terminal.line(line) }
        }
    }

    static func summary(_ job: TrainingJobStatus) -> Value {
        var mapping = Mapping([("name", .string(job.name)), ("namespace", .string(job.namespace)), ("kind", .string(job.kind)),
                               ("state", .string(job.phase.rawValue))])
        if !job.message.isEmpty { mapping["message"] = .string(job.message) }
        if let seconds = job.duration() { mapping["durationSeconds"] = .int(Int(seconds.rounded())) }
        return .mapping(mapping)
    }

    static func statusLines(_ job: TrainingJobStatus) -> [String] {
        var lines = ["Name:       \(job.name)", "Namespace:  \(job.namespace)", "Kind:       \(job.kind)",
                     "State:      \(job.phase.rawValue)" + (job.message.isEmpty ? "" : " (\(job.message))")]
        if let seconds = job.duration() { lines.append("Duration:   " + duration(seconds)) }
        if !job.replicas.isEmpty {
            lines.append("Replicas:")
            lines += table(["TYPE", "ACTIVE", "SUCCEEDED", "FAILED"],
                           job.replicas.map { [$0.type, String($0.active), String($0.succeeded), String($0.failed)] }).map { "  " + $0 }
        }
        if !job.conditions.isEmpty {
            lines.append("Conditions:")
            lines += table(["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"],
                           job.conditions.map { [$0.type, $0.status, $0.reason, $0.lastTransitionTime, $0.message] }).map { "  " + $0 }
        }
        return lines
    }
}
