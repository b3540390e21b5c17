import Actions
import ArgumentParser
import Cluster
import Foundation
import Pipelines
import Resources

struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Compile and run Kubeflow Pipelines (KFP v2 IR or kf's pipeline YAML), as Argo Workflows or on a KFP API server.",
        discussion: """
        kf runs the IR that `kfp dsl compile` writes, unchanged, and kf's short pipeline YAML (docs/pipeline.md). \
        A run is an Argo Workflow carrying the IR; on kf-local its tasks run as Pods, in parallel as their \
        dependencies allow, with KFP's caching. With --endpoint (or KF_PIPELINE_ENDPOINT, or \
        defaults.pipeline.endpoint in kf.yaml) the commands use a KFP API server (REST API v2beta1) instead.
        """,
        subcommands: [PipelineCompileCommand.self, PipelineRunCommand.self, PipelineUploadCommand.self, PipelineListCommand.self,
                      PipelineStatusCommand.self, PipelineLogsCommand.self, PipelineDeleteCommand.self,
                      PipelineRetryCommand.self, PipelineTerminateCommand.self]
    )
}

extension PipelineAction.Target: ExpressibleByArgument {}

/// The connection of the pipeline commands that talk to a cluster.
private func pipelineAction(_ cluster: ClusterOptions) throws -> PipelineAction {
    let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
    return PipelineAction(connection: try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment,
                                                            project: project), project: project)
}

/// `--endpoint` and `--token`: a KFP API server instead of Argo Workflows through the Kubernetes API.
struct PipelineServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A KFP API server (REST API v2beta1), e.g. https://kubeflow.example.com/pipeline "
                               + "(default: KF_PIPELINE_ENDPOINT, then kf.yaml defaults.pipeline.endpoint).", valueName: "url"))
    var endpoint: String?

    @Option(help: ArgumentHelp("The KFP server's bearer token (default: KF_PIPELINE_TOKEN, then the kubeconfig context's credentials); never printed.",
                               valueName: "token"))
    var token: String?
}

/// The KFP server's verbs when an endpoint is named (flag, environment, kf.yaml), else nil.
private func kfpAction(_ server: PipelineServerOptions, _ cluster: ClusterOptions, _ global: GlobalOptions) throws -> KFPPipelineAction? {
    let environment = ProcessInfo.processInfo.environment
    let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
    guard let endpoint = try KFPEndpoint.resolve(flag: server.endpoint, environment: environment, project: project) else { return nil }
    let connection = try? ClusterConnection(flags: cluster.flags, environment: environment, project: project)
    let config = try KFPClient.config(endpoint: endpoint, token: server.token, connection: connection, environment: environment)
    let client = KFPClient(endpoint: endpoint, config: config, namespace: cluster.namespace, logger: global.requestLogger)
    return KFPPipelineAction(client: client, connection: connection)
}

/// The tree and summary of a run on a KFP server, as `status` and `run --watch` print it.
private func printKFPRun(_ view: KFPRunView, _ out: Terminal) {
    out.line("Name: \(view.name)    ID: \(view.id)    State: \(view.phase)"
             + (view.duration.map { "    Duration: " + RunView.duration($0) } ?? ""))
    if let error = view.error { out.line("Message: \(error)") }
    out.line("")
    for line in view.tree() { out.line(line) }
}

struct PipelineCompileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compile",
                                                    abstract: "Compile a pipeline to KFP's IR or to an Argo Workflow.")

    @Argument(help: ArgumentHelp("The pipeline: KFP IR YAML or kf pipeline YAML.", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: ArgumentHelp("ir or argo.", valueName: "format"))
    var to: PipelineAction.Target = .ir

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write here instead of to stdout.", valueName: "file"),
            completion: .file())
    var output: String?

    @Option(name: [.short, .customLong("param")], help: ArgumentHelp("A parameter value for --to argo (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (text, warnings) = try PipelineAction.compile(file, to: to, parameters: parameters)
        for warning in warnings { global.terminal.warning(warning) }
        if let output {
            try PipelineAction.write(text, to: output, compiledFrom: file)
        } else {
            global.terminal.write(text)
        }
    }
}

