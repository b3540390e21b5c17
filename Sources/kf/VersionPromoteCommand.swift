import Actions
import ArgumentParser

struct VersionPromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Assign a stage to a version: a tag NAME#STAGE#N (or NAME#STAGE with --simple), as `gto assign` writes it.",
        discussion: "N is one more than the highest counter among the artifact's tags, shared across its stages.",
        aliases: ["assign"]
    )

    @Argument(help: "The artifact's name.", completion: RegistryCompletions.names)
    var name: String

    @Argument(help: "The version, e.g. v1.0.0.", completion: RegistryCompletions.versions)
    var version: String

    @Argument(help: "The stage (from .gto's stages, else kf.yaml's registry.stages, else any).",
              completion: RegistryCompletions.stages)
    var stage: String

    @Option(name: [.short, .long], help: "The tag message (default: GTO's).")
    var message: String?

    @Flag(help: "Write NAME#STAGE without the counter.")
    var simple = false

    @Flag(help: "Record the assignment even if the version is already in the stage.")
    var force = false

    @Flag(help: "Push the tag to the registry remote (kf.yaml registry.remote, else origin).")
    var push = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let action = PromoteAction(name: name, version: version, stage: stage, message: message, simple: simple,
                                   force: force, push: push)
        try registry.print(try action.run(try registry.open()), terminal: global.terminal)
    }
}
