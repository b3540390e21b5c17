import Actions
import ArgumentParser
import Cluster
import Foundation
import Resources
import Workloads

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models with KServe InferenceServices: deploy, predict, canary, promote, roll back.",
        discussion: """
        `kf serve NAME --model MODEL#STAGE --format sklearn` resolves the model through the registry to its \
        artifact URI, renders the InferenceService from kf's template plus an overlay of the flags, writes both under \
        manifests/serve/ (ready to commit; `kubectl kustomize manifests/serve/NAME` builds the same service), and \
        creates it, or updates it when it exists (with --canary the new model gets that share of the traffic). \
        Flags not given come from kf.yaml's defaults.serve.
        """,
        subcommands: [ServeRunCommand.self, ServeListCommand.self, ServeStatusCommand.self, ServePredictCommand.self,
                      ServePromoteCommand.self, ServeRollbackCommand.self, ServeLogsCommand.self, ServeDeleteCommand.self],
        defaultSubcommand: ServeRunCommand.self
    )
}

/// The connection and namespace every serve subcommand starts from.
struct ServeContext {
    let project: ProjectContext?
    let connection: ClusterConnection

    init(_ cluster: ClusterOptions) throws {
        project = try ProjectContext.find(from: FileManager.default.currentDirectoryPath)
        connection = try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project)
    }

    func services(_ global: GlobalOptions) async throws -> InferenceServices {
        InferenceServices(client: try await connection.client(logger: global.requestLogger))
    }
}

struct ServeRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create or update an InferenceService (the default: `kf serve NAME ...` runs this).",
        discussion: """
        Serverless mode rolls a canary out with canaryTrafficPercent (the new revision gets PERCENT, the one rolled \
        out before the rest); Standard mode, which ignores that field, with KServe v0.20's spec.canary. On kf-local a \
        model path becomes a file:// URI; a cluster needs a URI it can read (s3://, gs://, pvc://, https://, hf://).
        """
    )

    @Argument(help: ArgumentHelp("The InferenceService's name.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("A registered model version: MODEL@VERSION or MODEL#STAGE.", valueName: "model@version|model#stage"),
            completion: RegistryCompletions.references)
    var model: String?

    @Option(name: .customLong("storage-uri"), help: ArgumentHelp("The model's location instead of --model (s3://, gs://, pvc://, https://, ...; a path on kf-local).", valueName: "uri"))
    var storageURI: String?

    @Option(help: ArgumentHelp("sklearn, xgboost, lightgbm, onnx, tensorflow, pytorch or huggingface (default: kf.yaml).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("The ServingRuntime or ClusterServingRuntime (default: KServe picks one for the format).", valueName: "name"))
    var runtime: String?

    @Option(name: .customLong("protocol"), help: ArgumentHelp("The inference protocol: v1 or v2.", valueName: "version"))
    var protocolVersion: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Roll the new model out to this share of the traffic (0-100) beside the current one.", valueName: "percent"))
    var canary: Int?

    @Option(name: .customLong("min-replicas"), parsing: .unconditional, help: ArgumentHelp("The fewest predictor replicas.", valueName: "n"))
    var minReplicas: Int?

    @Option(name: .customLong("max-replicas"), parsing: .unconditional, help: ArgumentHelp("The most predictor replicas.", valueName: "n"))
    var maxReplicas: Int?

    @Option(help: ArgumentHelp("CPU of the model server, a quantity such as 500m or 2.", valueName: "quantity"))
    var cpu: String?

    @Option(help: ArgumentHelp("Memory of the model server, a quantity such as 1Gi.", valueName: "quantity"))
    var memory: String?

    @Option(name: .customLong("deployment-mode"), help: ArgumentHelp("Serverless (Knative) or Standard (RawDeployment).", valueName: "mode"))
    var deploymentMode: String?

    @Option(help: ArgumentHelp("The model registry: a repository path or git URL (default: the project's repository).", valueName: "path|url"),
            completion: .directory)
    var registry: String?

    @Flag(help: "Wait until the service is ready (fails at once when its model cannot load).")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits, in seconds.", valueName: "seconds"))
    var timeout: Int = 600

    @Option(name: .customLong("dry-run"), help: ArgumentHelp("none, client (print the service, create nothing) or server.", valueName: "mode"))
    var dryRun: DryRun = .none

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.requireCreateOutput(command: "kf serve", object: "InferenceService", dryRun: dryRun)
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if wait && dryRun != .none { throw ValidationError("--wait follows a service that exists; drop --dry-run") }
    }

    func run() async throws {
        let context = try ServeContext(cluster)
        var request = ServeRequest(name: name)
        request.model = model
        request.storageURI = storageURI
        request.format = format
        request.runtime = runtime
        request.protocolVersion = protocolVersion
        request.canary = canary
        request.minReplicas = minReplicas
        request.maxReplicas = maxReplicas
        request.cpu = cpu
        request.memory = memory
        request.deploymentMode = deploymentMode
        var action = ServeAction(spec: try request.spec(defaults: context.project?.file.defaults["serve"] ?? [:]),
                                 project: context.project, connection: context.connection)
        action.registry = registry
        action.dryRun = dryRun
        action.wait = wait
        action.timeout = .seconds(timeout)
        let err = Terminal.standardError
        let out = global.terminal
        let outcome = try await action.run(logger: global.requestLogger) { line in
            if line.hasPrefix("inferenceservice.") { out.line(output.output == .name ? String(line.prefix { $0 != " " }) : line) } else { err.line(line) }
        }
        switch outcome {
        case let .rendered(service):
            switch output.output {
            case .json: out.line(try JSONEmitter.string(service))
            case .name: out.line(kubectlName(try ObjectReference(service)))
            default: out.writeBytes(try KustomizeEmitter.emit([service]))
            }
        case let .applied(_, _, storageURI, version, files, _):
            guard output.output != .name else { return }
            err.line("model: " + (version.map { "\($0) -> " } ?? "") + storageURI)
            if !files.isEmpty { err.line("wrote " + files.joined(separator: ", ")) }
        }
    }
}

/// The argument naming one existing service.
struct ServeNameOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The InferenceService's name.", valueName: "name"))
    var name: String
}

