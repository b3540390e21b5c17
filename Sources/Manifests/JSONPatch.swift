import Foundation
import Resources

/// JSON patch (RFC 6902) as kustomize v5.8.1 applies `patchesJson6902` and JSON `patches` (evanphx/json-patch v4):
/// add, remove, replace, move, copy, test; JSON pointers with `~0`/`~1` escapes; `-` appends; negative indexes
/// count from the end. Its own rules, kept: `replace` of a missing key of a map adds it; `copy` from a missing key
/// copies null; `add` without `value` adds null; the first token of a path without a leading `/` is ignored.
public enum JSONPatch {
    /// One operation of a JSON patch.
    public struct Operation: Sendable, Equatable {
        public var op: String
        public var path: String?
        public var from: String?
        /// The `value` field; nil when absent (a present `null` is `.null`).
        public var value: Value?

        public init(op: String, path: String?, from: String? = nil, value: Value? = nil) {
            self.op = op
            self.path = path
            self.from = from
            self.value = value
        }
    }

    /// Reads the operations of a patch: a list of maps with `op`, `path`, `from`, `value` (kustomize accepts them as
    /// YAML or JSON text; parse the text and pass the value).
    public static func operations(_ patch: Value, patchName: String = "patch") throws -> [Operation] {
        guard let list = patch.sequence else {
            throw MergeError.invalidJSONPatch(patch: patchName, index: nil,
                                              problem: "expected a list of operations ({op, path, value}), got "
                                                + describe(patch))
        }
        var result: [Operation] = []
        for (index, item) in list.enumerated() {
            guard let m = item.mapping else {
                throw MergeError.invalidJSONPatch(patch: patchName, index: index,
                                                  problem: "expected a map with op, path and value, got "
                                                    + describe(item))
            }
            let op = m["op"]?.string ?? "unknown"
            result.append(Operation(op: op, path: stringField(m["path"]), from: stringField(m["from"]),
                                    value: m["value"]))
        }
        return result
    }

    /// Applies a patch given as a value (see `operations`) to a document. `writtenAsJSON`: the patch text began with
    /// `[`, so kustomize compares the numbers of `test` values as written (`1.0` is not `1`); YAML ones are read as
    /// numbers first.
    public static func apply(_ patch: Value, to document: Value, patchName: String = "patch",
                             writtenAsJSON: Bool = false) throws -> Value {
        try apply(operations(patch, patchName: patchName), to: document, patchName: patchName,
                  writtenAsJSON: writtenAsJSON)
    }

    /// Applies operations in order; the first failure stops with an error naming the operation's index and path.
    /// The result is in the shape kustomize's JSON round trip leaves (see `normalized`).
    public static func apply(_ operations: [Operation], to document: Value, patchName: String = "patch",
                             writtenAsJSON: Bool = false) throws -> Value {
        var doc = document
        guard doc.mapping != nil || doc.sequence != nil else {
            throw MergeError.invalidJSONPatch(patch: patchName, index: nil,
                                              problem: "the document to patch must be a map or a list")
        }
        for (index, operation) in operations.enumerated() {
            var runner = Runner(doc: doc, operation: operation, writtenAsJSON: writtenAsJSON)
            do {
                try runner.run()
            } catch let failure as Failure {
                throw MergeError.jsonPatchFailed(patch: patchName, index: index, op: operation.op,
                                                 path: operation.path ?? "", problem: failure.message)
            }
            doc = runner.doc
        }
        return normalized(doc)
    }

