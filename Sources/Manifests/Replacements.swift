import Foundation
import Resources

/// `replacements`: copy a field of one resource (or a literal value) into fields of others.
enum Replacements {
    struct Options {
        var delimiter = ""
        var index = 0
        var create = false
    }

    struct Target {
        var select: Selector
        var reject: [Selector]
        var fieldPaths: [String]
        var options: Options
    }

    struct Replacement {
        var sourceValue: String?
        var source: Selector?
        var sourcePath = "metadata.name"
        var sourceOptions = Options()
        var targets: [Target]
    }

    /// Reads the entries: inline replacements, or `path:` files holding lists of them.
    static func load(_ items: [Value], loader: Loader) throws -> [Replacement] {
        var out: [Replacement] = []
        for (i, item) in items.enumerated() {
            let r = FieldReader(file: "replacements[\(i)]")
            let m = try r.mapping(item, "replacements[\(i)]")
            if let path = m["path"] {
                let file = try r.string(path, "path")
                let doc = try YAML.documents(try loader.loadText(file), file: loader.absolute(file))
                let fr = FieldReader(file: loader.absolute(file))
                for d in doc {
                    if case let .sequence(list) = d {
                        for (j, entry) in list.enumerated() { out.append(try parse(entry, fr, "[\(j)]")) }
                    } else {
                        out.append(try parse(d, fr, "replacement"))
                    }
                }
            } else {
                out.append(try parse(item, r, "replacements[\(i)]"))
            }
        }
        return out
    }

    static func options(_ v: Value?, _ r: FieldReader, _ field: String) throws -> Options {
        guard let v, !v.isNull else { return Options() }
        var m = try r.mapping(v, field)
        try r.only(&m, ["delimiter", "index", "create", "encoding"], field)
        var o = Options()
        o.delimiter = try m["delimiter"].map { try r.string($0, field + ".delimiter") } ?? ""
        o.index = try m["index"].map { try r.int($0, field + ".index") } ?? 0
        o.create = try m["create"].map { try r.bool($0, field + ".create") } ?? false
        return o
    }

    static func parse(_ v: Value, _ r: FieldReader, _ field: String) throws -> Replacement {
        var m = try r.mapping(v, field)
        try r.only(&m, ["source", "sourceValue", "targets"], field)
        var rep = Replacement(targets: [])
        if let sv = m["sourceValue"], !sv.isNull { rep.sourceValue = try r.string(sv, field + ".sourceValue") }
        if let s = m["source"], !s.isNull {
            var sm = try r.mapping(s, field + ".source")
            try r.only(&sm, ["group", "version", "kind", "name", "namespace", "fieldPath", "options"], field + ".source")
            var sel = Selector()
            sel.gvk = try r.gvk(sm, field + ".source")
            sel.name = try sm["name"].map { try r.string($0, field + ".source.name") } ?? ""
            sel.namespace = try sm["namespace"].map { try r.string($0, field + ".source.namespace") } ?? ""
            rep.source = sel
            if let fp = sm["fieldPath"], !fp.isNull { rep.sourcePath = try r.string(fp, field + ".source.fieldPath") }
            rep.sourceOptions = try options(sm["options"], r, field + ".source.options")
        }
        if let t = m["targets"], !t.isNull {
            rep.targets = try r.list(t, field + ".targets") { item, j in
                let f = "\(field).targets[\(j)]"
                var tm = try r.mapping(item, f)
                try r.only(&tm, ["select", "reject", "fieldPaths", "options"], f)
                guard let sel = tm["select"], !sel.isNull else {
                    throw ManifestsError.message("target must specify resources to select")
                }
                var paths = try tm["fieldPaths"].map { $0.isNull ? [] : try r.strings($0, f + ".fieldPaths") } ?? []
                if paths.isEmpty { paths = ["metadata.name"] }
                let rejects = try tm["reject"].map { $0.isNull ? [] : try r.list($0, f + ".reject") { try r.selector($0, "\(f).reject[\($1)]") } } ?? []
                return Target(select: try r.selector(sel, f + ".select"), reject: rejects, fieldPaths: paths,
                              options: try options(tm["options"], r, f + ".options"))
            }
        } else {
            throw ManifestsError.message("replacements must specify a source and at least one target")
        }
        if rep.sourceValue == nil && rep.source == nil {
            throw ManifestsError.message("replacements must specify a source and at least one target")
        }
        if rep.sourceValue != nil && rep.source != nil {
            throw ManifestsError.message("value and resource selectors are mutually exclusive")
        }
        return rep
    }

