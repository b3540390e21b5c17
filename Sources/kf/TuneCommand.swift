import Actions
import ArgumentParser
import Cluster
import Foundation
import Resources
import Workloads

struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune hyperparameters with Katib Experiments (on a cluster with Katib, or on kf-local).",
        discussion: """
        `kf tune NAME --objective minimize --metric loss --param 'lr=double:0.001:0.1:log' --image IMAGE -- COMMAND` \
        renders a Katib v1beta1 Experiment from kf's template plus an overlay of the flags, checks it against Katib's \
        rules, writes both under manifests/tune/, and creates it. The COMMAND gets each trial's values where it says \
        ${trialParameters.NAME} (quote it in the shell) and prints its metrics as `loss=0.25` lines. With \
        `--register MODEL` each trial gets its own KF_OUTPUT_DIR to save its model in; kf waits for the experiment and \
        registers the best trial's model as a version of MODEL, with its parameters and metrics (`kf tune run --help`).
        """,
        subcommands: [TuneRunCommand.self, TuneListCommand.self, TuneStatusCommand.self, TuneTrialsCommand.self,
                      TuneBestCommand.self, TuneLogsCommand.self, TuneWaitCommand.self, TuneDeleteCommand.self],
        defaultSubcommand: TuneRunCommand.self
    )
}

