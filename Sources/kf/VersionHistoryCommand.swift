import Actions
import ArgumentParser

struct VersionHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the journal of registrations, assignments and deprecations (GTO's `history`).",
        discussion: "-o json prints what `gto history [NAME] --json` prints."
    )

    @Argument(help: "Only this artifact.", completion: RegistryCompletions.names)
    var name: String?

    @Flag(name: [.customLong("ascending"), .customLong("asc")], help: "Oldest first.")
    var ascending = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try HistoryAction(name: name, ascending: ascending).run(try registry.open())
        try registry.print(result, terminal: global.terminal)
    }
}