struct PipelineRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Start a run of a pipeline.")

    @Argument(help: ArgumentHelp("The pipeline: KFP IR YAML, kf pipeline YAML, or a Workflow from compile --to argo.", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml"]))
    var file: String?

    @Option(help: ArgumentHelp("With --endpoint: run this uploaded pipeline (name or ID) instead of a file.", valueName: "name"))
    var pipeline: String?

    @Option(name: .customLong("pipeline-version"), help: ArgumentHelp("With --pipeline: this version (name or ID; default: the newest).", valueName: "version"))
    var version: String?

    @Option(name: [.short, .customLong("param")], help: ArgumentHelp("A pipeline parameter (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("The run's name (default: the pipeline's and a random suffix; on KFP, the pipeline's and the time).", valueName: "name"))
    var name: String?

    @Flag(name: .customLong("no-cache"), help: "Run every task, none served from the cache (results still fill it).")
    var noCache = false

    @Flag(help: "Follow the run, printing each task's changes, and the tree at the end; the exit code follows its result.")
    var watch = false

    @Flag(name: [.short, .long], help: "With --watch: also print each task's log as it runs, each line after its task's name.")
    var follow = false

    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many tasks at once.", valueName: "n"))
    var parallel: Int?

    @Option(help: ArgumentHelp("The experiment the run belongs to (kf pipeline list --experiment shows its runs).", valueName: "name"))
    var experiment: String?

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be 1 or more") }
        if (file == nil) == (pipeline == nil) { throw ValidationError("give a pipeline file or --pipeline NAME (one of them)") }
        if version != nil, pipeline == nil { throw ValidationError("--pipeline-version goes with --pipeline") }
        if follow && !watch { throw ValidationError("--follow prints the tasks' logs while --watch follows the run: add --watch") }
    }

    func run() async throws {
        if let kfp = try kfpAction(server, cluster, global) {
            return try await runOnServer(kfp)
        }
        guard let file else { throw ActionError.kfpNeedsEndpoint(command: "kf pipeline run --pipeline") }
        let action = try pipelineAction(cluster)
        var request = PipelineAction.RunRequest(path: file)
        request.parameters = parameters
        request.name = name
        request.cache = !noCache
        request.parallelism = parallel
        request.experiment = experiment
        let name = try await action.run(request)
        let out = global.terminal
        out.line("run \(name) created")
        guard watch else { return }
        let err = Terminal.standardError
        let previous = LastView()
        let logs = TaskLogs(action: action, terminal: err)
        let final = try await action.watch(name) { view in
            for line in view.changes(since: previous.view) { err.line(line) }
            previous.view = view
            if follow { logs.start(view) }
        }
        await logs.finish()
        for line in final.tree() { out.line(line) }
        if final.phase != "Succeeded" {
            throw ActionError.pipelineRunFailed(name: name, phase: final.phase, message: final.message ?? "")
        }
    }
}

extension PipelineRunCommand {
    func runOnServer(_ kfp: KFPPipelineAction) async throws {
        if parallel != nil {
            throw ValidationError("--parallel is kf-local's and Argo's; KFP takes a ParallelFor's parallelism from the pipeline (dsl.ParallelFor(parallelism=N))")
        }
        let source: KFPPipelineAction.RunSource = file.map { .file($0) } ?? .uploaded(pipeline: pipeline ?? "", version: version)
        let created = try await kfp.run(source, parameters: parameters, name: name, experiment: experiment, cache: !noCache)
        let out = global.terminal
        out.line("run \(created.name) created (id \(created.id)) on \(kfp.client.endpoint.url)")
        guard watch else { return }
        let err = Terminal.standardError
        let previous = LastKFPView()
        let final = try await kfp.watch(created.id) { view in
            for line in view.changes(since: previous.view) { err.line(line) }
            previous.view = view
        }
        printKFPRun(final, out)
        if !final.succeeded {
            throw ActionError.pipelineRunFailed(name: final.name, phase: final.phase, message: final.error ?? "")
        }
    }
}

/// The state --watch printed last (KFP).
final class LastKFPView: @unchecked Sendable {
    var view: KFPRunView?
}

struct PipelineUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Upload a pipeline to a KFP API server (a new pipeline, or a new version of one with its name).")

    @Argument(help: ArgumentHelp("The pipeline: KFP IR YAML or kf pipeline YAML (compiled to IR first).", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: ArgumentHelp("The pipeline's name on the server (default: the pipeline's own).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("A description shown by KFP.", valueName: "text"))
    var description: String?

    @Option(name: .customLong("pipeline-version"),
            help: ArgumentHelp("The new version's name when the pipeline exists (default: sha- and the file's digest).", valueName: "name"))
    var version: String?

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard let kfp = try kfpAction(server, cluster, global) else { throw ActionError.kfpNeedsEndpoint(command: "kf pipeline upload") }
        let result = try await kfp.upload(file, name: name, description: description, version: version)
        let versionID = result.versionID.map { " (id \($0))" } ?? ""
        let out = global.terminal
        if result.created {
            out.line("pipeline \(result.pipelineName) uploaded (id \(result.pipelineID)), version \(result.versionName)\(versionID)")
        } else if result.unchanged {
            out.line("pipeline \(result.pipelineName) unchanged: version \(result.versionName)\(versionID) has this content")
        } else {
            out.line("pipeline \(result.pipelineName): version \(result.versionName)\(versionID) uploaded")
        }
    }
}

/// `--follow`: one log follower per task Pod (cached tasks have none), started as soon as the Pod is known.
final class TaskLogs: @unchecked Sendable {
    private let action: PipelineAction
    private let terminal: Terminal
    private let lock = NSLock()
    private var followed: Set<String> = []
    private var tasks: [Task<Void, Never>] = []

    init(action: PipelineAction, terminal: Terminal) {
        self.action = action
        self.terminal = terminal
    }

    func start(_ view: RunView) {
        lock.lock()
        defer { lock.unlock() }
        for node in view.taskNodes where !node.cached {
            guard let pod = node.podName, !followed.contains(pod) else { continue }
            followed.insert(pod)
            let prefix = terminal.paint(node.displayName + " |", .dim)
            let (action, terminal, namespace) = (self.action, self.terminal, view.namespace)
            tasks.append(Task { await action.follow(pod: pod, namespace: namespace) { terminal.line(prefix + " " + $0) } })
        }
    }

    /// Waits for the logs still being read (they end with their containers), at most 10 s.
    func finish() async {
        let pending = lock.withLock { tasks }
        let all = Task { for task in pending { await task.value } }
        let limit = Task { try? await Task.sleep(for: .seconds(10)); for task in pending { task.cancel() } }
        await all.value
        limit.cancel()
    }
}

/// The state --watch printed last.
final class LastView: @unchecked Sendable {
    var view: RunView?
}

struct PipelineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List pipeline runs, oldest first.")

    @Option(help: ArgumentHelp("Only the runs of this experiment.", valueName: "name"))
    var experiment: String?

    @Flag(help: "With --endpoint: the uploaded pipelines and their versions instead of runs.")
    var pipelines = false

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf pipeline list") }

    /// -o yaml|json: a list of summaries; -o name: one name per line; else nil (the table).
    private func printed(_ summaries: [Value], names: [String]) throws -> Bool {
        let out = global.terminal
        switch output.output {
        case .yaml: out.writeBytes(try KustomizeEmitter.emit([.sequence(summaries)]))
        case .json: out.line(try JSONEmitter.string(.sequence(summaries)))
        case .name: for name in names { out.line(name) }
        default: return false
        }
        return true
    }

    func run() async throws {
        if let kfp = try kfpAction(server, cluster, global) {
            if pipelines {
                let all = try await kfp.pipelines()
                let summaries = all.map { pipeline, versions in
                    Value.mapping(Mapping([
                        ("name", .string(pipeline["display_name"]?.text ?? pipeline["name"]?.text ?? "")),
                        ("id", .string(pipeline["pipeline_id"]?.text ?? "")),
                        ("versions", .sequence(versions.map { version in
                            .mapping(Mapping([("name", .string(version["display_name"]?.text ?? version["name"]?.text ?? "")),
                                              ("id", .string(version["pipeline_version_id"]?.text ?? ""))]))
                        })),
                    ]))
                }
                if try printed(summaries, names: summaries.compactMap { $0["name"]?.text }) { return }
                var rows: [[String]] = []
                for (pipeline, versions) in all {
                    let name = pipeline["display_name"]?.text ?? pipeline["name"]?.text ?? ""
                    let id = pipeline["pipeline_id"]?.text ?? ""
                    if versions.isEmpty { rows.append([name, id, "", "", pipeline["created_at"]?.text ?? ""]) }
                    for version in versions {
                        rows.append([name, id, version["display_name"]?.text ?? version["name"]?.text ?? "",
                                     version["pipeline_version_id"]?.text ?? "", version["created_at"]?.text ?? ""])
                    }
                }
                printTable(["PIPELINE", "ID", "VERSION", "VERSION ID", "CREATED"], rows, terminal: global.terminal)
                return
            }
            let listed = try await kfp.list(experiment: experiment)
            // KFP's display names may repeat; its IDs are what status, logs and delete take without doubt.
            if try printed(listed.map { $0.run.summary(experiment: $0.experiment) }, names: listed.map(\.run.id)) { return }
            let rows = listed.map { item in
                [item.run.name, item.run.id, item.experiment, item.run.phase, item.run.duration.map(RunView.duration) ?? "", item.run.error ?? ""]
            }
            printTable(["NAME", "ID", "EXPERIMENT", "STATE", "DURATION", "MESSAGE"], rows, terminal: global.terminal)
            return
        }
        if pipelines { throw ActionError.kfpNeedsEndpoint(command: "kf pipeline list --pipelines") }
        let runs = try await pipelineAction(cluster).list(experiment: experiment)
        let names = runs.map { kubectlName(ObjectReference(apiVersion: ArgoWorkflow.apiVersion, kind: ArgoWorkflow.kind, name: $0.name)) }
        if try printed(runs.map(\.summary), names: names) { return }
        let rows = runs.map { run in
            [run.name, run.pipeline, run.experiment, run.phase, run.progress, run.duration.map(RunView.duration) ?? "", run.message ?? ""]
        }
        printTable(["NAME", "PIPELINE", "EXPERIMENT", "PHASE", "PROGRESS", "DURATION", "MESSAGE"], rows, terminal: global.terminal)
    }
}

/// The rows in Actions' `table`, as kf's other lists print them: empty cells as "-".
private func printTable(_ header: [String], _ rows: [[String]], terminal: Terminal) {
    for line in table(header, rows.map { $0.map { $0.isEmpty ? nil : $0 } }) { terminal.line(line) }
}

struct PipelineStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a run's tasks as a tree with their phases.")

    @Argument(help: ArgumentHelp("The run's name (on KFP, its display name or ID).", valueName: "run"))
    var run: String

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf pipeline status") }

    func run() async throws {
        if let kfp = try kfpAction(server, cluster, global) {
            let value = try await kfp.get(run)
            switch output.output {
            case .yaml: global.terminal.writeBytes(try KustomizeEmitter.emit([value]))
            case .json: global.terminal.line(try JSONEmitter.string(value))
            case .name: global.terminal.line(KFPRunView(value).id)
            default: printKFPRun(KFPRunView(value), global.terminal)
            }
            return
        }
        let workflow = try await pipelineAction(cluster).get(run)
        let out = global.terminal
        switch output.output {
        case .yaml: out.writeBytes(try KustomizeEmitter.emit([workflow]))
        case .json: out.line(try JSONEmitter.string(workflow))
        case .name: out.line(kubectlName(try ObjectReference(workflow)))
        default:
            let view = RunView(workflow)
            out.line("Name: \(view.name)    Pipeline: \(view.pipeline)    Phase: \(view.phase)    Progress: \(view.progress)"
                     + (view.duration.map { "    Duration: " + RunView.duration($0) } ?? ""))
            if let message = view.message { out.line("Message: \(message)") }
            out.line("")
            for line in view.tree() { out.line(line) }
        }
    }
}

struct PipelineLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the logs of a run's tasks.")

    @Argument(help: ArgumentHelp("The run's name (on KFP, its display name or ID).", valueName: "run"))
    var run: String

    @Option(help: ArgumentHelp("Only this task (its name in the pipeline).", valueName: "task"))
    var task: String?

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let out = global.terminal
        if let kfp = try kfpAction(server, cluster, global) {
            try await kfp.logs(run, task: task) { prefix, line in out.line(prefix.map { "[\($0)] " + line } ?? line) }
            return
        }
        try await pipelineAction(cluster).logs(run, task: task) { prefix, line in
            out.line(prefix.map { "[\($0)] " + line } ?? line)
        }
    }
}

