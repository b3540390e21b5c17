import ArgumentParser

enum Shell: String, CaseIterable, ExpressibleByArgument {
    case bash, zsh, fish
}

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
        bash:  kf completion bash > ~/.local/share/bash-completion/completions/kf
        zsh:   kf completion zsh > "${fpath[1]}/_kf"
        fish:  kf completion fish > ~/.config/fish/completions/kf.fish
        """
    )

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        let kind: CompletionShell = switch shell {
        case .bash: .bash
        case .zsh: .zsh
        case .fish: .fish
        }
        print(KF.completionScript(for: kind), terminator: "")
    }
}