struct ServeListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List InferenceServices, oldest first.")

    @Flag(name: [.short, .customLong("all-namespaces")], help: "List services in every namespace.")
    var allNamespaces = false

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .wide, .yaml, .json, .name], command: "kf serve list") }

    func run() async throws {
        let context = try ServeContext(cluster)
        let services = try await context.services(global).list(namespace: allNamespaces ? "" : context.connection.namespace)
        try ServingFormat.print(services, format: output.output, allNamespaces: allNamespaces, terminal: global.terminal)
    }
}

struct ServeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a service's URL, model, conditions and revisions with their traffic.")

    @OptionGroup var service: ServeNameOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try output.require([.table, .yaml, .json, .name], command: "kf serve status") }

    func run() async throws {
        let context = try ServeContext(cluster)
        let object = try await context.services(global).find(service.name, namespace: context.connection.namespace)
        let out = global.terminal
        switch output.output {
        case .yaml: out.writeBytes(try KustomizeEmitter.emit([object]))
        case .json: out.line(try JSONEmitter.string(object))
        case .name: out.line(kubectlName(try ObjectReference(object)))
        default: for line in ServingFormat.statusLines(InferenceServiceStatus(object)) { out.line(line) }
        }
    }
}

struct ServePredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Send one prediction request to a service (V1 :predict or V2 /infer).",
        discussion: """
        The input is the protocol's request ({"instances": [...]} for V1, {"inputs": [...]} for V2) or just a JSON \
        list of rows, which kf wraps in the protocol's request. The protocol defaults to the service's. kf sends it \
        to the service's URL (status.url), or, when that is a cluster-internal name or out of reach, through the API \
        server's service proxy to the predictor's Service (KServe's NAME-predictor in Standard mode, the revision's \
        Service in Serverless mode); --via url|proxy picks one.
        """
    )

    @OptionGroup var service: ServeNameOptions

    @Option(help: ArgumentHelp("A JSON file with the request (- for standard input).", valueName: "file"),
            completion: .file(extensions: ["json"]))
    var data: String?

    @Option(help: ArgumentHelp("The request as JSON text.", valueName: "json"))
    var json: String?

    @Option(name: .customLong("protocol"), help: ArgumentHelp("v1 or v2 (default: the service's protocolVersion, else v1).", valueName: "version"))
    var protocolVersion: InferenceProtocol?

    @Option(help: ArgumentHelp("How to reach the service: auto (its URL unless that is a cluster-internal name or unreachable, then the API server's service proxy), url or proxy.",
                               valueName: "route"))
    var via: PredictAction.Route = .auto

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json], command: "kf serve predict")
        if (data == nil) == (json == nil) { throw ValidationError("give the request with either --data FILE or --json TEXT") }
    }

    func run() async throws {
        let (input, origin) = try PredictAction.input(data: data, json: json)
        let context = try ServeContext(cluster)
        let client = try await context.connection.client(logger: global.requestLogger)
        let result = try await PredictAction(name: service.name, namespace: context.connection.namespace, input: input,
                                             origin: origin, protocolVersion: protocolVersion, route: via).run(client)
        let out = global.terminal
        switch output.output {
        case .json: out.writeBytes(result.body + (result.body.last == 0x0A ? [] : [0x0A]))
        case .yaml:
            guard let value = result.value else { out.writeBytes(result.body); return }
            out.writeBytes(try KustomizeEmitter.emit([value]))
        default:
            let predictions = result.predictions
            if predictions.isEmpty {
                out.writeBytes(result.body + (result.body.last == 0x0A ? [] : [0x0A]))
            } else {
                for prediction in predictions { out.line(prediction.scalar?.text ?? JSON.string(prediction)) }
            }
        }
    }
}

