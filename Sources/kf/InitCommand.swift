import Actions
import ArgumentParser
import Foundation
import Templates

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a kf project, or complete an existing one.",
        discussion: """
        Creates kf.yaml, manifests/ (a kustomize base and the overlays local, dev and prod), a .gitignore that \
        keeps .kf/ out of git, and a git repository when the folder is not inside one. Running it again adds \
        what is missing and never overwrites a file you changed.

        --example digits (or recommender) adds an example project: src/ with the Python that prepares the data, \
        trains, evaluates and shows a prediction, requirements.txt, and pipeline.yaml, a kf pipeline that tunes, \
        trains the best, evaluates, registers, promotes to staging and serves the model (docs/examples.md).
        """
    )

    @Argument(help: ArgumentHelp("The project folder to create, or . for the current one.", valueName: "NAME|."),
              completion: .directory)
    var path: String

    @Option(help: ArgumentHelp("The project's name (default: the folder's name).", valueName: "name"))
    var name: String?

    @Option(name: [.short, .long], help: ArgumentHelp("The namespace the project works in (default: its name).",
                                                      valueName: "name"))
    var namespace: String?

    @Option(help: ArgumentHelp("The kubeconfig context the project talks to (default: kf-local).", valueName: "name"))
    var context: String?

    @Option(name: .customLong("registry-remote"),
            help: ArgumentHelp("The git remote that model versions are pushed to.", valueName: "remote"))
    var registryRemote: String?

    @Option(help: ArgumentHelp("Add an example project: \(InitAction.examples.joined(separator: " or ")).",
                               valueName: "name"),
            completion: .list(InitAction.examples))
    var example: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try InitAction(directory: path, name: name, namespace: namespace, context: context,
                                    registryRemote: registryRemote, example: example).run()
        let out = global.terminal
        let err = Terminal.standardError
        for warning in result.warnings { err.warning(warning) }
        for entry in result.entries {
            let color: Terminal.Color = switch entry.outcome {
            case .created: .green
            case .updated: .green
            case .kept: .dim
            case .skipped: .yellow
            }
            let label = out.paint(entry.outcome.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), color)
            out.line("  \(label) \(entry.path)" + (entry.note.map { " (\($0))" } ?? ""))
            if global.verbose, let origin = entry.origin {
                switch origin {
                case .embedded: out.line("           from kf's built-in template")
                case let .project(path): out.line("           from the project's template \(path)")
                }
            }
        }
        let project = result.project
        out.line("Project \"\(project.name)\" is ready in \(result.root) (namespace \(project.namespace), context \(project.context)).")
        if !result.nextSteps.isEmpty {
            out.line("Next: create the venv, commit (the registry registers what was committed) and run the lifecycle:")
            for step in result.nextSteps { out.line("  " + step) }
        }
    }
}
