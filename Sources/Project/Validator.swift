import Resources
import Yams

/// Walks a composed kf.yaml against the schema and collects every problem with its position.
final class Validator {
    let file: String
    private(set) var diagnostics: [ProjectDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func check(_ node: Node, as type: ValueType, path: [String]) {
        switch type {
        case .mapping(let fields):
            guard let mapping = node.mapping else { return report(node, path, "expected \(type.expected), found \(describe(node))") }
            var seen: Set<String> = []
            for (keyNode, value) in mapping {
                guard let key = keyNode.scalar?.string else {
                    report(keyNode, path, "expected a string key, found \(describe(keyNode))")
                    continue
                }
                seen.insert(key)  // Yams refuses duplicate keys while composing.
                guard let field = fields.first(where: { $0.name == key }) else {
                    var message = "unknown field"
                    if let nearest = nearest(to: key, in: fields.map(\.name)) {
                        message += "; did you mean \"\(nearest)\"?"
                    } else {
                        message += "; valid fields here are " + fields.map(\.name).joined(separator: ", ")
                    }
                    report(keyNode, path + [key], message)
                    continue
                }
                check(value, as: field.type, path: path + [key])
            }
            for field in fields where field.required && !seen.contains(field.name) {
                report(node, path + [field.name], "is required: expected \(field.type.expected)")
            }
        case .list(let element):
            guard let sequence = node.sequence else { return report(node, path, "expected \(type.expected), found \(describe(node))") }
            for (index, item) in sequence.enumerated() {
                check(item, as: element, path: path + ["[\(index)]"])
            }
        default:
            guard let scalar = node.scalar else { return report(node, path, "expected \(type.expected), found \(describe(node))") }
            if !accepts(scalar, type) {
                report(node, path, "expected \(type.expected), found \(describe(node))")
            }
        }
    }

    private func accepts(_ scalar: Node.Scalar, _ type: ValueType) -> Bool {
        let text = scalar.string
        let plain = scalar.style == .plain
        switch type {
        case .string:
            return true
        case let .pattern(rule):
            return rule.accepts(text)
        case let .integer(minimum):
            guard plain, let value = Int(text) else { return false }
            return value >= minimum
        case .boolean:
            return plain && ["true", "false"].contains(text)
        case let .oneOf(values):
            return values.contains(text)
        case .quantity:
            return Quantity.isValid(text)
        case .list, .mapping:
            return false
        }
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if scalar.style == .plain && scalar.string.isEmpty { return "nothing (null)" }
            return "\"\(scalar.string)\""
        }
    }

    private func report(_ node: Node, _ path: [String], _ message: String) {
        let mark = node.mark
        let field = path.reduce("") { joined, part in
            part.hasPrefix("[") ? joined + part : (joined.isEmpty ? part : joined + "." + part)
        }
        diagnostics.append(ProjectDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                             field: field, message: message))
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a likely typo.
func nearest(to word: String, in candidates: [String]) -> String? {
    let lower = Array(word.lowercased())
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lower, Array(candidate.lowercased()))
        if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.0
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
