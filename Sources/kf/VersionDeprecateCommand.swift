import Actions
import ArgumentParser

struct VersionDeprecateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deprecate",
        abstract: "Deprecate an artifact (NAME@deprecated), a version (NAME@vX.Y.Z!) or a stage (NAME#STAGE!#N), as gto does.",
        discussion: "With --delete, removes the tags (and kf's notes on them) instead of adding one."
    )

    @Argument(help: "The artifact's name.", completion: RegistryCompletions.names)
    var name: String

    @Argument(help: "The version to deprecate (or whose stage to unassign).", completion: RegistryCompletions.versions)
    var version: String?

    @Argument(help: "The stage to unassign from the version.", completion: RegistryCompletions.stages)
    var stage: String?

    @Option(name: [.short, .long], help: "The tag message (default: GTO's).")
    var message: String?

    @Flag(name: [.short, .long], help: "Delete the tags instead of writing a new one.")
    var delete = false

    @Flag(help: "Push the change to the registry remote (kf.yaml registry.remote, else origin).")
    var push = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let action = DeprecateAction(name: name, version: version, stage: stage, message: message, delete: delete, push: push)
        try registry.print(try action.run(try registry.open()), terminal: global.terminal)
    }
}