struct TuneRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create an experiment (the default: `kf tune NAME ...` runs this).",
        discussion: """
        Parameters: NAME=double:MIN:MAX[:STEP][:log], NAME=int:MIN:MAX[:STEP][:log], NAME=discrete:V1,V2,... and \
        NAME=categorical:A,B,... Algorithms: random, grid, sobol, tpe (the default), multivariate-tpe, \
        bayesianoptimization, cmaes, hyperband, with Katib's settings (--setting random_state=42). Without \
        --max-trials an experiment runs until its --goal; --parallel defaults to 3 and --max-failed to 3 (neither \
        more than --max-trials).
        """
    )

    @Argument(help: ArgumentHelp("The experiment's name (default: tune- and the time).", valueName: "name"))
    var name: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command each trial runs, after --, with ${trialParameters.NAME} for each parameter.", valueName: "command"))
    var command: [String] = []

    @Option(name: [.short, .customLong("filename")],
            help: ArgumentHelp("A Katib Experiment manifest (YAML or JSON) to run instead of flags.", valueName: "file"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var file: String?

    @Option(help: ArgumentHelp("maximize or minimize the metric.", valueName: "direction"))
    var objective: String?

    @Option(help: ArgumentHelp("The objective metric's name, as the trials print it (name=value).", valueName: "name"))
    var metric: String?

    @Option(help: ArgumentHelp("Stop when a trial's metric reaches this value.", valueName: "value"))
    var goal: Double?

    @Option(name: .customLong("additional-metric"), parsing: .singleValue, help: ArgumentHelp("Another metric to record (repeatable).", valueName: "name"))
    var additionalMetrics: [String] = []

    @Option(name: .customLong("metric-strategy"), parsing: .singleValue, help: ArgumentHelp("Which value of a metric counts: NAME=min, max or latest (repeatable).", valueName: "name=strategy"))
    var metricStrategies: [String] = []

    @Option(help: ArgumentHelp("random, grid, sobol, tpe, multivariate-tpe, bayesianoptimization, cmaes or hyperband (default: tpe).", valueName: "name"))
    var algorithm: String?

    @Option(name: .customLong("setting"), parsing: .singleValue, help: ArgumentHelp("An algorithm setting, Katib's name (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(name: .customLong("param"), parsing: .singleValue, help: ArgumentHelp("A parameter to search (repeatable): lr=double:0.001:0.1:log, layers=int:1:5, opt=categorical:adam,sgd.", valueName: "spec"))
    var parameters: [String] = []

    @Option(name: .customLong("max-trials"), parsing: .unconditional, help: ArgumentHelp("Trials in all.", valueName: "n"))
    var maxTrials: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Trials at a time (default: 3).", valueName: "n"))
    var parallel: Int?

    @Option(name: .customLong("max-failed"), parsing: .unconditional, help: ArgumentHelp("Failed trials that fail the experiment (default: 3).", valueName: "n"))
    var maxFailed: Int?

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp("Stop bad trials early: medianstop.", valueName: "algorithm"))
    var earlyStopping: String?

    @Option(name: .customLong("early-stopping-setting"), parsing: .singleValue, help: ArgumentHelp("min_trials_required=N or start_step=N (repeatable).", valueName: "key=value"))
    var earlyStoppingSettings: [String] = []

    @Option(help: ArgumentHelp("Where metrics come from: stdout (the default), file:PATH (name=value lines) or json:PATH (JSON lines).", valueName: "source"))
    var collector: String?

    @Option(name: .customLong("metrics-format"), parsing: .singleValue, help: ArgumentHelp("A regular expression with two groups, name and value, instead of Katib's name=value (repeatable).", valueName: "regex"))
    var metricsFormat: [String] = []

    @Option(name: .customLong("trial-kind"), help: ArgumentHelp("What each trial runs: job (the default), pytorchjob, tfjob, xgboostjob, mpijob, jaxjob, paddlejob or trainjob.", valueName: "kind"))
    var trialKind: String?

    @Option(help: ArgumentHelp("The trials' container image (default: kf.yaml's defaults.train.image).", valueName: "image"))
    var image: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Processes per trial, as `kf train --workers` counts them (training kinds).", valueName: "n"))
    var workers: Int?

    @Option(help: ArgumentHelp("CPU per replica, a quantity such as 500m or 2.", valueName: "quantity"))
    var cpu: String?

    @Option(help: ArgumentHelp("Memory per replica, a quantity such as 1Gi.", valueName: "quantity"))
    var memory: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("GPUs per replica (nvidia.com/gpu).", valueName: "n"))
    var gpus: Int?

    @Option(parsing: .singleValue, help: ArgumentHelp("An environment variable of each trial (repeatable; the value may hold ${trialParameters.NAME}).", valueName: "name=value"))
    var env: [String] = []

    @Flag(help: "Wait until the experiment ends; the exit code follows its result.")
    var wait = false

    @Flag(help: "Wait, showing the trials and the best so far while the experiment runs.")
    var watch = false

    @Option(help: ArgumentHelp("Wait, then register the model the best trial saved in its KF_OUTPUT_DIR as a version of MODEL (with its parameters and metrics).", valueName: "model"))
    var register: String?

    @Option(help: ArgumentHelp("How long --wait, --watch and --register wait, in seconds.", valueName: "seconds"))
    var timeout: Int = 3600

    @Option(name: .customLong("dry-run"), help: ArgumentHelp("none, client (print the experiment, create nothing) or server.", valueName: "mode"))
    var dryRun: DryRun = .none

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.requireCreateOutput(command: "kf tune", object: "experiment", dryRun: dryRun)
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if (wait || watch) && dryRun != .none { throw ValidationError("--wait and --watch follow an experiment that exists; drop --dry-run") }
        if register != nil && dryRun != .none { throw ValidationError("--register registers what the best trial wrote; drop --dry-run") }
        if register != nil && file != nil {
            throw ValidationError("--register works with an experiment kf makes from flags (it gives each trial KF_OUTPUT_DIR); drop -f")
        }
        if file != nil {
            let given = [name != nil, !command.isEmpty, objective != nil, metric != nil, goal != nil, !additionalMetrics.isEmpty,
                         !metricStrategies.isEmpty, algorithm != nil, !settings.isEmpty, !parameters.isEmpty, maxTrials != nil,
                         parallel != nil, maxFailed != nil, earlyStopping != nil, !earlyStoppingSettings.isEmpty, collector != nil,
                         !metricsFormat.isEmpty, trialKind != nil, image != nil, workers != nil, cpu != nil, memory != nil,
                         gpus != nil, !env.isEmpty]
            if given.contains(true) {
                throw ValidationError("-f runs the experiment as the file describes it; drop NAME, the COMMAND and the experiment flags (or drop -f)")
            }
        }
    }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        var request = TuneRequest()
        request.name = name
        request.objective = objective
        request.metric = metric
        request.goal = goal
        request.additionalMetrics = additionalMetrics
        request.metricStrategies = metricStrategies
        request.algorithm = algorithm
        request.settings = settings
        request.parameters = parameters
        request.maxTrials = maxTrials
        request.parallel = parallel
        request.maxFailed = maxFailed
        request.earlyStopping = earlyStopping
        request.earlyStoppingSettings = earlyStoppingSettings
        request.collector = collector
        request.metricsFormat = metricsFormat
        request.trialKind = trialKind
        request.image = image
        request.command = command
        request.workers = workers
        request.cpu = cpu
        request.memory = memory
        request.gpus = gpus
        request.env = env
        let source: TuneAction.Source
        if let file {
            source = .file(file)
        } else {
            source = .spec(try request.spec(trainDefaults: project?.file.defaults["train"] ?? [:]))
        }
        var action = TuneAction(source: source, project: project,
                                connection: try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project))
        action.dryRun = dryRun
        action.wait = wait || watch || register != nil
        if let register { action.registration = TuneRegistration(model: register) }
        action.timeout = .seconds(timeout)
        let out = global.terminal
        let err = Terminal.standardError
        if watch {
            action.observe = TuneFormat.watcher(out)
        } else if wait || register != nil {
            action.observe = TuneFormat.progressPrinter(err)
        }
        let names = output.output == .name
        let suffix = dryRun == .server ? " created (server dry run)" : " created"
        let outcome = try await action.run(logger: global.requestLogger, created: { reference in
            out.line(kubectlName(reference) + (names ? "" : suffix))
        }, progress: { err.line($0) })
        switch outcome {
        case let .rendered(experiment):
            switch output.output {
            case .json: out.line(try JSONEmitter.string(experiment))
            case .name: out.line(kubectlName(try ObjectReference(experiment)))
            default: out.writeBytes(try KustomizeEmitter.emit([experiment]))
            }
        case let .created(reference, _, final, registered):
            if let final { out.line(TuneFormat.finalLine(reference.name, final)) }
            if let registered {
                out.line("artifact: \(registered.artifact)")
                out.line("metrics: " + registered.metrics.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))
                for line in registered.lines { out.line(line) }
            }
        }
    }
}

