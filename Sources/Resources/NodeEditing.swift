import Yams

/// Failures of the Resources module.
public enum ResourceError: Error, CustomStringConvertible, Equatable {
    case invalidYAML(file: String, line: Int, column: Int, problem: String)
    case notAMapping(file: String, path: String)
    /// A value that kustomize's output cannot hold (an infinite or NaN number, a mapping key that is not a scalar).
    case unrepresentable(path: String, problem: String)

    public var description: String {
        switch self {
        case let .invalidYAML(file, line, column, problem):
            return "\(file):\(line):\(column): invalid YAML: \(problem)"
        case let .notAMapping(file, path):
            return "\(file): \(path.isEmpty ? "the document" : path) is not a mapping; expected key: value pairs there"
        case let .unrepresentable(path, problem):
            return "\(path.isEmpty ? "the document" : path): \(problem)"
        }
    }
}

/// A YAML document edited through Yams' node API: key order and quoting are kept, values are set as typed nodes
/// (never pasted as text), and the comment lines that head the file survive a round trip.
public struct YAMLDocument {
    public var root: Node
    /// The comment and blank lines before the first content line, kept verbatim.
    public let header: String

    public init(text: String, file: String) throws {
        var headerLines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.isEmpty { headerLines.append(line) } else { break }
        }
        header = headerLines.isEmpty ? "" : headerLines.joined(separator: "\n") + "\n"
        do {
            root = try Yams.compose(yaml: text) ?? Node([(Node, Node)]())
        } catch let YamlError.scanner(context, problem, mark, _), let YamlError.parser(context, problem, mark, _) {
            let what = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            throw ResourceError.invalidYAML(file: file, line: mark.line, column: mark.column, problem: what)
        } catch {
            throw ResourceError.invalidYAML(file: file, line: 1, column: 1, problem: "\(error)")
        }
    }

    /// Sets the scalar at a path of mapping keys, creating intermediate mappings; the key keeps its place when it
    /// exists and is appended otherwise.
    public mutating func set(_ path: [String], to value: String, file: String) throws {
        root = try Self.setting(root, path[...], Self.stringNode(value), file: file, walked: [])
    }

    /// A string scalar that every YAML reader (1.1 or 1.2) reads back as the same string: quoted when its plain
    /// form would read as a boolean, null or number.
    public static func stringNode(_ value: String) -> Node {
        let implicit = Node(value, Tag(.implicit))
        let ambiguous = ["y", "Y", "n", "N"].contains(value) || Resolver.default.resolveTag(of: implicit) != .str
        return Node(value, Tag(.str), ambiguous ? .singleQuoted : .any)
    }

    private static func setting(_ node: Node, _ path: ArraySlice<String>, _ value: Node, file: String,
                                walked: [String]) throws -> Node {
        guard let key = path.first else { return value }
        guard var mapping = node.mapping else {
            throw ResourceError.notAMapping(file: file, path: walked.joined(separator: "."))
        }
        let child = mapping[Node(key)] ?? Node([(Node, Node)]())
        mapping[Node(key)] = try setting(child, path.dropFirst(), value, file: file, walked: walked + [key])
        return .mapping(mapping)
    }

    /// The document as text: the original header, then the serialized node.
    public func text() throws -> String {
        header + (try Yams.serialize(node: root))
    }
}
