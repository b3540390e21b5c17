import Actions
import ArgumentParser
import Registry

/// `--repo` and `-o` shared by every registry subcommand.
struct RegistryOptions: ParsableArguments {
    @Option(name: [.short, .long],
            help: ArgumentHelp("The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). "
                               + "Default: the repository around the current folder.", valueName: "path|url"),
            completion: .directory)
    var repo: String?

    @OptionGroup var format: OutputOptions
    var output: OutputFormat { format.output }

    func validate() throws {
        guard [.table, .json, .yaml].contains(output) else {
            throw ValidationError("kf version's registry commands print table, json or yaml; -o \(output.rawValue) is not one of them")
        }
    }

    func open() throws -> RegistryLocation { try RegistryLocation.open(repo: repo) }

    /// Prints an action's result in the chosen format.
    func print(_ result: RegistryOutput, terminal: Terminal) throws {
        for note in result.notes { Terminal.standardError.line("note: " + note) }
        switch output {
        case .json: terminal.writeBytes(result.jsonBytes + [0x0A])
        case .yaml: terminal.write(try result.json.yaml())
        default: for line in result.lines { terminal.line(line) }
        }
    }
}

/// Completion callbacks into kf: names, versions and stages from the registry the command line names.
enum RegistryCompletions {
    static let names: CompletionKind = .custom { words, _, _ in RegistryCompletion.names(words) }
    static let stages: CompletionKind = .custom { words, _, _ in RegistryCompletion.stages(words) }
    static let references: CompletionKind = .custom { words, _, _ in RegistryCompletion.references(words) }
    static let versions: CompletionKind = .custom { words, _, _ in
        RegistryCompletion.versions(words, name: artifactWord(words))
    }

    /// The first positional word after the registry verb: the artifact name.
    static func artifactWord(_ words: [String]) -> String? {
        let verbs: Set<String> = ["register", "promote", "assign", "deprecate"]
        guard let verb = words.firstIndex(where: { verbs.contains($0) }) else { return nil }
        var index = verb + 1
        while index < words.count {
            let word = words[index]
            if word == "--repo" || word == "-r" || word == "-m" || word == "--message" || word == "-o" { index += 2; continue }
            if word.hasPrefix("-") { index += 1; continue }
            return word
        }
        return nil
    }
}

/// Parses repeated KEY=VALUE options.
func keyValues(_ values: [String], option: String) throws -> [(String, String)] {
    try values.map { text in
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("--\(option) '\(text)' is not KEY=VALUE")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}