/// Options naming one existing experiment.
struct TuneExperimentOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The experiment's name.", valueName: "name"))
    var name: String
}

/// Connects as every `kf tune` query does.
private func tuneClient(_ cluster: ClusterOptions, _ global: GlobalOptions) async throws -> (Experiments, String?) {
    let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
    let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
    return (Experiments(client: try await connection.client(logger: global.requestLogger)), connection.namespace)
}

struct TuneListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List experiments, oldest first.")

    @Flag(name: [.short, .customLong("all-namespaces")], help: "List experiments in every namespace.")
    var allNamespaces = false

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf tune list") }

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        let list = try await experiments.list(namespace: allNamespaces ? "" : namespace)
        let out = global.terminal
        switch output.output {
        case .name:
            for experiment in list { out.line("experiment.kubeflow.org/" + experiment.name) }
        case .json, .yaml:
            try TuneFormat.emit(.sequence(list.map(TuneFormat.summary)), json: output.output == .json, out)
        default:
            guard !list.isEmpty else { return Terminal.standardError.line("No experiments found.") }
            var header = ["NAME", "STATE", "ALGORITHM", "TRIALS", "BEST", "AGE"]
            if allNamespaces { header.insert("NAMESPACE", at: 0) }
            let now = Date()
            let rows: [[String?]] = list.map { experiment in
                var row: [String?] = [experiment.name, experiment.phase.rawValue, experiment.algorithm,
                                      "\(experiment.counts.succeeded)/\(experiment.maxTrials.map(String.init) ?? "-")",
                                      experiment.bestValue.map { "\(experiment.metric)=\($0)" },
                                      experiment.created.map { TrainingFormat.duration(now.timeIntervalSince($0)) }]
                if allNamespaces { row.insert(experiment.namespace, at: 0) }
                return row
            }
            for line in table(header, rows) { out.line(line) }
        }
    }
}

