import Actions
import ArgumentParser

struct VersionResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Print the artifact URI of NAME@VERSION or NAME#STAGE (for scripts and `kf serve`)."
    )

    @Argument(help: ArgumentHelp("NAME@VERSION, NAME@latest or NAME#STAGE.", valueName: "reference"),
              completion: RegistryCompletions.references)
    var reference: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try registry.print(try ResolveAction(reference: reference).run(try registry.open()), terminal: global.terminal)
    }
}
