import Actions
import ArgumentParser

struct VersionStagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List the stages: those .gto (else kf.yaml) allows, else those in use."
    )

    @Flag(help: "Only the stages the configuration allows.")
    var allowed = false

    @Flag(help: "Only the stages some version is in.")
    var used = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if allowed && used { throw ValidationError("pass either --allowed or --used, not both") }
    }

    func run() throws {
        let which: StagesAction.Which = allowed ? .allowed : used ? .used : .effective
        try registry.print(try StagesAction(which: which).run(try registry.open()), terminal: global.terminal)
    }
}