struct TuneStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show an experiment's state, trial counts, best trial and conditions.")

    @OptionGroup var experiment: TuneExperimentOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf tune status") }

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        let object = try await experiments.get(experiment.name, namespace: namespace)
        let out = global.terminal
        switch output.output {
        case .yaml, .json: try TuneFormat.emit(object, json: output.output == .json, out)
        case .name: out.line("experiment.kubeflow.org/" + experiment.name)
        default: for line in TuneFormat.statusLines(ExperimentStatus(object)) { out.line(line) }
        }
    }
}

struct TuneTrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trials", abstract: "List an experiment's trials with their parameters and metrics.")

    @OptionGroup var experiment: TuneExperimentOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf tune trials") }

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        let status = ExperimentStatus(try await experiments.get(experiment.name, namespace: namespace))
        let trials = try await experiments.trials(of: experiment.name, namespace: namespace)
        let out = global.terminal
        switch output.output {
        case .name: for trial in trials { out.line("trial.kubeflow.org/" + trial.name) }
        case .json, .yaml: try TuneFormat.emit(.sequence(trials.map { TuneFormat.trialSummary($0, status) }), json: output.output == .json, out)
        default:
            guard !trials.isEmpty else { return Terminal.standardError.line("No trials yet.") }
            for line in TuneFormat.trialTable(status, trials) { out.line(line) }
        }
    }
}

struct TuneBestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "best", abstract: "Show the best trial so far: its parameters and metrics.")

    @OptionGroup var experiment: TuneExperimentOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf tune best") }

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        let status = ExperimentStatus(try await experiments.get(experiment.name, namespace: namespace))
        guard let best = status.best else { throw ActionError.noBestTrial(experiment: experiment.name) }
        let out = global.terminal
        switch output.output {
        case .name: out.line("trial.kubeflow.org/" + best.name)
        case .json, .yaml: try TuneFormat.emit(TuneFormat.bestSummary(best), json: output.output == .json, out)
        default:
            out.line("Trial:      \(best.name)")
            out.line("Objective:  \(status.objectiveType) \(status.metric) = \(status.bestValue ?? "-")")
            out.line("Parameters:")
            for line in table(["NAME", "VALUE"], best.parameters.map { [$0.name, $0.value] }) { out.line("  " + line) }
            out.line("Metrics:")
            for line in table(["NAME", "MIN", "MAX", "LATEST"], best.metrics.map { [$0.name, $0.min, $0.max, $0.latest] }) { out.line("  " + line) }
        }
    }
}

struct TuneLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a trial's log (the best trial's by default): its primary container's.")

    @OptionGroup var experiment: TuneExperimentOptions

    @Option(help: ArgumentHelp("The trial (default: the best so far).", valueName: "name"))
    var trial: String?

    @Flag(name: [.short, .long], help: "Stream the log while the trial runs.")
    var follow = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Only the last lines.", valueName: "n"))
    var tail: Int?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        let out = global.terminal
        try await experiments.logs(experiment: experiment.name, trial: trial, namespace: namespace, follow: follow, tailLines: tail) { out.line($0) }
    }
}

struct TuneWaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait until an experiment ends; the exit code follows its result.")

    @OptionGroup var experiment: TuneExperimentOptions

    @Option(help: ArgumentHelp("How long to wait, in seconds.", valueName: "seconds"))
    var timeout: Int = 3600

    @Flag(help: "Show the trials and the best so far while waiting.")
    var watch = false

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        let connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
        let experiments = Experiments(client: try await connection.client(logger: global.requestLogger))
        let namespace = connection.namespace
        let local = connection.localProjectRoot != nil
        _ = try await experiments.get(experiment.name, namespace: namespace)
        let reference = ObjectReference(apiVersion: KatibExperiment.apiVersion, kind: KatibExperiment.kind, name: experiment.name, namespace: namespace)
        let observe = watch ? TuneFormat.watcher(global.terminal) : TuneFormat.progressPrinter(Terminal.standardError)
        let final = try await experiments.wait(reference, timeout: .seconds(timeout), local: local,
                                               trouble: { Terminal.standardError.line($0) }, observe: observe)
        global.terminal.line(TuneFormat.finalLine(experiment.name, final))
    }
}

struct TuneDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an experiment with its trials and their resources.")

    @OptionGroup var experiment: TuneExperimentOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (experiments, namespace) = try await tuneClient(cluster, global)
        _ = try await experiments.get(experiment.name, namespace: namespace)
        try await experiments.delete(experiment.name, namespace: namespace)
        global.terminal.line("experiment.kubeflow.org/\(experiment.name) deleted")
    }
}