    /// What kustomize's JSON round trip does to a patched resource: keys sorted, numbers as JSON floats write them
    /// (2.0 becomes 2), timestamps as RFC 3339 strings, strings quoted where plain text would read as another type,
    /// styles otherwise plain.
    public static func normalized(_ value: Value) -> Value {
        switch value {
        case let .mapping(m):
            var out = Mapping()
            for (key, child) in m.pairs.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
                out[key] = normalized(child)
            }
            return .mapping(out)
        case let .sequence(s):
            return .sequence(s.map(normalized))
        case let .scalar(s):
            switch s.tag {
            case .int, .float:
                guard let number = Double(s.text.replacingOccurrences(of: "_", with: "")) else {
                    return .scalar(Scalar(s.text, tag: s.tag))
                }
                return .scalar(goFloat(number))
            case .string:
                let plainTag = PlainScalar.tag(of: s.text)
                return .scalar(Scalar(s.text, tag: .string, style: plainTag == .string ? .plain : .doubleQuoted))
            case .timestamp:
                // go-yaml reads a timestamp into a Go time, which JSON writes in RFC 3339 form.
                let text = YAMLResolver.timestamp(s.text)?.rfc3339 ?? s.text
                return .scalar(Scalar(text, tag: .string, style: .doubleQuoted))
            default:
                return .scalar(Scalar(s.text, tag: s.tag))
            }
        }
    }

    /// A float64 as go-yaml writes it (strconv 'g' with the shortest precision), read back with its YAML type.
    static func goFloat(_ number: Double) -> Scalar {
        if number.isNaN { return Scalar(".nan", tag: .float) }
        if number.isInfinite { return Scalar(number < 0 ? "-.inf" : ".inf", tag: .float) }
        let exponent = number == 0 ? 0 : Int((abs(number)).log10Floor)
        if number == number.rounded(), exponent < 21 {
            if let i = Int64(exactly: number) { return Scalar(String(i), tag: .int) }
        }
        var text = "\(number)"
        if exponent < -4 || exponent >= 21 {
            // Swift writes 1e-05 as "1e-05"; Go writes "1e-05" too; Swift writes 1e+21 as "1e+21".
            text = text.replacingOccurrences(of: ".0e", with: "e")
        }
        return Scalar(text, tag: .float)
    }

    static func stringField(_ value: Value?) -> String? {
        guard let value, let s = value.scalar, s.tag != .null else { return nil }
        return s.text
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .mapping: return "a map"
        case .sequence: return "a list"
        case let .scalar(s): return s.tag == .null ? "nothing" : "the scalar '\(s.text)'"
        }
    }

    struct Failure: Error { let message: String }

    /// One operation against the document, with evanphx/json-patch v4's container lookups.
    struct Runner {
        var doc: Value
        let operation: Operation
        let writtenAsJSON: Bool

        mutating func run() throws {
            switch operation.op {
            case "add":
                let path = try need(operation.path, "add operation failed to decode path: missing value")
                try add(path, operation.value ?? .null, what: "add")
            case "remove":
                let path = try need(operation.path, "remove operation failed to decode path: missing value")
                guard let (parents, key) = Self.split(path), let container = find(parents) else {
                    throw Failure(message: "remove operation does not apply: doc is missing path: \"\(path)\": missing value")
                }
                try edit(container) { node in try Self.remove(&node, key, path: path) }
            case "replace":
                let path = try need(operation.path, "replace operation failed to decode path: missing value")
                if path.isEmpty {
                    guard let value = operation.value, value.mapping != nil || value.sequence != nil else {
                        throw Failure(message: "replace operation value must be object or array")
                    }
                    doc = value
                    return
                }
                guard let (parents, key) = Self.split(path), let container = find(parents) else {
                    throw Failure(message: "replace operation does not apply: doc is missing path: \(path): missing value")
                }
                let value = operation.value ?? .null
                try edit(container) { node in
                    switch node {
                    case var .mapping(m):
                        m[key] = value
                        node = .mapping(m)
                    case var .sequence(list):
                        guard let i = Self.index(key, count: list.count, forInsert: false) else {
                            throw Failure(message: "replace operation does not apply: doc is missing key: \(path): missing value")
                        }
                        list[i] = value
                        node = .sequence(list)
                    case .scalar:
                        throw Failure(message: "replace operation does not apply: doc is missing path: \(path): missing value")
                    }
                }
            case "move":
                let from = try need(operation.from, "move operation failed to decode from: missing value")
                guard let (fromParents, fromKey) = Self.split(from), let source = find(fromParents) else {
                    throw Failure(message: "move operation does not apply: doc is missing from path: \(from): missing value")
                }
                let value = try Self.get(at(source), fromKey, what: "move", path: fromKey)
                try edit(source) { node in try Self.remove(&node, fromKey, path: fromKey, what: "move") }
                let path = try need(operation.path, "move operation failed to decode path: missing value")
                try add(path, value ?? .null, what: "move", missingDestination: true)
            case "copy":
                let from = try need(operation.from, "copy operation failed to decode from: missing value")
                guard let (fromParents, fromKey) = Self.split(from), let source = find(fromParents) else {
                    throw Failure(message: "copy operation does not apply: doc is missing from path: \(from): missing value")
                }
                let value = try Self.get(at(source), fromKey, what: "copy", path: from)
                let path = try need(operation.path, "copy operation failed to decode path: missing value")
                try add(path, value ?? .null, what: "copy", missingDestination: true)
            case "test":
                let path = try need(operation.path, "test operation failed to decode path: missing value")
                if path.isEmpty {
                    guard let value = operation.value, jsonEqual(doc, value) else {
                        throw Failure(message: "testing value \(path) failed: test failed")
                    }
                    return
                }
                guard let (parents, key) = Self.split(path), let container = find(parents) else {
                    throw Failure(message: "test operation does not apply: is missing path: \(path): missing value")
                }
                let found = try Self.get(at(container), key, what: "test", path: path)
                let expected = operation.value
                if found == nil || found?.isNull == true {
                    if expected == nil || expected?.isNull == true { return }
                    throw Failure(message: "testing value \(path) failed: test failed")
                }
                guard let expected, let found, jsonEqual(found, expected) else {
                    throw Failure(message: "testing value \(path) failed: test failed")
                }
            default:
                throw Failure(message: "Unexpected kind: \(operation.op); expected add, remove, replace, move, copy or test")
            }
        }

        func need(_ field: String?, _ message: String) throws -> String {
            guard let field else { throw Failure(message: message) }
            return field
        }

        mutating func add(_ path: String, _ value: Value, what: String, missingDestination: Bool = false) throws {
            guard let (parents, key) = Self.split(path), let container = find(parents) else {
                let text = missingDestination
                    ? "\(what) operation does not apply: doc is missing destination path: \(path): missing value"
                    : "add operation does not apply: doc is missing path: \"\(path)\": missing value"
                throw Failure(message: text)
            }
            try edit(container) { node in
                switch node {
                case var .mapping(m):
                    m[key] = value
                    node = .mapping(m)
                case var .sequence(list):
                    if key == "-" {
                        list.append(value)
                    } else {
                        guard let i = Int(key) else {
                            throw Failure(message: "error in \(what) for path: '\(path)': value was not a proper array index: '\(key)'")
                        }
                        let size = list.count + 1
                        guard i < size, i >= -size else {
                            throw Failure(message: "error in \(what) for path: '\(path)': Unable to access invalid index: \(i): invalid index referenced")
                        }
                        list.insert(value, at: i < 0 ? i + size : i)
                    }
                    node = .sequence(list)
                case .scalar:
                    throw Failure(message: "add operation does not apply: doc is missing path: \"\(path)\": missing value")
                }
            }
        }

        static func remove(_ node: inout Value, _ key: String, path: String, what: String = "remove") throws {
            switch node {
            case var .mapping(m):
                guard m.removeValue(forKey: key) != nil else {
                    throw Failure(message: "error in \(what) for path: '\(path)': Unable to remove nonexistent key: \(key): missing value")
                }
                node = .mapping(m)
            case var .sequence(list):
                guard let i = index(key, count: list.count, forInsert: false) else {
                    throw Failure(message: "error in \(what) for path: '\(path)': Unable to access invalid index: \(key): invalid index referenced")
                }
                list.remove(at: i)
                node = .sequence(list)
            case .scalar:
                throw Failure(message: "error in \(what) for path: '\(path)': not a map or a list")
            }
        }

        /// The value at key in a container: nil for a missing key of a map; an error for a bad list index.
        static func get(_ node: Value, _ key: String, what: String, path: String) throws -> Value? {
            switch node {
            case let .mapping(m):
                return m[key]
            case let .sequence(list):
                guard let i = index(key, count: list.count, forInsert: false) else {
                    throw Failure(message: "error in \(what) for path: '\(path)': Unable to access invalid index: \(key): invalid index referenced")
                }
                return list[i]
            case .scalar:
                return nil
            }
        }

        /// A list index, negative ones counted from the end; nil when not a number or out of range.
        static func index(_ key: String, count: Int, forInsert: Bool) -> Int? {
            guard let i = Int(key) else { return nil }
            if i < 0 {
                guard i >= -count else { return nil }
                return i + count
            }
            return i < count ? i : nil
        }

        /// The parent tokens and the last token of a pointer, unescaped; nil when the pointer has no token.
        static func split(_ path: String) -> ([String], String)? {
            let tokens = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard tokens.count >= 2, let last = tokens.last else { return nil }
            return (tokens[1..<(tokens.count - 1)].map(unescape), unescape(last))
        }

        static func unescape(_ token: String) -> String {
            guard token.contains("~") else { return token }
            return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }

        /// The trail of steps to a container (a map or list); nil when a step is missing, null or a scalar.
        func find(_ parents: [String]) -> [Step]? {
            var steps: [Step] = []
            var node = doc
            for part in parents {
                let next: Value?
                switch node {
                case let .mapping(m):
                    next = m[part]
                    steps.append(.key(part))
                case let .sequence(list):
                    guard let i = Self.index(part, count: list.count, forInsert: false) else { return nil }
                    next = list[i]
                    steps.append(.index(i))
                case .scalar:
                    return nil
                }
                guard let next, !next.isNull, next.mapping != nil || next.sequence != nil else { return nil }
                node = next
            }
            return steps
        }

        func at(_ steps: [Step]) -> Value {
            var node = doc
            for step in steps {
                switch step {
                case let .key(k): node = node.mapping?[k] ?? .null
                case let .index(i): node = node.sequence?[i] ?? .null
                }
            }
            return node
        }

        mutating func edit(_ steps: [Step], _ change: (inout Value) throws -> Void) throws {
            try Self.edit(&doc, steps[...], change)
        }

        static func edit(_ node: inout Value, _ steps: ArraySlice<[Step].Element>, _ change: (inout Value) throws -> Void) throws {
            guard let step = steps.first else {
                try change(&node)
                return
            }
            switch (step, node) {
            case (let .key(k), var .mapping(m)):
                var child = m[k] ?? .null
                try edit(&child, steps.dropFirst(), change)
                m[k] = child
                node = .mapping(m)
            case (let .index(i), var .sequence(list)):
                var child = list[i]
                try edit(&child, steps.dropFirst(), change)
                list[i] = child
                node = .sequence(list)
            default:
                throw Failure(message: "the document changed under the patch")
            }
        }

        /// Equality as evanphx/json-patch sees it: maps without regard to order, scalars by their JSON text (the
        /// document's numbers as Go writes float64s; the patch's as written when it was JSON text).
        func jsonEqual(_ a: Value, _ b: Value) -> Bool {
            switch (a, b) {
            case let (.mapping(x), .mapping(y)):
                guard x.count == y.count else { return false }
                for (key, value) in x.pairs {
                    guard let other = y[key], jsonEqual(value, other) else { return false }
                }
                return true
            case let (.sequence(x), .sequence(y)):
                return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
            case let (.scalar(x), .scalar(y)):
                switch (x.tag, y.tag) {
                case (.int, .int), (.int, .float), (.float, .int), (.float, .float):
                    let left = Double(x.text).map { JSONPatch.goFloat($0).text } ?? x.text
                    let right = writtenAsJSON ? y.text : (Double(y.text).map { JSONPatch.goFloat($0).text } ?? y.text)
                    return left == right
                case (.bool, .bool):
                    return x.text.lowercased() == y.text.lowercased()
                case (.null, .null):
                    return true
                default:
                    return x.tag == y.tag && x.text == y.text
                }
            default:
                return false
            }
        }
    }

    enum Step { case key(String), index(Int) }
}

