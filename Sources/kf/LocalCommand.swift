import ArgumentParser
import Foundation
import LocalCluster
import LocalControllers
import LocalRuntime
import Project
import Synchronization

/// `kf local`: the embedded Kubernetes-compatible API server for this project.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run kf-local, the project's own Kubernetes-compatible API server on 127.0.0.1.",
        discussion: """
        kf-local keeps its objects in SQLite under the project's .kf/ folder and serves the Kubernetes API to \
        kubectl and kf alike. Commands whose context is kf-local start it on demand; `kf local up` starts it \
        explicitly. Use it with kubectl through `KUBECONFIG=.kf/kubeconfig kubectl ...`.
        """,
        subcommands: [LocalUp.self, LocalDown.self, LocalStatusCommand.self, LocalReset.self, LocalKubeconfig.self, LocalServe.self]
    )
}

/// Options naming the project whose kf-local to act on.
struct ProjectLocation: ParsableArguments {
    @Option(help: ArgumentHelp("The project folder (default: the one holding kf.yaml, from the current folder up).", valueName: "path"),
            completion: .directory)
    var project: String?

    /// The project root: --project, else the folder of the nearest kf.yaml, else the current folder.
    var root: URL {
        if let project { return URL(fileURLWithPath: project).standardizedFileURL }
        let here = FileManager.default.currentDirectoryPath
        if let file = ProjectFile.locate(from: here) { return URL(fileURLWithPath: file).deletingLastPathComponent() }
        return URL(fileURLWithPath: here)
    }
}

struct LocalUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Start kf-local in the background (if it is not running).")
    @OptionGroup var location: ProjectLocation
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let endpoint = try await LocalCluster.ensureRunning(projectRoot: location.root)
        global.terminal.line("kf-local is running at \(endpoint.url)")
        global.terminal.line("Use it with: KUBECONFIG=\(endpoint.kubeconfigPath) kubectl get namespaces")
    }
}

struct LocalDown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Stop kf-local (its objects stay in .kf/).",
        discussion: """
        Sends SIGTERM (also to a server still starting) and waits until the process has exited; after --grace \
        seconds it sends SIGKILL. Container processes the server recorded and did not stop are killed then too.
        """)
    @OptionGroup var location: ProjectLocation
    @Option(help: ArgumentHelp("Seconds to wait after SIGTERM before SIGKILL.", valueName: "seconds"))
    var grace: Double = 30
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard grace >= 0, grace <= 3600 else { throw ValidationError("--grace must be between 0 and 3600 seconds, got \(grace)") }
    }

    func run() async throws {
        let killed = Mutex(0)
        let outcome = try await LocalCluster.down(projectRoot: location.root, grace: grace) { state in
            let count = NodeAgent.killLeftovers(stateDirectory: state)
            killed.withLock { $0 = count }
        }
        switch outcome {
        case .notRunning: global.terminal.line("kf-local was not running")
        case .stopped: global.terminal.line("kf-local stopped")
        case .killed: global.terminal.line("kf-local did not stop after SIGTERM and was killed (SIGKILL)")
        }
        let count = killed.withLock { $0 }
        if count > 0 { global.terminal.line("killed \(count) container process group(s) it left running") }
    }
}

struct LocalStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show kf-local's address, version, uptime and object counts.")
    @OptionGroup var location: ProjectLocation
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let out = global.terminal
        guard let status = await LocalCluster.status(projectRoot: location.root) else {
            out.line("kf-local is not running for \(location.root.path) (start it with `kf local up`)")
            throw ExitCode(3)
        }
        out.line("kf-local is running")
        out.line("  address:          \(status.endpoint.url)")
        out.line("  version:          \(status.version)")
        out.line("  pid:              \(status.pid)")
        out.line("  uptime:           \(status.uptimeSeconds)s")
        out.line("  resourceVersion:  \(status.resourceVersion)")
        out.line("  kubeconfig:       \(status.endpoint.kubeconfigPath)")
        let total = status.objectCounts.reduce(0) { $0 + $1.count }
        out.line("  objects:          \(total)")
        for (resource, count) in status.objectCounts {
            out.line("    " + resource.padding(toLength: 48, withPad: " ", startingAt: 0) + String(count))
        }
    }
}

struct LocalReset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Stop kf-local and delete every object it stores.")
    @OptionGroup var location: ProjectLocation
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await LocalCluster.reset(projectRoot: location.root) { _ = NodeAgent.killLeftovers(stateDirectory: $0) }
        global.terminal.line("kf-local stopped and its store deleted; `kf local up` starts it empty")
    }
}

struct LocalKubeconfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print a kubeconfig for kf-local (starting it if needed).")
    @OptionGroup var location: ProjectLocation
    @Flag(name: .customLong("client-cert"),
          help: "Authenticate with kf-local's admin client certificate (client-certificate-data) instead of the bearer token.")
    var clientCertificate = false

    func run() async throws {
        _ = try await LocalCluster.ensureRunning(projectRoot: location.root)
        let text = clientCertificate ? try LocalCluster.clientCertificateKubeconfigText(projectRoot: location.root)
                                     : try LocalCluster.kubeconfigText(projectRoot: location.root)
        print(text, terminator: "")
    }
}

/// The background server process that `kf local up` starts.
struct LocalServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run kf-local in the foreground.", shouldDisplay: false)
    @OptionGroup var location: ProjectLocation
    @Option(parsing: .unconditional, help: ArgumentHelp("The port to listen on (default: the last one used, else a free one).", valueName: "port"))
    var port: Int?

    func run() async throws {
        try await LocalCluster.serve(projectRoot: location.root, port: port, agents: [NodeAgent(), ControllerManager()])
    }
}