/// How `kf tune` prints experiments and trials.
enum TuneFormat {
    static func emit(_ value: Value, json: Bool, _ out: Terminal) throws {
        if json { out.line(try JSONEmitter.string(value)) } else { out.writeBytes(try KustomizeEmitter.emit([value])) }
    }

    /// `mnist-tune: Succeeded in 1m3s; best trial mnist-tune-x7k2 loss=0.12 (lr=0.01, layers=3)`.
    static func finalLine(_ name: String, _ status: ExperimentStatus) -> String {
        var line = "\(name): \(status.phase.rawValue)"
        if let seconds = status.duration() { line += " in " + TrainingFormat.duration(seconds) }
        if let best = status.best {
            line += "; best trial \(best.name) \(status.metric)=\(status.bestValue ?? "-")"
            if !best.parameters.isEmpty { line += " (" + best.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")" }
        }
        return line
    }

    static func summary(_ status: ExperimentStatus) -> Value {
        var mapping = Mapping([("name", .string(status.name)), ("namespace", .string(status.namespace)),
                               ("state", .string(status.phase.rawValue)), ("algorithm", .string(status.algorithm)),
                               ("objective", .string(status.objectiveType)), ("metric", .string(status.metric)),
                               ("trials", .int(status.counts.trials)), ("trialsSucceeded", .int(status.counts.succeeded))])
        if !status.reason.isEmpty { mapping["reason"] = .string(status.reason) }
        if let best = status.best { mapping["best"] = bestSummary(best) }
        return .mapping(mapping)
    }

    static func bestSummary(_ best: ExperimentStatus.BestTrial) -> Value {
        .mapping(Mapping([
            ("trial", .string(best.name)),
            ("parameters", .mapping(Mapping(best.parameters.map { ($0.name, .string($0.value)) }))),
            ("metrics", .mapping(Mapping(best.metrics.map { metric in
                (metric.name, .mapping(Mapping([("min", .string(metric.min)), ("max", .string(metric.max)), ("latest", .string(metric.latest))])))
            }))),
        ]))
    }

    static func trialSummary(_ trial: TrialStatus, _ experiment: ExperimentStatus) -> Value {
        var mapping = Mapping([("name", .string(trial.name)), ("state", .string(trial.phase.rawValue)),
                               ("parameters", .mapping(Mapping(trial.parameters.map { ($0.name, .string($0.value)) })))])
        if let value = trial.value(of: experiment.metric, strategy: experiment.strategy) { mapping[experiment.metric] = .string(value) }
        if !trial.message.isEmpty { mapping["message"] = .string(trial.message) }
        return .mapping(mapping)
    }

    static func statusLines(_ status: ExperimentStatus) -> [String] {
        var lines = ["Name:       \(status.name)", "Namespace:  \(status.namespace)",
                     "State:      \(status.phase.rawValue)" + (status.reason.isEmpty ? "" : " (\(status.reason))"),
                     "Objective:  \(status.objectiveType) \(status.metric)" + (status.goal.map { ", goal \($0)" } ?? ""),
                     "Algorithm:  \(status.algorithm)",
                     "Trials:     " + Experiments.summary(status) + ", \(status.parallel) at a time"]
        if !status.message.isEmpty { lines.append("Message:    \(status.message)") }
        if let seconds = status.duration() { lines.append("Duration:   " + TrainingFormat.duration(seconds)) }
        if let best = status.best {
            lines.append("Best:       \(best.name) \(status.metric)=\(status.bestValue ?? "-") ("
                         + best.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")")
        }
        if !status.conditions.isEmpty {
            lines.append("Conditions:")
            lines += table(["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"],
                           status.conditions.map { [$0.type, $0.status, $0.reason, $0.lastTransitionTime, $0.message] }).map { "  " + $0 }
        }
        return lines
    }

