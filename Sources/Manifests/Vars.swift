import Resources

/// `vars`: each names a field of one resource; after names are final, `$(NAME)` in the varReference fields of
/// every resource is replaced by that field's value.
enum Vars {
    static func merge(_ incoming: [VarEntry], into acc: Accumulator) throws {
        for v in incoming {
            let target = v.objref
            let strict = !target.namespace.isEmpty || target.gvk.isClusterScoped
            let matched = acc.list.matchingAnyId { id in
                strict ? id.matches(target) : (id.name == target.name && id.gvk == target.gvk)
            }
            if matched.count > 1 {
                throw ManifestsError.message("found \(matched.count) resId matches for var \(describe(v)) (unable to disambiguate)")
            }
            if matched.count == 1 { matched[0].refVarNames.append(v.name) }
        }
        try acc.mergeVars(incoming)
    }

    static func describe(_ v: VarEntry) -> String {
        "{\(v.name) {\(v.objref.gvk.kind) \(v.objref.gvk.apiVersion) \(v.objref.name) \(v.objref.namespace)} {\(v.fieldPath)}}"
    }

    static func resolve(_ acc: Accumulator) throws {
        if acc.vars.isEmpty { return }
        var values: [String: Value] = [:]
        for v in acc.vars {
            guard let owner = acc.list.resources.first(where: { $0.refVarNames.contains(v.name) }) else {
                throw ManifestsError.message("var '\(describe(v))' cannot be mapped to a field in the set of known resources")
            }
            guard let value = try FieldPaths.get(owner.value, v.fieldPath), case .scalar = value else {
                throw ManifestsError.message("field specified in var '\(describe(v))' not found in corresponding resource")
            }
            values[v.name] = value
        }
        for r in acc.list.resources {
            do {
                try FieldPath.apply(acc.config.varReference, to: r, createKind: .none) { _, node in
                    switch node {
                    case .scalar:
                        if node.isNull { return }
                        if node.string != nil { node = replace(node.text ?? "", values) }
                    case .mapping:
                        node.editMapping { m in
                            for key in m.keys {
                                m.edit(key) { child in
                                    if let c = child, c.string != nil { child = replace(c.text ?? "", values) }
                                }
                            }
                        }
                    case .sequence:
                        try node.editSequence { items in
                            for i in items.indices {
                                guard items[i].string != nil else {
                                    throw ManifestsError.message("invalid value type expect a string")
                                }
                                items[i] = replace(items[i].text ?? "", values)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `$(NAME)` replaced by the var's value (keeping its type when it is the whole string), `$$` kept as one `$`.
    static func replace(_ input: String, _ values: [String: Value]) -> Value {
        if !input.utf8.contains(UInt8(ascii: "$")) { return .string(input) }
        let chars = Array(input.utf8)
        var out: [UInt8] = []
        var i = 0
        var checkpoint = 0
        while i < chars.count {
            if chars[i] == UInt8(ascii: "$") && i + 1 < chars.count {
                out += chars[checkpoint..<i]
                let next = chars[i + 1]
                var advance = 1
                if next == UInt8(ascii: "$") {
                    out.append(UInt8(ascii: "$"))
                } else if next == UInt8(ascii: "(") {
                    if let close = chars[(i + 2)...].firstIndex(of: UInt8(ascii: ")")) {
                        let name = String(decoding: chars[(i + 2)..<close], as: UTF8.self)
                        advance = close - i
                        if let v = values[name] {
                            if input == "$(\(name))" {
                                if let s = v.scalar { return .scalar(Scalar(s.text, tag: s.tag)) }
                            }
                            out += Array((v.text ?? "").utf8)
                        } else {
                            out += Array("$(\(name))".utf8)
                        }
                    } else {
                        out += Array("$(".utf8)
                    }
                } else {
                    out.append(UInt8(ascii: "$"))
                    out.append(next)
                }
                i += advance
                checkpoint = i + 1
            }
            i += 1
        }
        if checkpoint < chars.count { out += chars[checkpoint...] }
        return .string(String(decoding: out, as: UTF8.self))
    }
}

/// kustomize's dotted field paths for vars and replacements: `spec.template.spec.containers[0].image`,
/// `spec.containers.[name=app].image`, `metadata.annotations.[a.b/c]`.
enum FieldPaths {
    /// Splits a dotted path; brackets protect dots inside them.
    static func split(_ path: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in path {
            if ch == "[" { depth += 1 }
            if ch == "]" { depth -= 1 }
            if ch == "." && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        // `containers[0]` becomes `containers`, `[0]`.
        var out: [String] = []
        for part in parts {
            if !part.hasPrefix("["), let open = part.firstIndex(of: "["), part.hasSuffix("]") {
                out.append(String(part[..<open]))
                out.append(String(part[open...]))
            } else {
                out.append(part)
            }
        }
        return out.filter { !$0.isEmpty }
    }

    /// The value at a dotted path, or nil.
    static func get(_ value: Value, _ path: String) throws -> Value? {
        var current = value
        for part in split(path) {
            if part.hasPrefix("[") && part.hasSuffix("]") {
                let inner = String(part.dropFirst().dropLast())
                if let eq = inner.firstIndex(of: "=") {
                    let key = String(inner[..<eq])
                    let want = String(inner[inner.index(after: eq)...])
                    guard let items = current.sequence,
                          let found = items.first(where: { $0[key]?.text == want }) else { return nil }
                    current = found
                } else if let index = Int(inner) {
                    guard let items = current.sequence else { return nil }
                    guard index >= 0 && index < items.count else { return nil }
                    current = items[index]
                } else {
                    guard let next = current[inner] else { return nil }
                    current = next
                }
            } else if let items = current.sequence, let index = Int(part) {
                guard index >= 0 && index < items.count else { return nil }
                current = items[index]
            } else {
                guard let next = current[part] else { return nil }
                current = next
            }
        }
        return current
    }
}
