import Foundation
import Resources
import Yams

/// The settings in a project's kf.yaml, validated. See `ProjectSchema` for every field.
public struct ProjectFile: Equatable, Sendable {
    public static let fileName = "kf.yaml"
    public static let defaultContext = "kf-local"
    public static let defaultEnvironment = "local"
    public static let defaultStages = ["dev", "staging", "prod"]

    public var name: String
    public var namespace: String
    public var context: String
    public var environment: String
    public var registryRemote: String?
    public var stages: [String]
    /// Per-command defaults, as the strings written in kf.yaml, keyed by command then field
    /// (e.g. defaults["train"]["workers"] == "2"). Each command reads and types its own.
    public var defaults: [String: [String: String]]
    /// kf-local's image mappings (`local.images`), in order: the first that matches an image wins.
    public var localImages: [ImageMapping] = []

    public init(name: String, namespace: String? = nil, context: String? = nil, environment: String? = nil,
                registryRemote: String? = nil, stages: [String]? = nil, defaults: [String: [String: String]] = [:]) {
        self.name = name
        self.namespace = namespace ?? name
        self.context = context ?? Self.defaultContext
        self.environment = environment ?? Self.defaultEnvironment
        self.registryRemote = registryRemote
        self.stages = stages ?? Self.defaultStages
        self.defaults = defaults
    }

    /// Finds kf.yaml in `directory` or the nearest folder above it.
    public static func locate(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = url.appending(path: fileName).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    /// Reads and validates the kf.yaml at `path`, reporting every problem at once.
    public static func load(path: String) throws -> ProjectFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProjectError.unreadable(file: path, reason: FileErrorReason.of(error, path: path))
        }
        return try parse(text, file: path)
    }

    /// Validates kf.yaml text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> ProjectFile {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw ProjectError.invalid(file: file, diagnostics: [
                    ProjectDiagnostic(file: file, line: 1, column: 1, field: "",
                                      message: "the file is empty; expected a mapping with apiVersion, kind and name"),
                ])
            }
            node = composed
        } catch let error as YamlError {
            throw ProjectError.invalid(file: file, diagnostics: [Self.diagnostic(for: error, file: file)])
        }
        let validator = Validator(file: file)
        validator.check(node, as: .mapping(ProjectSchema.root), path: [])
        guard validator.diagnostics.isEmpty else {
            throw ProjectError.invalid(file: file, diagnostics: validator.diagnostics)
        }
        return ProjectFile(validated: node)
    }

    private init(validated node: Node) {
        func string(_ path: String...) -> String? {
            var current: Node? = node
            for key in path { current = current?[key] }
            return current?.scalar?.string
        }
        name = string("name")!
        namespace = string("namespace") ?? name
        context = string("context") ?? Self.defaultContext
        environment = string("environment") ?? Self.defaultEnvironment
        registryRemote = string("registry", "remote")
        stages = node["registry"]?["stages"]?.sequence?.compactMap { $0.scalar?.string } ?? Self.defaultStages
        var defaults: [String: [String: String]] = [:]
        for (command, fields) in node["defaults"]?.mapping ?? [:] {
            guard let command = command.scalar?.string else { continue }
            var values: [String: String] = [:]
            for (key, value) in fields.mapping ?? [:] {
                if let key = key.scalar?.string, let value = value.scalar?.string { values[key] = value }
            }
            defaults[command] = values
        }
        self.defaults = defaults
        localImages = (node["local"]?["images"]?.sequence ?? []).compactMap { ImageMapping(node: $0) }
    }

    private static func diagnostic(for error: YamlError, file: String) -> ProjectDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ProjectDiagnostic(file: file, line: mark.line, column: mark.column, field: "",
                                     message: "invalid YAML: \(what)")
        default:
            return ProjectDiagnostic(file: file, line: 1, column: 1, field: "", message: "invalid YAML: \(error)")
        }
    }

    /// kf.yaml text for these settings, in the schema's order, under a comment header.
    public func rendered() throws -> String {
        var pairs: [(Node, Node)] = [
            ("apiVersion", Node(ProjectSchema.apiVersion)),
            ("kind", Node(ProjectSchema.kind)),
            ("name", YAMLDocument.stringNode(name)),
            ("namespace", YAMLDocument.stringNode(namespace)),
            ("context", YAMLDocument.stringNode(context)),
            ("environment", YAMLDocument.stringNode(environment)),
        ]
        var registry: [(Node, Node)] = []
        if let registryRemote { registry.append(("remote", YAMLDocument.stringNode(registryRemote))) }
        registry.append(("stages", Node(stages.map { YAMLDocument.stringNode($0) })))
        pairs.append(("registry", Node(registry)))
        if !defaults.isEmpty {
            var commands: [(Node, Node)] = []
            for command in defaults.keys.sorted() {
                let fields = defaults[command]!.keys.sorted().map { (Node($0), Node(defaults[command]![$0]!)) }
                commands.append((Node(command), Node(fields)))
            }
            pairs.append(("defaults", Node(commands)))
        }
        if !localImages.isEmpty {
            let images = localImages.map { image -> Node in
                var fields: [(Node, Node)] = [("match", YAMLDocument.stringNode(image.match))]
                if let venv = image.venv { fields.append(("venv", YAMLDocument.stringNode(venv))) }
                if let workingDir = image.workingDir { fields.append(("workingDir", YAMLDocument.stringNode(workingDir))) }
                if let entrypoint = image.entrypoint {
                    fields.append(("entrypoint", Node(entrypoint.map { YAMLDocument.stringNode($0) }, Tag(.seq), .flow)))
                }
                if let cmd = image.cmd { fields.append(("cmd", Node(cmd.map { YAMLDocument.stringNode($0) }, Tag(.seq), .flow))) }
                return Node(fields)
            }
            pairs.append(("local", Node([(Node("images"), Node(images, Tag(.seq), .block))])))
        }
        let body = try Yams.serialize(node: Node(pairs))
        return "# kf project file. Every field is described in docs/kf-yaml.md.\n" + body
    }
}