extension InferenceProtocol: ExpressibleByArgument {}
extension PredictAction.Route: ExpressibleByArgument {}

struct ServePromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Send all traffic to the canary (Serverless: drop canaryTrafficPercent; Standard: the canary becomes the predictor).")

    @OptionGroup var service: ServeNameOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try ServeContext(cluster)
        _ = try await context.services(global).promote(service.name, namespace: context.connection.namespace)
        global.terminal.line("inferenceservice.serving.kserve.io/\(service.name) promoted: the canary gets all traffic")
    }
}

struct ServeRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Send all traffic back to the previous model (the canary's share becomes 0).")

    @OptionGroup var service: ServeNameOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try ServeContext(cluster)
        _ = try await context.services(global).rollback(service.name, namespace: context.connection.namespace)
        global.terminal.line("inferenceservice.serving.kserve.io/\(service.name) rolled back: the previous model gets all traffic")
    }
}

struct ServeLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the model server's log (every predictor Pod's, prefixed by Pod when several).")

    @OptionGroup var service: ServeNameOptions

    @Flag(name: [.short, .long], help: "Stream the log (waits for the Pods).")
    var follow = false

    @Flag(help: "Only the canary's Pods.")
    var canary = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Only the last lines of each log.", valueName: "n"))
    var tail: Int?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    func run() async throws {
        let context = try ServeContext(cluster)
        let services = try await context.services(global)
        let object = try await services.find(service.name, namespace: context.connection.namespace)
        try await services.logs(of: object, canary: canary, follow: follow, tailLines: tail, emit: TrainingFormat.logPrinter(global.terminal))
    }
}

struct ServeDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a service with its model servers.")

    @OptionGroup var service: ServeNameOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try ServeContext(cluster)
        try await context.services(global).delete(service.name, namespace: context.connection.namespace)
        global.terminal.line("inferenceservice.serving.kserve.io/\(service.name) deleted")
    }
}

/// How `kf serve` prints services.
enum ServingFormat {
    static func traffic(_ status: InferenceServiceStatus) -> String {
        status.revisions.map { "\($0.name)=\($0.percent)%" }.joined(separator: ",")
    }

