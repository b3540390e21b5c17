import ArgumentParser
import Foundation
import Manifests

/// `kf build [DIR]`: what `kubectl kustomize DIR` prints, byte for byte.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a kustomization and print its resources, as `kubectl kustomize` does.",
        discussion: """
        Prints the YAML stream to stdout (-o json prints a JSON list). --output-path writes a file instead, or \
        one file per resource when PATH is an existing directory. Helm charts, exec/container KRM functions and \
        alpha plugins are not run.
        """
    )

    @Argument(help: ArgumentHelp("The directory holding kustomization.yaml.", valueName: "dir"),
              completion: .directory)
    var directory: String = "."

    @Option(name: .customLong("output-path"),
            help: ArgumentHelp("Write to this file, or one file per resource into this existing directory.",
                               valueName: "path"),
            completion: .file())
    var outputPath: String?

    @Option(name: .customLong("load-restrictor"),
            help: ArgumentHelp("LoadRestrictionsRootOnly (default) or LoadRestrictionsNone.", valueName: "restriction"))
    var loadRestrictor: String = LoadRestriction.rootOnly.rawValue

    @Flag(name: .customLong("enable-alpha-plugins"), help: .hidden)
    var enableAlphaPlugins = false

    @Flag(name: .customLong("enable-helm"), help: .hidden)
    var enableHelm = false

    @Flag(name: .customLong("enable-exec"), help: .hidden)
    var enableExec = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json], command: "kf build")
        if LoadRestriction(rawValue: loadRestrictor) == nil {
            throw ValidationError("--load-restrictor must be LoadRestrictionsRootOnly or LoadRestrictionsNone, not '\(loadRestrictor)'")
        }
        if enableAlphaPlugins || enableExec {
            throw ValidationError("kf build does not run plugins or KRM functions (--enable-alpha-plugins, --enable-exec); "
                                  + "run them separately and list their output under resources")
        }
        if enableHelm {
            throw ValidationError("kf build does not inflate helm charts (--enable-helm); render the chart with "
                                  + "`helm template` and list the output under resources")
        }
    }

    func run() throws {
        let stderr = Terminal.standardError
        let options = BuildOptions(loadRestriction: LoadRestriction(rawValue: loadRestrictor) ?? .rootOnly,
                                   warn: { stderr.line($0) })
        let resources = try Kustomizer(options: options).build(directory)
        guard let outputPath else {
            if output.output == .json {
                global.terminal.write(try Rendering.json(resources) + "\n")
            } else {
                global.terminal.writeBytes(try Kustomizer.yamlBytes(resources))
            }
            return
        }
        try Rendering.write(resources, to: outputPath, json: output.output == .json)
    }
}
