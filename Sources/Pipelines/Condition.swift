import Foundation
import Resources

/// The conditions of task trigger policies: the part of CEL that the kfp SDK writes (`dsl.If`, `dsl.Elif`,
/// `dsl.Else`) and that Argo's `when` uses after substitution: literals, `inputs.parameter_values['x']`,
/// `int()`, `double()`, `string()`, `bool()`, `size()`, `parseJson()`, indexing, `!`, unary `-`, `* / %`, `+ -`,
/// comparisons, `in`, `&&`, `||` and parentheses. In Argo mode a bare word is a string (`heads == heads`).
public struct Condition: Sendable {
    public let text: String
    private let root: Node

    indirect enum Node: Sendable {
        case literal(Operand)
        case variable([String])
        case call(String, [Node])
        case index(Node, Node)
        case unary(String, Node)
        case binary(String, Node, Node)
        case list([Node])
    }

    /// A value during evaluation.
    public enum Operand: Sendable, Equatable, CustomStringConvertible {
        case int(Int), double(Double), string(String), bool(Bool), null
        case list([Operand]), map([(String, Operand)])

        public static func == (a: Operand, b: Operand) -> Bool {
            switch (a, b) {
            case let (.int(x), .int(y)): return x == y
            case let (.double(x), .double(y)): return x == y
            case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
            case let (.string(x), .string(y)): return x == y
            case let (.bool(x), .bool(y)): return x == y
            case (.null, .null): return true
            case let (.list(x), .list(y)): return x == y
            case let (.map(x), .map(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }

        public var description: String {
            switch self {
            case let .int(n): return String(n)
            case let .double(d): return String(d)
            case let .string(s): return s
            case let .bool(b): return b ? "true" : "false"
            case .null: return "null"
            case .list, .map: return JSON.string(value)
            }
        }

        /// From a parameter value.
        public init(_ value: Value) {
            switch value {
            case let .sequence(items): self = .list(items.map(Operand.init))
            case let .mapping(mapping): self = .map(mapping.pairs.map { ($0.0, Operand($0.1)) })
            case let .scalar(scalar):
                switch scalar.tag {
                case .int: self = Int(scalar.text).map(Operand.int) ?? .double(Double(scalar.text) ?? 0)
                case .float: self = .double(Double(scalar.text) ?? 0)
                case .bool: self = .bool(scalar.text.lowercased() == "true")
                case .null: self = .null
                default: self = .string(scalar.text)
                }
            }
        }

        var value: Value {
            switch self {
            case let .int(n): return .int(n)
            case let .double(d): return .double(d)
            case let .string(s): return .string(s)
            case let .bool(b): return .bool(b)
            case .null: return .null
            case let .list(items): return .sequence(items.map(\.value))
            case let .map(pairs): return .mapping(Mapping(pairs.map { ($0.0, $0.1.value) }))
            }
        }
    }

    /// Parses a condition; `bareWords` reads unknown identifiers as strings (Argo's `when` after substitution).
    public init(_ text: String, bareWords: Bool = false) throws(PipelineError) {
        self.text = text
        var parser = Parser(tokens: try Condition.tokenize(text), text: text, bareWords: bareWords)
        root = try parser.expression()
        guard parser.atEnd else { throw .expression(task: "", expression: text, reason: "unexpected '\(parser.peek?.text ?? "")'") }
    }

    /// Evaluates to a boolean with `variables` (dotted names such as `inputs.parameter_values`).
    public func evaluate(_ variables: [String: Operand]) throws(PipelineError) -> Bool {
        let result = try evaluate(root, variables)
        guard case let .bool(flag) = result else {
            throw .expression(task: "", expression: text, reason: "the result is \(result), not true or false")
        }
        return flag
    }

    /// Evaluates to any value (KFP's parameter expression selectors).
    public func value(_ variables: [String: Operand]) throws(PipelineError) -> Value {
        try evaluate(root, variables).value
    }

    // MARK: Tokens

    struct Token: Sendable {
        enum Kind: Sendable { case number, string, identifier, symbol }
        let kind: Kind
        let text: String
    }

    static func tokenize(_ text: String) throws(PipelineError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        func fail(_ reason: String) -> PipelineError { .expression(task: "", expression: text, reason: reason) }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c.isNumber {
                var j = i
                while j < chars.count, chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                        || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")) { j += 1 }
                tokens.append(Token(kind: .number, text: String(chars[i..<j])))
                i = j
                continue
            }
            if c == "'" || c == "\"" {
                var j = i + 1
                var value = ""
                while j < chars.count, chars[j] != c {
                    if chars[j] == "\\", j + 1 < chars.count {
                        j += 1
                        switch chars[j] { case "n": value.append("\n"); case "t": value.append("\t"); default: value.append(chars[j]) }
                    } else {
                        value.append(chars[j])
                    }
                    j += 1
                }
                guard j < chars.count else { throw fail("a string is not closed") }
                tokens.append(Token(kind: .string, text: value))
                i = j + 1
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "-" && j + 1 < chars.count && chars[j + 1].isLetter { j += 1 }
                tokens.append(Token(kind: .identifier, text: String(chars[i..<j])))
                i = j
                continue
            }
            let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
            if ["&&", "||", "==", "!=", "<=", ">="].contains(two) {
                tokens.append(Token(kind: .symbol, text: two))
                i += 2
                continue
            }
            if "!<>+-*/%()[].,".contains(c) {
                tokens.append(Token(kind: .symbol, text: String(c)))
                i += 1
                continue
            }
            throw fail("unexpected character '\(c)'")
        }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        let text: String
        let bareWords: Bool
        var position = 0

        init(tokens: [Token], text: String, bareWords: Bool) {
            self.tokens = tokens
            self.text = text
            self.bareWords = bareWords
        }

        var atEnd: Bool { position >= tokens.count }
        var peek: Token? { atEnd ? nil : tokens[position] }

        func fail(_ reason: String) -> PipelineError { .expression(task: "", expression: text, reason: reason) }

        mutating func take(_ symbol: String) -> Bool {
            if let token = peek, token.kind == .symbol || token.kind == .identifier, token.text == symbol {
                position += 1
                return true
            }
            return false
        }

        mutating func expect(_ symbol: String) throws(PipelineError) {
            guard take(symbol) else { throw fail("expected '\(symbol)'" + (peek.map { " before '\($0.text)'" } ?? " at the end")) }
        }

        mutating func expression() throws(PipelineError) -> Node {
            var left = try and()
            while take("||") { left = .binary("||", left, try and()) }
            return left
        }

        mutating func and() throws(PipelineError) -> Node {
            var left = try comparison()
            while take("&&") { left = .binary("&&", left, try comparison()) }
            return left
        }

        mutating func comparison() throws(PipelineError) -> Node {
            var left = try additive()
            while let token = peek, ["==", "!=", "<", "<=", ">", ">=", "in"].contains(token.text), token.kind != .string {
                position += 1
                left = .binary(token.text, left, try additive())
            }
            return left
        }

        mutating func additive() throws(PipelineError) -> Node {
            var left = try multiplicative()
            while let token = peek, token.kind == .symbol, token.text == "+" || token.text == "-" {
                position += 1
                left = .binary(token.text, left, try multiplicative())
            }
            return left
        }

        mutating func multiplicative() throws(PipelineError) -> Node {
            var left = try unary()
            while let token = peek, token.kind == .symbol, ["*", "/", "%"].contains(token.text) {
                position += 1
                left = .binary(token.text, left, try unary())
            }
            return left
        }

        mutating func unary() throws(PipelineError) -> Node {
            if take("!") { return .unary("!", try unary()) }
            if take("-") { return .unary("-", try unary()) }
            return try postfix()
        }

        mutating func postfix() throws(PipelineError) -> Node {
            var node = try primary()
            while true {
                if take("[") {
                    let index = try expression()
                    try expect("]")
                    node = .index(node, index)
                } else if case .variable = node, let token = peek, token.text == "." {
                    position += 1
                    guard let name = peek, name.kind == .identifier else { throw fail("expected a name after '.'") }
                    position += 1
                    if case let .variable(path) = node { node = .variable(path + [name.text]) }
                } else {
                    return node
                }
            }
        }

        mutating func primary() throws(PipelineError) -> Node {
            guard let token = peek else { throw fail("the expression ends too early") }
            position += 1
            switch token.kind {
            case .number:
                if let number = Int(token.text) { return .literal(.int(number)) }
                if let number = Double(token.text) { return .literal(.double(number)) }
                throw fail("'\(token.text)' is not a number")
            case .string:
                return .literal(.string(token.text))
            case .identifier:
                switch token.text {
                case "true": return .literal(.bool(true))
                case "false": return .literal(.bool(false))
                case "null": return .literal(.null)
                default: break
                }
                if take("(") {
                    var arguments: [Node] = []
                    if !take(")") {
                        repeat { arguments.append(try expression()) } while take(",")
                        try expect(")")
                    }
                    return .call(token.text, arguments)
                }
                if bareWords, peek?.text != "." { return .literal(.string(token.text)) }
                return .variable([token.text])
            case .symbol:
                if token.text == "(" {
                    let inner = try expression()
                    try expect(")")
                    return inner
                }
                if token.text == "[" {
                    var items: [Node] = []
                    if !take("]") {
                        repeat { items.append(try expression()) } while take(",")
                        try expect("]")
                    }
                    return .list(items)
                }
                throw fail("unexpected '\(token.text)'")
            }
        }
    }

    // MARK: Argo's `when`

    /// The condition as an Argo `when` expression (govaluate after substitution): each
    /// `inputs.parameter_values['x']` becomes `reference(x)` (a `{{...}}` placeholder, or a constant's text), quoted
    /// when compared with a string or turned into one, bare otherwise (`int()`, `double()` and `bool()` just unwrap);
    /// string literals in single quotes. Nil for what govaluate cannot say the same way (`size`, `parseJson`, `in`,
    /// lists, indexing into values): Argo alone would then run the task unconditionally.
    func argoWhen(_ reference: (String) -> String?) -> String? {
        func quoted(_ text: String) -> String? { text.contains("'") ? nil : "'" + text + "'" }
        /// The operand's text; `asString` quotes a reference (its value is substituted as bare text).
        func render(_ node: Node, asString: Bool) -> String? {
            switch node {
            case let .literal(value):
                switch value {
                case let .string(text): return quoted(text)
                case let .int(n): return asString ? quoted(String(n)) : String(n)
                case let .double(d): return asString ? quoted(String(d)) : String(d)
                case let .bool(flag): return asString ? quoted(flag ? "true" : "false") : (flag ? "true" : "false")
                default: return nil
                }
            case let .index(.variable(path), .literal(.string(name))) where path == ["inputs", "parameter_values"]:
                guard let text = reference(name) else { return nil }
                return asString ? quoted(text) : text
            case let .call(function, arguments) where arguments.count == 1 && ["int", "double", "bool", "string"].contains(function):
                return render(arguments[0], asString: function == "string")
            case let .unary(op, operand):
                guard let inner = render(operand, asString: false) else { return nil }
                return op + "(" + inner + ")"
            case let .binary(op, left, right):
                if op == "&&" || op == "||" {
                    guard let a = render(left, asString: false), let b = render(right, asString: false) else { return nil }
                    return "(" + a + ") " + op + " (" + b + ")"
                }
                guard ["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"].contains(op) else { return nil }
                let stringy = isString(left) || isString(right)
                guard let a = render(left, asString: stringy), let b = render(right, asString: stringy) else { return nil }
                return a + " " + op + " " + b
            default:
                return nil
            }
        }
        func isString(_ node: Node) -> Bool {
            switch node {
            case .literal(.string): return true
            case let .call(function, _): return function == "string"
            default: return false
            }
        }
        return render(root, asString: false)
    }

    // MARK: Evaluation

    private func fail(_ reason: String) -> PipelineError { .expression(task: "", expression: text, reason: reason) }

    private func evaluate(_ node: Node, _ variables: [String: Operand]) throws(PipelineError) -> Operand {
        switch node {
        case let .literal(value): return value
        case let .list(items): return .list(try items.map { item throws(PipelineError) in try evaluate(item, variables) })
        case let .variable(path):
            let name = path.joined(separator: ".")
            guard let value = variables[name] else {
                throw fail("'\(name)' is not known" + (variables.isEmpty ? "" : " (known: \(variables.keys.sorted().joined(separator: ", ")))"))
            }
            return value
        case let .index(base, index):
            let container = try evaluate(base, variables)
            let key = try evaluate(index, variables)
            switch (container, key) {
            case let (.map(pairs), .string(name)):
                guard let found = pairs.first(where: { $0.0 == name }) else { throw fail("no key '\(name)'") }
                return found.1
            case let (.list(items), .int(position)):
                guard items.indices.contains(position) else { throw fail("index \(position) is out of range (\(items.count) items)") }
                return items[position]
            default:
                throw fail("cannot index \(container) with \(key)")
            }
        case let .unary(op, operand):
            let value = try evaluate(operand, variables)
            switch (op, value) {
            case let ("!", .bool(flag)): return .bool(!flag)
            case let ("-", .int(n)): return .int(-n)
            case let ("-", .double(d)): return .double(-d)
            default: throw fail("cannot apply '\(op)' to \(value)")
            }
        case let .binary(op, left, right):
            if op == "&&" || op == "||" {
                guard case let .bool(a) = try evaluate(left, variables) else { throw fail("'\(op)' needs true or false on its left") }
                if op == "&&" && !a { return .bool(false) }
                if op == "||" && a { return .bool(true) }
                guard case let .bool(b) = try evaluate(right, variables) else { throw fail("'\(op)' needs true or false on its right") }
                return .bool(b)
            }
            return try binary(op, try evaluate(left, variables), try evaluate(right, variables))
        case let .call(name, arguments):
            let values = try arguments.map { argument throws(PipelineError) in try evaluate(argument, variables) }
            return try call(name, values)
        }
    }

    private func binary(_ op: String, _ a: Operand, _ b: Operand) throws(PipelineError) -> Operand {
        switch op {
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "in":
            switch b {
            case let .list(items): return .bool(items.contains(a))
            case let .map(pairs): if case let .string(key) = a { return .bool(pairs.contains { $0.0 == key }) }
            default: break
            }
            throw fail("'in' needs a list or a map on its right")
        case "<", "<=", ">", ">=":
            let order: Int
            switch (a, b) {
            case let (.string(x), .string(y)): order = x < y ? -1 : x == y ? 0 : 1
            default:
                guard let x = a.numeric, let y = b.numeric else { throw fail("cannot compare \(a) with \(b)") }
                order = x < y ? -1 : x == y ? 0 : 1
            }
            switch op {
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        default:
            switch (a, b) {
            case let (.int(x), .int(y)):
                switch op {
                case "+": return .int(x &+ y)
                case "-": return .int(x &- y)
                case "*": return .int(x &* y)
                case "/": guard y != 0 else { throw fail("division by zero") }; return .int(x / y)
                default: guard y != 0 else { throw fail("division by zero") }; return .int(x % y)
                }
            case let (.string(x), .string(y)) where op == "+": return .string(x + y)
            case let (.list(x), .list(y)) where op == "+": return .list(x + y)
            default:
                guard let x = a.numeric, let y = b.numeric else { throw fail("cannot apply '\(op)' to \(a) and \(b)") }
                switch op {
                case "+": return .double(x + y)
                case "-": return .double(x - y)
                case "*": return .double(x * y)
                case "/": return .double(x / y)
                default: return .double(x.truncatingRemainder(dividingBy: y))
                }
            }
        }
    }

    private func call(_ name: String, _ values: [Operand]) throws(PipelineError) -> Operand {
        guard values.count == 1, let value = values.first else { throw fail("\(name)() takes one argument") }
        switch name {
        case "int":
            switch value {
            case let .int(n): return .int(n)
            case let .double(d) where d.isFinite && abs(d) < 9e18: return .int(Int(d))
            case let .string(s): if let n = Int(s.trimmingCharacters(in: .whitespaces)) { return .int(n) }
            case let .bool(b): return .int(b ? 1 : 0)
            default: break
            }
        case "double":
            if let number = value.numeric { return .double(number) }
            if case let .string(s) = value, let number = Double(s.trimmingCharacters(in: .whitespaces)) { return .double(number) }
        case "string":
            if case let .double(d) = value, d.rounded() == d, abs(d) < 1e15 { return .string(String(Int(d)) + ".0") }
            return .string(value.description)
        case "bool":
            if case let .bool(b) = value { return .bool(b) }
            if case let .string(s) = value, ["true", "false"].contains(s.lowercased()) { return .bool(s.lowercased() == "true") }
        case "size":
            switch value {
            case let .string(s): return .int(s.count)
            case let .list(items): return .int(items.count)
            case let .map(pairs): return .int(pairs.count)
            default: break
            }
        case "parseJson":
            if case let .string(s) = value, let parsed = try? JSON.parse(s) { return Operand(parsed) }
        default:
            throw fail("unknown function \(name)()")
        }
        throw fail("\(name)() cannot convert \(value)")
    }
}

extension Condition.Operand {
    var numeric: Double? {
        switch self {
        case let .int(n): return Double(n)
        case let .double(d): return d
        default: return nil
        }
    }
}
