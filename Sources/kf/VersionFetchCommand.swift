import Actions
import ArgumentParser

struct VersionFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch the registry's tags and kf's notes (refs/notes/kf) from the registry remote.",
        discussion: "A plain `git clone` brings neither all tags' notes nor refs/notes/kf; this does, joining the remote's notes with yours."
    )

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try registry.print(try FetchAction().run(try registry.open()), terminal: global.terminal)
    }
}
