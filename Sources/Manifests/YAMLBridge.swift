import Foundation
import Resources
import Yams

/// Temporary bridge between Yams and the `Value` model, used until the Resources module's own parser and emitter
/// are merged; then this file goes away and `YAML` calls them instead.
enum YAML {
    /// The documents of a YAML stream, with empty documents dropped.
    static func documents(_ text: String, file: String) throws -> [Value] {
        do {
            var out: [Value] = []
            for node in try Yams.compose_all(yaml: text, Resolver.basic) {
                let value = try convert(node, file: file)
                if value.isNull { continue }
                out.append(value)
            }
            return out
        } catch let error as ManifestsError {
            throw error
        } catch let YamlError.scanner(context, problem, mark, _), let YamlError.parser(context, problem, mark, _) {
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            throw ManifestsError.invalidYAML(file: file, line: mark.line, problem: "yaml: line \(mark.line): \(what)")
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let key = duplicates.first ?? ""
            throw ManifestsError.invalidYAML(file: file, line: context.mark.line,
                                             problem: "yaml: unmarshal errors:\n  line \(context.mark.line): mapping key \"\(key)\" already defined")
        } catch {
            throw ManifestsError.invalidYAML(file: file, line: 0, problem: "\(error)")
        }
    }

    /// One document; empty text reads as an empty mapping.
    static func document(_ text: String, file: String) throws -> Value {
        let docs = try documents(text, file: file)
        return docs.first ?? .mapping(Mapping())
    }

    private static func convert(_ node: Node, file: String) throws -> Value {
        switch node {
        case let .scalar(s):
            return .scalar(scalar(s))
        case let .mapping(m):
            var out = Mapping()
            for (k, v) in m {
                let key = k.scalar?.string ?? ""
                if key == "<<" { continue }
                if out[key] != nil {
                    throw ManifestsError.invalidYAML(
                        file: file, line: (k.mark?.line ?? 0),
                        problem: "yaml: unmarshal errors:\n  line \(k.mark?.line ?? 0): mapping key \"\(key)\" already defined")
                }
                out[key] = try convert(v, file: file)
            }
            return .mapping(out)
        case let .sequence(s):
            return .sequence(try s.map { try convert($0, file: file) })
        case .alias:
            return .null
        }
    }

    private static func scalar(_ s: Node.Scalar) -> Scalar {
        let style: Scalar.Style
        switch s.style {
        case .singleQuoted: style = .singleQuoted
        case .doubleQuoted: style = .doubleQuoted
        case .literal: style = .literal
        case .folded: style = .folded
        default: style = .plain
        }
        let tagName = s.tag.description
        if style != .plain {
            if tagName == "tag:yaml.org,2002:str" || tagName.isEmpty || tagName == "!" {
                return Scalar(s.string, tag: .string, style: style)
            }
        }
        switch tagName {
        case "tag:yaml.org,2002:int": return Scalar(s.string, tag: .int, style: style)
        case "tag:yaml.org,2002:float": return Scalar(s.string, tag: .float, style: style)
        case "tag:yaml.org,2002:bool": return Scalar(s.string, tag: .bool, style: style)
        case "tag:yaml.org,2002:null": return Scalar(s.string, tag: .null, style: style)
        case "tag:yaml.org,2002:str", "", "?", "!":
            return Scalar(s.string, tag: style == .plain ? resolvePlain(s.string) : .string, style: style)
        default:
            return Scalar(s.string, tag: .other(tagName), style: style)
        }
    }

    /// The tag a plain scalar resolves to, as go-yaml v3 reads it.
    static func resolvePlain(_ text: String) -> Scalar.Tag {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "false", "False", "FALSE": return .bool
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .float
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: ".") || (first >= 48 && first <= 57) else { return .string }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if isInteger(plain) { return .int }
        if isFloat(plain) { return .float }
        return .string
    }

    private static func isInteger(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        if body.isEmpty { return false }
        let lower = body.lowercased()
        if lower.hasPrefix("0x") { return lower.count > 2 && lower.dropFirst(2).allSatisfy(\.isHexDigit) }
        if lower.hasPrefix("0o") { return lower.count > 2 && lower.dropFirst(2).allSatisfy { ("0"..."7").contains($0) } }
        if lower.hasPrefix("0b") { return lower.count > 2 && lower.dropFirst(2).allSatisfy { $0 == "0" || $0 == "1" } }
        return body.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func isFloat(_ text: String) -> Bool {
        var chars = Array(text.utf8)
        var i = 0
        if i < chars.count, chars[i] == UInt8(ascii: "-") || chars[i] == UInt8(ascii: "+") { i += 1 }
        var digits = 0
        while i < chars.count, chars[i] >= 48, chars[i] <= 57 { i += 1; digits += 1 }
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            i += 1
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 { i += 1; digits += 1 }
        }
        if digits == 0 { return false }
        if i < chars.count, chars[i] == UInt8(ascii: "e") || chars[i] == UInt8(ascii: "E") {
            i += 1
            if i < chars.count, chars[i] == UInt8(ascii: "-") || chars[i] == UInt8(ascii: "+") { i += 1 }
            var exp = 0
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 { i += 1; exp += 1 }
            if exp == 0 { return false }
        }
        chars.removeAll()
        return i == text.utf8.count
    }

    // MARK: emitting (temporary: Yams/libyaml with kustomize's key order and quoting)

    /// One document as kustomize prints it: keys sorted, strings that would read as another type double-quoted.
    static func emit(_ value: Value) throws -> String {
        try Yams.serialize(node: node(value), indent: 2, width: 80, allowUnicode: true, sortKeys: false)
    }

    private static func node(_ value: Value) -> Node {
        switch value {
        case let .mapping(m):
            let sorted = m.pairs.sorted { $0.0 < $1.0 }
            return .mapping(Node.Mapping(sorted.map { (Node($0.0, Tag(.str), keyStyle($0.0)), node($0.1)) }))
        case let .sequence(s):
            return .sequence(Node.Sequence(s.map(node)))
        case let .scalar(s):
            switch s.tag {
            case .string:
                return Node(s.text, Tag(.str), stringStyle(s.text))
            case .null:
                return Node("null", Tag(.null), .plain)
            default:
                return Node(s.text, Tag(.str), .plain)
            }
        }
    }

    private static func keyStyle(_ text: String) -> Node.Scalar.Style {
        resolvePlain(text) == .string && !needsQuotesYAML11(text) ? .any : .doubleQuoted
    }

    private static func stringStyle(_ text: String) -> Node.Scalar.Style {
        if text.contains("\n") { return .literal }
        if resolvePlain(text) != .string || needsQuotesYAML11(text) { return .doubleQuoted }
        return .any
    }

    /// Words YAML 1.1 reads as booleans or null, which go-yaml v3 quotes on output.
    private static func needsQuotesYAML11(_ text: String) -> Bool {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF":
            return true
        default:
            return false
        }
    }
}
