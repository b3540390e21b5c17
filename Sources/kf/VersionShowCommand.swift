import Actions
import ArgumentParser

struct VersionShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one version: commit, author, date, message, stages, and kf's URI, digest, metrics, params, lineage.",
        discussion: "NAME shows the latest version; NAME@VERSION that version; NAME#STAGE the version in the stage."
    )

    @Argument(help: ArgumentHelp("NAME, NAME@VERSION, NAME@latest or NAME#STAGE.", valueName: "reference"),
              completion: RegistryCompletions.references)
    var reference: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try registry.print(try ShowAction(reference: reference).run(try registry.open()), terminal: global.terminal)
    }
}