    static func allIds(_ r: Resource) -> [ResourceId] { [r.id] + r.previousIds }

    static func apply(_ replacements: [Replacement], to list: ResourceList) throws -> [Resource] {
        var touched: [Resource] = []
        for rep in replacements {
            let value = try sourceValue(rep, list)
            for target in rep.targets {
                let select = try SelectorMatcher(target.select)
                let rejects = try target.reject.map { try SelectorMatcher($0) }
                let selectAnnoLabel = try SelectorMatcher(labelsOnly(target.select))
                for r in list.resources where !r.isEmpty {
                    if !selectAnnoLabel.matches(r) { continue }
                    var rejected = false
                    for (i, reject) in target.reject.enumerated() {
                        let hasIdPart = !reject.name.isEmpty || !reject.namespace.isEmpty || reject.gvk != GVK()
                        let hasLabelPart = !reject.labelSelector.isEmpty || !reject.annotationSelector.isEmpty
                        if hasLabelPart {
                            let labelMatcher = try SelectorMatcher(labelsOnly(reject))
                            if labelMatcher.matches(r) { rejected = true }
                        }
                        if hasIdPart && allIds(r).contains(where: { rejects[i].idMatches($0) }) { rejected = true }
                    }
                    if rejected { continue }
                    guard allIds(r).contains(where: { select.idMatches($0) }) else { continue }
                    for path in target.fieldPaths {
                        try copy(value, into: r, path: path, options: target.options)
                    }
                    touched.append(r)
                }
            }
        }
        return touched
    }

    static func labelsOnly(_ s: Selector) -> Selector {
        var out = Selector()
        out.labelSelector = s.labelSelector
        out.annotationSelector = s.annotationSelector
        return out
    }

    static func sourceValue(_ rep: Replacement, _ list: ResourceList) throws -> Value {
        if let literal = rep.sourceValue { return .string(literal) }
        guard let sel = rep.source else { throw ManifestsError.message("replacements must specify a source and at least one target") }
        let selectorId = ResourceId(gvk: sel.gvk, name: sel.name, namespace: sel.namespace)
        var matches: [Resource] = []
        for r in list.resources where !r.isEmpty {
            if allIds(r).contains(where: { $0.isSelected(by: selectorId) }) {
                if !matches.isEmpty {
                    throw ManifestsError.message("multiple matches for selector \(describe(sel))")
                }
                matches.append(r)
            }
        }
        guard let source = matches.first else { throw ManifestsError.message("nothing selected by \(describe(sel))") }
        let found = try PathWalker.lookup(source.value, FieldPaths.splitSmart(rep.sourcePath))
        guard let value = found, !isEmptyNode(value) else {
            throw ManifestsError.message("fieldPath `\(rep.sourcePath)` is missing for replacement source \(selectorId)")
        }
        if rep.sourceOptions.delimiter.isEmpty { return value }
        guard case let .scalar(s) = value else {
            throw ManifestsError.message("delimiter option can only be used with scalar nodes")
        }
        let parts = s.text.components(separatedBy: rep.sourceOptions.delimiter)
        let i = rep.sourceOptions.index
        guard i >= 0 && i < parts.count else {
            throw ManifestsError.message("options.index \(i) is out of bounds for value \(s.text)")
        }
        return .scalar(Scalar(parts[i], tag: s.tag, style: s.style))
    }