struct PipelineDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a run (its Pods go with it), or an uploaded pipeline.")

    @Argument(help: ArgumentHelp("The run's name (on KFP, its display name or ID).", valueName: "run"))
    var run: String?

    @Option(help: ArgumentHelp("With --endpoint: delete this uploaded pipeline (name or ID) and its versions instead.", valueName: "name"))
    var pipeline: String?

    @Option(name: .customLong("pipeline-version"), help: ArgumentHelp("With --pipeline: only this version (name or ID).", valueName: "version"))
    var version: String?

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if (run == nil) == (pipeline == nil) { throw ValidationError("give a run or --pipeline NAME (one of them)") }
        if version != nil, pipeline == nil { throw ValidationError("--pipeline-version goes with --pipeline") }
    }

    func run() async throws {
        if let kfp = try kfpAction(server, cluster, global) {
            if let pipeline {
                try await kfp.deletePipeline(pipeline, version: version)
                global.terminal.line(version.map { "version \($0) of pipeline \(pipeline) deleted" } ?? "pipeline \(pipeline) deleted")
            } else if let run {
                try await kfp.delete(run)
                global.terminal.line("run \(run) deleted")
            }
            return
        }
        guard let run else { throw ActionError.kfpNeedsEndpoint(command: "kf pipeline delete --pipeline") }
        try await pipelineAction(cluster).delete(run)
        global.terminal.line("run \(run) deleted")
    }
}

struct PipelineRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry",
                                                    abstract: "Run a failed run's failed tasks again, keeping what succeeded.")

    @Argument(help: ArgumentHelp("The run's name (on KFP, its display name or ID).", valueName: "run"))
    var run: String

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if let kfp = try kfpAction(server, cluster, global) {
            try await kfp.retry(run)
        } else {
            try await pipelineAction(cluster).retry(run)
        }
        global.terminal.line("run \(run) retried")
    }
}

struct PipelineTerminateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "terminate", abstract: "Stop a run on a KFP API server (its tasks are cancelled).")

    @Argument(help: ArgumentHelp("The run's name or ID.", valueName: "run"))
    var run: String

    @OptionGroup var server: PipelineServerOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard let kfp = try kfpAction(server, cluster, global) else {
            throw ActionError.kfpNeedsEndpoint(command: "kf pipeline terminate (on kf-local and Argo, `kf pipeline delete` stops a run)")
        }
        try await kfp.terminate(run)
        global.terminal.line("run \(run) terminating")
    }
}
