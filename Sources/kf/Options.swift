import Actions
import ArgumentParser
import Cluster
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print more about what kf does (tokens and secrets are always redacted).")
    var verbose = false

    @Flag(name: .customLong("no-color"), help: "Never colour the output (also when NO_COLOR is set).")
    var noColor = false

    /// The terminal to print to, honouring --no-color and NO_COLOR.
    var terminal: Terminal {
        Terminal(colorAllowed: !noColor)
    }

    /// With -v, each request's method, URL, status and time on stderr (tokens and secrets redacted by Cluster).
    var requestLogger: RequestLogger? {
        guard verbose else { return nil }
        return { entry in Terminal.standardError.line(entry.description) }
    }
}

/// Options of commands that talk to a cluster. Precedence: flag, then environment, then kf.yaml, then kubeconfig.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).", valueName: "path"),
            completion: .file())
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).",
                               valueName: "name"))
    var context: String?

    @Option(name: [.short, .long],
            help: ArgumentHelp("The namespace (default: KF_NAMESPACE, then kf.yaml, then the context's).", valueName: "name"))
    var namespace: String?

    var flags: ClusterFlags {
        ClusterFlags(kubeconfig: kubeconfig, context: context, namespace: namespace)
    }
}

/// The formats a command can print.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case table, yaml, json, name, wide
}

/// `-o/--output`; each command says which formats it supports.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Output format: table, yaml, json, name or wide, as the command supports.",
                                                      valueName: "format"))
    var output: OutputFormat = .table

    func require(_ supported: [OutputFormat], command: String) throws {
        guard supported.contains(output) else {
            throw ValidationError("\(command) prints " + supported.map(\.rawValue).joined(separator: ", ")
                                  + "; -o \(output.rawValue) is not one of them")
        }
    }

    /// A command that creates one object (kf train, tune, serve): a table or names, or, with --dry-run=client, the
    /// object itself as yaml or json.
    func requireCreateOutput(command: String, object: String, dryRun: DryRun) throws {
        try require([.table, .yaml, .json, .name], command: command)
        if (output == .yaml || output == .json) && dryRun != .client {
            throw ValidationError("-o \(output.rawValue) prints the \(object) of --dry-run=client; add --dry-run=client")
        }
    }
}