    static func isEmptyNode(_ v: Value) -> Bool {
        switch v {
        case let .mapping(m): return m.isEmpty
        case let .sequence(s): return s.isEmpty
        case let .scalar(s): return s.tag == .null
        }
    }

    static func describe(_ s: Selector) -> String {
        ResourceId(gvk: s.gvk, name: s.name, namespace: s.namespace).description
    }

    static func copy(_ value: Value, into r: Resource, path: String, options: Options) throws {
        let parts = FieldPaths.splitSmart(path)
        let createKind: FieldPath.CreateKind
        switch value {
        case .scalar: createKind = options.create ? .scalar : .none
        case .mapping: createKind = options.create ? .mapping : .none
        case .sequence: createKind = options.create ? .sequence : .none
        }
        var count = 0
        try PathWalker.visit(&r.value, parts[...], create: createKind) { node in
            count += 1
            var newValue = value
            if !options.delimiter.isEmpty {
                guard case let .scalar(t) = node else {
                    throw ManifestsError.message("delimiter option can only be used with scalar nodes")
                }
                var pieces = t.text.components(separatedBy: options.delimiter)
                let v = value.text ?? ""
                if options.index < 0 {
                    pieces.insert(v, at: 0)
                } else if options.index >= pieces.count {
                    pieces.append(v)
                } else {
                    pieces[options.index] = v
                }
                newValue = .scalar(Scalar(pieces.joined(separator: options.delimiter), tag: value.scalar?.tag ?? .string))
            }
            if case var .scalar(t) = node, case let .scalar(s) = newValue {
                if t.text.isEmpty && t.tag == .string && createdScalarMarker(t) {
                    t = Scalar(s.text, tag: s.tag, style: s.style)
                } else {
                    t.text = s.text
                    if t.tag == .null { t.tag = s.tag }
                }
                node = .scalar(t)
            } else {
                node = newValue
            }
        }
        if count == 0 {
            throw ManifestsError.message(options.create
                ? "unable to find or create field \"\(path)\" in replacement target"
                : "unable to find field \"\(path)\" in replacement target")
        }
    }

    private static func createdScalarMarker(_ s: Scalar) -> Bool { s.style == .plain && s.text.isEmpty }
}

extension FieldPaths {
    /// kustomize's "smarter" splitter: split on dots, then a run of parts from one starting with `[` to one
    /// ending with `]` is joined back; without `=` inside, the brackets are dropped (`[a.b/c]` is the key `a.b/c`).
    static func splitSmart(_ path: String) -> [String] {
        let split = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var result: [String] = []
        var i = 0
        while i < split.count {
            let element = split[i]
            if element.hasPrefix("[") && !element.hasSuffix("]") {
                var bracketed = [element]
                while i < split.count - 1 {
                    i += 1
                    bracketed.append(split[i])
                    if split[i].hasSuffix("]") { break }
                }
                let joined = bracketed.joined(separator: ".")
                if joined.contains("=") {
                    result.append(joined)
                } else {
                    result.append(joined.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
                }
            } else {
                result.append(element)
            }
            i += 1
        }
        return result.filter { !$0.isEmpty }
    }
}

/// kyaml's path matching for replacements: field names, `[key=value]` list selectors (regular expressions),
/// numeric indexes, `*`, with optional creation of what is missing.
enum PathWalker {
    static func isIndex(_ part: String) -> Bool { !part.isEmpty && part.allSatisfy(\.isNumber) }
    static func isListSelector(_ part: String) -> Bool { part.hasPrefix("[") && part.hasSuffix("]") && part.contains("=") }

    static func lookup(_ value: Value, _ path: [String]) throws -> Value? {
        var copy = value
        var found: Value? = nil
        try visit(&copy, path[...], create: .none) { node in
            if found == nil { found = node }
        }
        return found
    }

