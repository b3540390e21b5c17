import Foundation
import Resources
import Workloads

/// The part of GJSON's path syntax that Katib's trialTemplate.successCondition and failureCondition use (Katib
/// evaluates them with tidwall/gjson against the trial's job): dotted keys, array indexes, queries
/// `#(key==value)` (first match) and `#(key==value)#` (every match; later keys apply to each), with ==, !=, <, <=,
/// >, >= against a quoted string, a number, true, false or null, and `|` to apply the rest to the whole result.
/// Anything else (wildcards, modifiers, `%` patterns, `..`) is refused with a clear error when the Experiment is
/// read. As in Katib, a condition holds when the result is an object or a non-empty array.
public struct JobConditionExpression: Sendable, Equatable {
    indirect enum Step: Sendable, Equatable {
        case key(String)
        case query(Query, all: Bool)
        /// `|`: what follows applies to the result as a whole.
        case pipe
    }

    struct Query: Sendable, Equatable {
        var path: [String]
        var op: String
        var literal: Value?
    }

    public let text: String
    let steps: [Step]

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let expression: String
        public let reason: String
        public var description: String {
            "cannot read the GJSON condition \"\(expression)\": \(reason); kf-local understands dotted keys, indexes, "
                + "#(key==\"value\") and #(key==\"value\")# queries and |, as Katib's default conditions use"
        }
    }

    public init(_ text: String) throws(ParseError) {
        self.text = text
        var steps: [Step] = []
        var chars = Array(text)
        var i = 0
        func fail(_ reason: String) -> ParseError { ParseError(expression: text, reason: reason) }
        if chars.isEmpty { throw fail("it is empty") }
        while i < chars.count {
            let c = chars[i]
            if c == "|" {
                steps.append(.pipe)
                i += 1
                continue
            }
            if c == "." {
                if i + 1 < chars.count, chars[i + 1] == "." { throw fail("'..' (JSON lines) is not supported") }
                i += 1
                continue
            }
            if c == "@" { throw fail("modifiers (@...) are not supported") }
            if c == "#" {
                guard i + 1 < chars.count, chars[i + 1] == "(" else { throw fail("'#' (array length) is not supported") }
                // Find the closing parenthesis, skipping quoted text.
                var j = i + 2, inQuote = false
                while j < chars.count {
                    if chars[j] == "\\" { j += 2; continue }
                    if chars[j] == "\"" { inQuote.toggle() }
                    if chars[j] == ")" && !inQuote { break }
                    j += 1
                }
                guard j < chars.count else { throw fail("a query '#(' is not closed") }
                let body = String(chars[(i + 2)..<j])
                var all = false
                j += 1
                if j < chars.count, chars[j] == "#" { all = true; j += 1 }
                steps.append(.query(try JobConditionExpression.query(body, fail), all: all))
                i = j
                continue
            }
            var key = ""
            while i < chars.count, chars[i] != ".", chars[i] != "|" {
                if chars[i] == "\\", i + 1 < chars.count { key.append(chars[i + 1]); i += 2; continue }
                if "*?#@".contains(chars[i]) { throw fail("'\(chars[i])' in a key (wildcards, queries inside keys) is not supported") }
                key.append(chars[i])
                i += 1
            }
            steps.append(.key(key))
        }
        chars.removeAll()
        self.steps = steps
    }

    private static func query(_ body: String, _ fail: (String) -> ParseError) throws(ParseError) -> Query {
        for op in ["==", "!=", "<=", ">=", "<", ">", "%", "!%", "="] {
            guard let range = body.range(of: op) else { continue }
            if op == "%" || op == "!%" { throw fail("the pattern operators % and !% are not supported") }
            if op == "=" { throw fail("use == in a query") }
            let path = body[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let raw = body[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { throw fail("a query needs a key before \(op)") }
            let literal: Value
            if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
                literal = .string(String(raw.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\""))
            } else if raw == "true" || raw == "false" {
                literal = .bool(raw == "true")
            } else if raw == "null" {
                literal = .scalar(Scalar("null", tag: .null))
            } else if Double(raw) != nil {
                literal = .scalar(Scalar(raw, tag: .float))
            } else {
                throw fail("the value \(raw) in a query must be a quoted string, a number, true, false or null")
            }
            return Query(path: path.split(separator: ".").map(String.init), op: op, literal: literal)
        }
        // `#(key)`: elements where key exists.
        let path = body.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else { throw fail("an empty query #()") }
        return Query(path: path.split(separator: ".").map(String.init), op: "exists", literal: nil)
    }

    /// Whether the condition holds for the object: the result is an object or a non-empty array.
    public func holds(on object: Value) -> Bool {
        guard let result = evaluate(object) else { return false }
        if result.mapping != nil { return true }
        if let items = result.sequence { return !items.isEmpty }
        return false
    }

    /// The first element of an array result, or an object result (Katib reads its reason and message).
    public func matched(on object: Value) -> Value? {
        guard let result = evaluate(object) else { return nil }
        if result.mapping != nil { return result }
        return result.sequence?.first
    }

    func evaluate(_ object: Value) -> Value? {
        JobConditionExpression.run(steps[...], on: object)
    }

    private static func run(_ steps: ArraySlice<Step>, on value: Value) -> Value? {
        guard let step = steps.first else { return value }
        let rest = steps.dropFirst()
        switch step {
        case .pipe:
            return run(rest, on: value)
        case let .key(key):
            if let mapping = value.mapping { return mapping[key].flatMap { run(rest, on: $0) } }
            if let items = value.sequence, let index = Int(key), items.indices.contains(index) { return run(rest, on: items[index]) }
            return nil
        case let .query(query, all):
            guard let items = value.sequence else { return nil }
            let found = items.filter { holds(query, $0) }
            if !all { return found.first.flatMap { run(rest, on: $0) } }
            // Keys after `#(...)#` apply to each match, up to the next pipe.
            let pipe = rest.firstIndex(of: .pipe) ?? rest.endIndex
            let each = rest[rest.startIndex..<pipe]
            let mapped = Value.sequence(found.compactMap { run(each, on: $0) })
            return run(rest[pipe...], on: mapped)
        }
    }

    private static func holds(_ query: Query, _ item: Value) -> Bool {
        var current: Value? = item
        for key in query.path { current = current?.mapping?[key] }
        guard let found = current else { return false }
        guard let literal = query.literal else { return true }
        let left = found.scalar, right = literal.scalar
        guard let left, let right else { return false }
        if let a = Double(left.text), let b = Double(right.text), left.tag != .string, right.tag != .string {
            switch query.op {
            case "==": return a == b
            case "!=": return a != b
            case "<": return a < b
            case "<=": return a <= b
            case ">": return a > b
            default: return a >= b
            }
        }
        let sameKind = (left.tag == .string) == (right.tag == .string)
        switch query.op {
        case "==": return sameKind && left.text == right.text
        case "!=": return !(sameKind && left.text == right.text)
        case "<": return sameKind && left.text < right.text
        case "<=": return sameKind && left.text <= right.text
        case ">": return sameKind && left.text > right.text
        default: return sameKind && left.text >= right.text
        }
    }
}
