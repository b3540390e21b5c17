import Foundation
import Resources
@testable import Manifests

/// Test inputs read with the project's YAML parser (the one kf build uses).
enum YAMLTestInput {
    static func value(_ text: String) throws -> Value {
        try YAMLParser.parse(text, file: "test input").first ?? .null
    }

    static func documents(_ text: String) throws -> [Value] {
        try YAMLParser.parse(text, file: "test input")
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
            case .string: out += JSONRendering.quoted(s.text)
            case let .other(tag): out += tag + " " + JSONRendering.quoted(s.text)
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