    static func kindFor(_ next: String?, _ create: FieldPath.CreateKind) -> FieldPath.CreateKind {
        guard let next else { return create }
        if isIndex(next) || isListSelector(next) { return .sequence }
        return .mapping
    }

    static func emptyNode(_ kind: FieldPath.CreateKind) -> Value {
        switch kind {
        case .sequence: return .sequence([])
        case .mapping: return .mapping(Mapping())
        default: return .scalar(Scalar("", tag: .string))
        }
    }

    static func visit(_ node: inout Value, _ path: ArraySlice<String>, create: FieldPath.CreateKind,
                      _ body: (inout Value) throws -> Void) throws {
        guard let part = path.first else {
            try body(&node)
            return
        }
        let rest = path.dropFirst()
        if isIndex(part) {
            guard case .sequence = node, let idx = Int(part) else { return }
            try node.editSequence { items in
                if items.count == idx && create != .none { items.append(emptyNode(kindFor(rest.first, create))) }
                guard idx < items.count else {
                    throw ManifestsError.message("index \(idx) specified but only \(items.count) elements found")
                }
                try visit(&items[idx], rest, create: create, body)
            }
            return
        }
        if isListSelector(part) {
            guard case .sequence = node else { return }
            let inner = part.dropFirst().dropLast()
            guard let eq = inner.firstIndex(of: "=") else { return }
            let key = String(inner[..<eq])
            let pattern = String(inner[inner.index(after: eq)...])
            let regex = try? NSRegularExpression(pattern: pattern)
            func matches(_ text: String) -> Bool {
                guard let regex else { return text == pattern }
                return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            }
            var matched = false
            try node.editSequence { items in
                for i in items.indices {
                    let text: String?
                    if key.isEmpty { text = items[i].text } else { text = items[i][key]?.text }
                    guard let t = text, matches(t) else { continue }
                    matched = true
                    try visit(&items[i], rest, create: create, body)
                }
                if !matched && create != .none {
                    if key.isEmpty {
                        items.append(.string(pattern))
                    } else {
                        items.append(.mapping(Mapping([(key, .string(pattern))])))
                    }
                    try visit(&items[items.count - 1], rest, create: create, body)
                }
            }
            return
        }
        if part == "*" {
            try node.editSequence { items in
                for i in items.indices { try visit(&items[i], rest, create: create, body) }
            }
            return
        }
        guard case .mapping = node else { return }
        try node.editChild(part) { child in
            if child == nil {
                guard create != .none else { return }
                child = emptyNode(kindFor(rest.first, create))
            }
            guard var c = child else { return }
            child = nil
            defer { child = c }
            if case .scalar = c, !rest.isEmpty {
                // Structured data (YAML or JSON) held in a string field.
                try visitStructured(&c, rest, create: create, body)
                return
            }
            try visit(&c, rest, create: create, body)
        }
    }

    /// A path that continues into a string holding YAML or JSON: edit the parsed data and write it back.
    static func visitStructured(_ scalar: inout Value, _ path: ArraySlice<String>, create: FieldPath.CreateKind,
                                _ body: (inout Value) throws -> Void) throws {
        guard let text = scalar.text, let first = text.trimmingCharacters(in: .whitespacesAndNewlines).first else { return }
        guard var data = try? YAML.document(text, file: "structured field") else { return }
        var count = 0
        try visit(&data, path, create: create) { node in
            count += 1
            try body(&node)
        }
        if count == 0 { return }
        if first == "{" || first == "[" {
            if text.contains("\n") && text.contains("  ") {
                scalar = .string(GoJSON.pretty(data, indent: 2).replacingOccurrences(of: "\\u003c", with: "\\u003c"))
            } else {
                scalar = .string(GoJSON.encode(data, sortKeys: true))
            }
        } else {
            scalar = .string((try? YAML.emit(data))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? text)
        }
    }
}