    static func print(_ services: [InferenceServiceStatus], format: OutputFormat, allNamespaces: Bool, terminal: Terminal) throws {
        switch format {
        case .name:
            for service in services { terminal.line("inferenceservice.serving.kserve.io/" + service.name) }
        case .json, .yaml:
            let items = Value.sequence(services.map(summary))
            if format == .json { terminal.line(try JSONEmitter.string(items)) } else { terminal.writeBytes(try KustomizeEmitter.emit([items])) }
        default:
            if services.isEmpty {
                Terminal.standardError.line("No InferenceServices found.")
                return
            }
            let now = Date()
            var header = ["NAME", "READY", "URL", "MODEL", "TRAFFIC", "AGE"]
            if allNamespaces { header.insert("NAMESPACE", at: 0) }
            if format == .wide { header += ["MODE", "STORAGE", "MESSAGE"] }
            let rows: [[String?]] = services.map { service in
                var row: [String?] = [service.name, service.ready, service.url, service.modelVersion ?? service.format,
                                      traffic(service), service.created.map { TrainingFormat.duration(now.timeIntervalSince($0)) }]
                if allNamespaces { row.insert(service.namespace, at: 0) }
                if format == .wide {
                    row += [service.deploymentMode?.rawValue, service.storageURI, service.message.isEmpty ? nil : service.message]
                }
                return row
            }
            for line in table(header, rows) { terminal.line(line) }
        }
    }

    static func summary(_ service: InferenceServiceStatus) -> Value {
        var mapping = Mapping([("name", .string(service.name)), ("namespace", .string(service.namespace)),
                               ("ready", .string(service.ready))])
        if let url = service.url { mapping["url"] = .string(url) }
        if let mode = service.deploymentMode { mapping["deploymentMode"] = .string(mode.rawValue) }
        if let format = service.format { mapping["format"] = .string(format) }
        if let uri = service.storageURI { mapping["storageUri"] = .string(uri) }
        if let version = service.modelVersion { mapping["modelVersion"] = .string(version) }
        mapping["traffic"] = .sequence(service.revisions.map { revision in
            var entry = Mapping([("revision", .string(revision.name)), ("percent", .int(revision.percent))])
            if let tag = revision.tag { entry["tag"] = .string(tag) }
            entry["latest"] = .bool(revision.latest)
            return .mapping(entry)
        })
        if !service.message.isEmpty { mapping["message"] = .string(service.message) }
        return .mapping(mapping)
    }

    static func statusLines(_ service: InferenceServiceStatus) -> [String] {
        var lines = ["Name:       \(service.name)", "Namespace:  \(service.namespace)",
                     "URL:        \(service.url ?? "-")",
                     "Ready:      \(service.ready)" + (service.message.isEmpty ? "" : " (\(service.message))"),
                     "Mode:       \(service.deploymentMode?.rawValue ?? "-")",
                     "Model:      " + [service.format, service.runtime.map { "runtime " + $0 }, service.protocolVersion.map { "protocol " + $0 }]
                        .compactMap { $0 }.joined(separator: ", "),
                     "Storage:    \(service.storageURI ?? "-")"]
        if let version = service.modelVersion {
            lines.append("Version:    \(version), \(service.modelVersionRole)" + (service.modelReference.map { " (--model \($0))" } ?? ""))
        }
        if let percent = service.canaryTrafficPercent { lines.append("Canary:     \(percent)% to the latest revision (canaryTrafficPercent)") }
        for canary in service.standardCanaries {
            lines.append("Canary:     \(canary.name) gets \(canary.percent)% (spec.canary)" + (canary.storageURI.map { ", " + $0 } ?? ""))
        }
        if let failure = service.failure { lines.append("Failure:    \(failure.reason): \(failure.message)") }
        if !service.revisions.isEmpty {
            lines.append("Traffic:")
            lines += table(["REVISION", "TAG", "PERCENT", "LATEST"],
                           service.revisions.map { [$0.name, $0.tag, "\($0.percent)%", $0.latest ? "yes" : "no"] }).map { "  " + $0 }
        }
        if !service.conditions.isEmpty {
            lines.append("Conditions:")
            lines += table(["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"],
                           service.conditions.map { [$0.type, $0.status, $0.reason, $0.lastTransitionTime, $0.message] }).map { "  " + $0 }
        }
        return lines
    }
}
