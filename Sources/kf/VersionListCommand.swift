import Actions
import ArgumentParser

struct VersionListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List artifacts with their latest version and the version in each stage (GTO's `show`).",
        discussion: "With NAME, lists its versions. -o json prints what `gto show [NAME] --json` prints."
    )

    @Argument(help: ArgumentHelp("An artifact (or NAME@VERSION, NAME#STAGE) to list the versions of.",
                                 valueName: "name"), completion: RegistryCompletions.references)
    var name: String?

    @Flag(name: [.short, .long], help: "Include deprecated artifacts and versions.")
    var deprecated = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try ListAction(reference: name, includeDeprecated: deprecated).run(try registry.open())
        try registry.print(result, terminal: global.terminal)
    }
}