/// How go-yaml reads a plain scalar's text (YAML 1.2 core schema as go-yaml v3 resolves it).
enum PlainScalar {
    static func tag(of text: String) -> Scalar.Tag {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "false", "False", "FALSE": return .bool
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .float
        default: break
        }
        guard let first = text.unicodeScalars.first,
              "0123456789-+.".unicodeScalars.contains(first) else { return .string }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if Int(plain) != nil { return .int }
        for prefix in ["0x", "0o", "0b", "-0x", "+0x"] where plain.hasPrefix(prefix) {
            let digits = plain.dropFirst(prefix.count)
            let radix = prefix.hasSuffix("x") ? 16 : prefix.hasSuffix("o") ? 8 : 2
            if !digits.isEmpty, Int(digits, radix: radix) != nil { return .int }
        }
        if Double(plain) != nil, plain.rangeOfCharacter(from: .letters.subtracting(["e", "E"])) == nil {
            return .float
        }
        return .string
    }
}

private extension Double {
    var log10Floor: Double { Foundation.log10(self).rounded(.down) }
}

/// JSON merge patch (RFC 7386), as the API server applies `application/merge-patch+json`: a map merges key by key,
/// `null` removes a key, anything else (lists included) replaces.
public enum JSONMergePatch {
    public static func apply(_ patch: Value, to target: Value?) -> Value {
        guard case let .mapping(changes) = patch else { return patch }
        var result: Mapping
        if case let .mapping(m)? = target { result = m } else { result = Mapping() }
        for (key, change) in changes.pairs {
            if change.isNull {
                result[key] = nil
            } else {
                result[key] = apply(change, to: result[key])
            }
        }
        return .mapping(result)
    }

    /// The merge patch that turns `original` into `modified` (what `kubectl apply`'s three-way merge sends for
    /// custom resources): changed keys, `null` for removed ones, whole values for lists and scalars.
    public static func diff(from original: Value, to modified: Value) -> Value? {
        guard case let .mapping(a) = original, case let .mapping(b) = modified else {
            return original == modified ? nil : modified
        }
        var patch = Mapping()
        for key in a.keys where b[key] == nil { patch[key] = .null }
        for (key, value) in b.pairs {
            if let old = a[key] {
                if let change = diff(from: old, to: value) { patch[key] = change }
            } else {
                patch[key] = value
            }
        }
        return patch.isEmpty ? nil : .mapping(patch)
    }
}
