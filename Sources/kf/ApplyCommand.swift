import Actions
import ArgumentParser
import Cluster
import Foundation
import Resources

extension DryRun: ExpressibleByArgument {}

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Build manifests and apply them to the cluster with server-side apply.",
        discussion: """
        With no argument, applies the project's manifests/overlays/<env> (kf.yaml's environment, or --env). \
        Namespaces and CRDs go first (kf waits until the CRDs are Established), then cluster-scoped objects, then \
        namespaced ones, webhook configurations last. Re-running with nothing changed is a quick no-op, decided \
        against the live objects. On the context kf-local, the project's embedded cluster starts on demand.
        """
    )

    @Argument(help: ArgumentHelp("A folder holding a kustomization (default: the project's overlay).", valueName: "dir"),
              completion: .directory)
    var directory: String?

    @Option(name: [.short, .customLong("filename")], parsing: .singleValue,
            help: ArgumentHelp("A YAML or JSON file, a folder of them, or - for standard input (repeatable).",
                               valueName: "file"), completion: .file(extensions: ["yaml", "yml", "json"]))
    var files: [String] = []

    @Option(help: ArgumentHelp("The overlay of the project to apply: local, dev, prod or another.", valueName: "env"))
    var env: String?

    @Option(name: .customLong("dry-run"), help: ArgumentHelp("none, client (print the objects) or server.", valueName: "mode"))
    var dryRun: DryRun = .none

    @Flag(help: "Show what would change as a unified diff (from a server-side dry run), and change nothing.")
    var diff = false

    @Flag(help: "Delete objects that an earlier kf apply of this set created and that are no longer in it (ApplySet).")
    var prune = false

    @Option(help: ArgumentHelp("The ApplySet's name for --prune (default: kf-<project name>).", valueName: "name"))
    var applyset: String?

    @Flag(help: "Wait until every object is ready (CRDs Established, Deployments available, Jobs complete, ...).")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits, in seconds.", valueName: "seconds"))
    var timeout: Int = 300

    @Option(name: .customLong("field-manager"), help: ArgumentHelp("The server-side apply field manager.", valueName: "name"))
    var fieldManager = "kf"

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json, .name], command: "kf apply")
        if (output.output == .yaml || output.output == .json) && dryRun != .client {
            throw ValidationError("-o \(output.output.rawValue) prints the objects of --dry-run=client; add --dry-run=client")
        }
        if diff && dryRun != .none { throw ValidationError("--diff already changes nothing; drop --dry-run") }
        if diff && prune { throw ValidationError("--diff and --prune do not go together: review the diff, then apply with --prune") }
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if directory != nil && !files.isEmpty { throw ValidationError("give either a folder or -f files, not both") }
    }

    func run() async throws {
        let cwd = FileManager.default.currentDirectoryPath
        let environment = ProcessInfo.processInfo.environment
        let project = try ProjectContext.find(from: cwd)
        let err = Terminal.standardError
        var action = ApplyAction(
            source: try ManifestSource.choose(files: files, directory: directory, project: project, environment: env, verb: "apply"),
            connection: try ClusterConnection(flags: cluster.flags, environment: environment, project: project))
        action.dryRun = dryRun
        action.diff = diff
        action.prune = prune
        action.applySetName = applyset
        action.projectName = project?.file.name
        action.wait = wait
        action.timeout = .seconds(timeout)
        action.fieldManager = fieldManager
        action.namespaceFlag = cluster.namespace
        let out = global.terminal
        let names = output.output == .name
        let suffix = dryRun == .server ? " (server dry run)" : ""
        let outcome = try await action.run(warn: { err.line($0) }, logger: global.requestLogger, progress: { result in
            if case .failed = result.outcome { return }  // reported together at the end
            out.line(kubectlName(result.reference) + (names ? "" : " \(result.outcome.word)\(suffix)"))
        })
        switch outcome {
        case let .rendered(objects):
            if output.output == .json {
                FileHandle.standardOutput.write(Data(try JSONEmitter.list(objects)) + Data("\n".utf8))
            } else if names {
                for object in objects {
                    if let reference = try? ObjectReference(object) { out.line(kubectlName(reference)) }
                }
            } else {
                FileHandle.standardOutput.write(Data(try KustomizeEmitter.emit(objects)))
            }
        case let .diff(text, changed, total):
            out.write(text)
            err.line(ApplyAction.diffSummary(changed: changed, total: total))
        case let .applied(report, pruned, ready):
            for result in pruned { out.line(kubectlName(result.reference) + " pruned") }
            if !names { err.line(ApplyAction.summary(report, serverDryRun: dryRun == .server, allReady: !ready.isEmpty)) }
        }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete what kf apply applied, in reverse order.",
        discussion: """
        With no argument, deletes the objects of the project's manifests/overlays/<env>. Webhook configurations go \
        first and Namespaces and CRDs last. With --wait, kf waits until each object is gone and says which finalizer \
        or object holds up anything still terminating.
        """
    )

    @Argument(help: ArgumentHelp("A folder holding a kustomization (default: the project's overlay).", valueName: "dir"),
              completion: .directory)
    var directory: String?

    @Option(name: [.short, .customLong("filename")], parsing: .singleValue,
            help: ArgumentHelp("A YAML or JSON file, a folder of them, or - for standard input (repeatable).",
                               valueName: "file"), completion: .file(extensions: ["yaml", "yml", "json"]))
    var files: [String] = []

    @Option(help: ArgumentHelp("The overlay of the project: local, dev, prod or another.", valueName: "env"))
    var env: String?

    @Flag(help: "Wait until every object is gone.")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits, in seconds.", valueName: "seconds"))
    var timeout: Int = 120

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if directory != nil && !files.isEmpty { throw ValidationError("give either a folder or -f files, not both") }
    }

    func run() async throws {
        let cwd = FileManager.default.currentDirectoryPath
        let project = try ProjectContext.find(from: cwd)
        let err = Terminal.standardError
        let action = DeleteAction(
            source: try ManifestSource.choose(files: files, directory: directory, project: project, environment: env, verb: "delete"),
            connection: try ClusterConnection(flags: cluster.flags, environment: ProcessInfo.processInfo.environment, project: project),
            wait: wait ? .seconds(timeout) : nil)
        let out = global.terminal
        _ = try await action.run(warn: { err.line($0) }, logger: global.requestLogger, progress: { result in
            switch result.outcome {
            case .deleted, .notFound: out.line(kubectlName(result.reference) + " " + result.outcome.word)
            default: break
            }
        })
    }
}
