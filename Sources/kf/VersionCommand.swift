import Actions
import ArgumentParser
import Resources
import Yams

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print kf's version and what it was built with.",
        discussion: "Like `kubectl version --client`; -o json and -o yaml print the same facts for scripts."
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json], command: "kf version")
    }

    func run() throws {
        let version = ClientVersion.current()
        let out = global.terminal
        switch output.output {
        case .json:
            out.line(JSONRendering.render(version.node))
        case .yaml:
            out.write(try Yams.serialize(node: version.node))
        default:
            for line in version.lines { out.line(line) }
        }
    }
}
