import Foundation
import Resources
import Yams
@testable import Manifests

/// Test inputs parsed with Yams until the project's own YAML reader lands, typed as go-yaml v3 types them.
enum YAMLTestInput {
    static func value(_ text: String) throws -> Value {
        guard let node = try Yams.compose(yaml: text) else { return .null }
        return convert(node)
    }

    static func documents(_ text: String) throws -> [Value] {
        try Yams.compose_all(yaml: text).map(convert)
    }

    static func convert(_ node: Node) -> Value {
        switch node {
        case let .mapping(mapping):
            var m = Mapping()
            for (key, value) in mapping { m[key.scalar?.string ?? ""] = convert(value) }
            return .mapping(m)
        case let .sequence(sequence):
            return .sequence(sequence.map(convert))
        case let .scalar(scalar):
            let text = scalar.string
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal
                || scalar.style == .folded
            if quoted { return .scalar(Scalar(text, tag: .string, style: .doubleQuoted)) }
            return .scalar(Scalar(text, tag: coreTag(text)))
        case .alias:
            return .null
        }
    }

    static func coreTag(_ text: String) -> Scalar.Tag {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "false", "False", "FALSE": return .bool
        default: break
        }
        if Int(text) != nil || (text.hasPrefix("0x") && Int(text.dropFirst(2), radix: 16) != nil) { return .int }
        if Double(text) != nil, text.first != ".", !text.lowercased().contains("n") { return .float }
        return .string
    }
}

/// A canonical text of a value: keys sorted at every level, scalars typed (strings quoted), for comparisons.
enum Canonical {
    static func text(_ value: Value?) -> String {
        guard let value else { return "<deleted>" }
        var out = ""
        write(value, &out)
        return out
    }

    static func write(_ value: Value, _ out: inout String) {
        switch value {
        case let .mapping(m):
            out += "{"
            let sorted = m.pairs.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (i, (key, child)) in sorted.enumerated() {
                if i > 0 { out += "," }
                out += JSONRendering.quoted(key) + ":"
                write(child, &out)
            }
            out += "}"
        case let .sequence(s):
            out += "["
            for (i, child) in s.enumerated() {
                if i > 0 { out += "," }
                write(child, &out)
            }
            out += "]"
        case let .scalar(s):
            switch s.tag {
            case .null: out += "null"
            case .bool, .int, .float: out += s.text
            default: out += JSONRendering.quoted(s.text)
            }
        }
    }
}

enum TestPaths {
    /// The package root (Tests/ManifestsTests/ is two levels below it).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var shared: URL { packageRoot.appendingPathComponent("../shared").standardizedFileURL }
    static var kubectl: URL { packageRoot.appendingPathComponent(".tools/venv/bin/kubectl") }
}