    /// One row per trial: name, state, each parameter, the objective metric, duration.
    static func trialTable(_ experiment: ExperimentStatus, _ trials: [TrialStatus]) -> [String] {
        let parameterNames = trials.first?.parameters.map(\.name) ?? []
        let header = ["TRIAL", "STATE"] + parameterNames.map { $0.uppercased() } + [experiment.metric.uppercased(), "DURATION"]
        let best = experiment.best?.name
        let rows: [[String?]] = trials.map { trial in
            let values = parameterNames.map { name in trial.parameters.first { $0.name == name }?.value }
            let state = trial.phase.rawValue + (trial.name == best ? " *" : "")
            return [trial.name, state] + values + [trial.value(of: experiment.metric, strategy: experiment.strategy),
                                                   trial.duration().map(TrainingFormat.duration)]
        }
        return table(header, rows)
    }

    /// --wait without --watch: the experiment's phase changes and each trial's end, on stderr.
    static func progressPrinter(_ err: Terminal) -> @Sendable (TuneSnapshot) -> Void {
        let seen = LockedState()
        return { snapshot in
            for line in seen.changes(snapshot) { err.line(line) }
        }
    }

    /// --watch: on a terminal, the table of trials and the best so far, redrawn in place; otherwise one plain line
    /// per change.
    static func watcher(_ out: Terminal) -> @Sendable (TuneSnapshot) -> Void {
        guard isatty(STDOUT_FILENO) == 1 else { return progressPrinter(out) }
        let drawn = LockedState()
        return { snapshot in
            var lines = ["\(snapshot.experiment.name): \(snapshot.experiment.phase.rawValue), " + Experiments.summary(snapshot.experiment)]
            if let best = snapshot.experiment.best {
                lines.append("best so far: \(best.name) \(snapshot.experiment.metric)=\(snapshot.experiment.bestValue ?? "-") ("
                             + best.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")")
            } else {
                lines.append("best so far: none yet")
            }
            // The latest trials only, so the table fits a terminal and redraws in place.
            let shown = snapshot.trials.suffix(20)
            if shown.count < snapshot.trials.count { lines.append("(\(snapshot.trials.count - shown.count) earlier trials: kf tune trials \(snapshot.experiment.name))") }
            if !shown.isEmpty { lines += trialTable(snapshot.experiment, Array(shown)) }
            let previous = drawn.swapLineCount(lines.count)
            // Up to the first line drawn last time, clear to the end of the screen, draw again.
            out.write((previous > 0 ? "\u{1B}[\(previous)F\u{1B}[J" : "") + lines.joined(separator: "\n") + "\n")
        }
    }
}

/// What the progress printers remember between snapshots.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var phase: ExperimentStatus.Phase?
    private var trialPhases: [String: TrialStatus.Phase] = [:]
    private var best: String?
    private var lineCount = 0

    func swapLineCount(_ count: Int) -> Int {
        lock.withLock {
            defer { lineCount = count }
            return lineCount
        }
    }

    /// Lines for what changed since the last snapshot.
    func changes(_ snapshot: TuneSnapshot) -> [String] {
        lock.withLock {
            var lines: [String] = []
            let experiment = snapshot.experiment
            for trial in snapshot.trials where trialPhases[trial.name] != trial.phase {
                trialPhases[trial.name] = trial.phase
                let parameters = trial.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
                switch trial.phase {
                case .running, .created, .pending:
                    lines.append("trial \(trial.name) \(trial.phase.rawValue): \(parameters)")
                default:
                    var line = "trial \(trial.name) \(trial.phase.rawValue)"
                    if let value = trial.value(of: experiment.metric, strategy: experiment.strategy), value != "unavailable" {
                        line += ": \(experiment.metric)=\(value)"
                    }
                    if trial.phase != .succeeded, !trial.message.isEmpty { line += ": \(trial.message)" }
                    lines.append(line)
                }
            }
            if let bestTrial = experiment.best, bestTrial.name != best {
                best = bestTrial.name
                lines.append("best so far: \(bestTrial.name) \(experiment.metric)=\(experiment.bestValue ?? "-") ("
                             + bestTrial.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")")
            }
            if experiment.phase != phase {
                phase = experiment.phase
                lines.append("\(experiment.name): \(experiment.phase.rawValue)" + (experiment.message.isEmpty ? "" : ": \(experiment.message)"))
            }
            return lines
        }
    }
}
