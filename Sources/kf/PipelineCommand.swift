import Actions
import ArgumentParser
import Cluster
import Foundation
import Pipelines
import Resources

struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Compile and run Kubeflow Pipelines (KFP v2 IR or kf's pipeline YAML) as Argo Workflows.",
        discussion: """
        kf runs the IR that `kfp dsl compile` writes, unchanged, and kf's short pipeline YAML (docs/pipeline.md). \
        A run is an Argo Workflow carrying the IR; on kf-local its tasks run as Pods, in parallel as their \
        dependencies allow, with KFP's caching.
        """,
        subcommands: [PipelineCompileCommand.self, PipelineRunCommand.self, PipelineListCommand.self,
                      PipelineStatusCommand.self, PipelineLogsCommand.self, PipelineDeleteCommand.self,
                      PipelineRetryCommand.self]
    )
}

extension PipelineAction.Target: ExpressibleByArgument {}

/// The connection of the pipeline commands that talk to a cluster.
private func pipelineAction(_ cluster: ClusterOptions) throws -> PipelineAction {
    let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
    return PipelineAction(connection: try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment,
                                                            project: project), project: project)
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
        let text = try PipelineAction.compile(file, to: to, parameters: parameters)
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw ActionError.cannotWrite(path: output, reason: "\(error)")
            }
        } else {
            global.terminal.write(text)
        }
    }
}

struct PipelineRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Start a run of a pipeline.")

    @Argument(help: ArgumentHelp("The pipeline: KFP IR YAML, kf pipeline YAML, or a Workflow from compile --to argo.", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(name: [.short, .customLong("param")], help: ArgumentHelp("A pipeline parameter (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("The run's name (default: the pipeline's and a random suffix).", valueName: "name"))
    var name: String?

    @Flag(name: .customLong("no-cache"), help: "Run every task, none served from the cache (results still fill it).")
    var noCache = false

    @Flag(help: "Follow the run, printing each task's changes, and the tree at the end; the exit code follows its result.")
    var watch = false

    @Flag(name: [.short, .long], help: "With --watch: also print each task's log as it runs, each line after its task's name.")
    var follow = false

    @Option(help: ArgumentHelp("At most this many tasks at once.", valueName: "n"))
    var parallel: Int?

    @Option(help: ArgumentHelp("The experiment the run belongs to (kf pipeline list --experiment shows its runs).", valueName: "name"))
    var experiment: String?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be 1 or more") }
        if follow && !watch { throw ValidationError("--follow prints the tasks' logs while --watch follows the run: add --watch") }
    }

    func run() async throws {
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

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let runs = try await pipelineAction(cluster).list(experiment: experiment)
        let rows = runs.map { run in
            [run.name, run.pipeline, run.experiment, run.phase, run.progress, run.duration.map(RunView.duration) ?? "", run.message ?? ""]
        }
        printTable(["NAME", "PIPELINE", "EXPERIMENT", "PHASE", "PROGRESS", "DURATION", "MESSAGE"], rows, terminal: global.terminal)
    }
}

/// Left-aligned columns, two spaces apart.
private func printTable(_ header: [String], _ rows: [[String]], terminal: Terminal) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        terminal.line(row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
        }.joined().trimmingCharacters(in: .whitespaces))
    }
}

struct PipelineStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a run's tasks as a tree with their phases.")

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run"))
    var run: String

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json], command: "kf pipeline status") }

    func run() async throws {
        let workflow = try await pipelineAction(cluster).get(run)
        let out = global.terminal
        switch output.output {
        case .yaml: out.writeBytes(try KustomizeEmitter.emit([workflow]))
        case .json: out.line(try JSONEmitter.string(workflow))
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

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run"))
    var run: String

    @Option(help: ArgumentHelp("Only this task (its name in the pipeline).", valueName: "task"))
    var task: String?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let out = global.terminal
        try await pipelineAction(cluster).logs(run, task: task) { prefix, line in
            out.line(prefix.map { "[\($0)] " + line } ?? line)
        }
    }
}

struct PipelineDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a run (its Pods go with it).")

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run"))
    var run: String

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await pipelineAction(cluster).delete(run)
        global.terminal.line("run \(run) deleted")
    }
}

struct PipelineRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry",
                                                    abstract: "Run a failed run's failed tasks again, keeping what succeeded.")

    @Argument(help: ArgumentHelp("The run's name.", valueName: "run"))
    var run: String

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await pipelineAction(cluster).retry(run)
        global.terminal.line("run \(run) retried")
    }
}
