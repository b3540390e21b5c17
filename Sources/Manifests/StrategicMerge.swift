import Resources

/// Strategic merge as kustomize v5.8.1 applies `patchesStrategicMerge` and `patches` (kyaml's merge2 walk with
/// lists growing at the front): maps merge key by key; `null` deletes a field; a list whose schema has the `merge`
/// strategy merges its elements by the merge keys (patch elements first, then the resource's), a primitive one as
/// a union; every other list is replaced; `$patch: delete|replace|merge` on maps and lists. The `$retainKeys`,
/// `$setElementOrder/…` and `$deleteFromPrimitiveList/…` directives mean nothing to kustomize and are merged as
/// ordinary fields (see `ServerStrategicMerge` for the API server's semantics).
///
/// The schema of each node comes from the resource's `apiVersion`/`kind` (else the patch's), then from the fields
/// walked; a nested map without a schema that carries its own `apiVersion` and `kind` gets that kind's schema.
public enum StrategicMerge {
    /// Merges `patch` into `resource`. Returns nil when the patch deletes the whole resource (`$patch: delete`).
    /// `patchName` names the patch in errors (a file name or `patches[2]`).
    public static func apply(_ patch: Value, to resource: Value, schema: MergeSchema = .kubernetes,
                             patchName: String = "patch") throws -> Value? {
        let walker = KyamlWalker(schema: schema, patchName: patchName)
        var patch: Value? = patch
        return try walker.walk(dest: resource, src: &patch, node: nil, path: [], aliased: false)?.value
    }
}

/// The result of walking one node: the value, whether an explicit null must stay (kyaml's persistent null), and
/// whether it is the resource's own node (changed in place) rather than the patch's or a new one.
struct Walked {
    var value: Value
    var keepNull = false
    var isDest = false
}

enum Directive { case merge, replace, delete }

/// kyaml edits the patch while it walks it (directives are removed as they are read; an added or replacing node of
/// the patch becomes the resource's and receives the merge). A patch node walked twice (two key tuples that meet
/// the same element) sees those edits, so the walk threads the patch through `inout` and writes them back.
struct KyamlWalker {
    let schema: MergeSchema
    let patchName: String

    // MARK: - Dispatch (kyaml walk.Walker.Walk)

    /// Deeper documents are refused rather than risking the stack (the YAML reader stops at 256 levels).
    static let maxDepth = 1000

    func walk(dest: Value?, src: inout Value?, node: Int?, path: [String], aliased: Bool) throws -> Walked? {
        if path.count > Self.maxDepth {
            throw MergeError.tooDeep(patch: patchName, limit: Self.maxDepth)
        }
        let node = node ?? schemaFromContent(dest) ?? schemaFromContent(src)
        let first = Self.isMissingOrNull(dest) ? (Self.isMissingOrNull(src) ? nil : src) : dest
        switch first {
        case .mapping?:
            try requireKind("MappingNode", dest, src, path: path)
            return try walkMap(dest: dest, src: &src, node: node, path: path, aliased: aliased)
        case .sequence?:
            try requireKind("SequenceNode", dest, src, path: path)
            if let node, schema[node].merges {
                return try walkAssociativeList(dest: dest, src: &src, node: node, path: path, aliased: aliased)
            }
            if let src { return Walked(value: src) }
            return dest.map { Walked(value: $0, isDest: true) }
        case .scalar?:
            try requireKind("ScalarNode", dest, src, path: path)
            if let src { return Walked(value: src) }
            return dest.map { Walked(value: $0, isDest: true) }
        case nil:
            return try walkMap(dest: dest, src: &src, node: node, path: path, aliased: aliased)
        }
    }

    /// kyaml's GetSchema when no schema was inherited: the first source with an apiVersion and kind it knows.
    func schemaFromContent(_ value: Value?) -> Int? {
        guard let mapping = value?.mapping else { return nil }
        guard let apiVersion = Self.getValue(mapping["apiVersion"]), !apiVersion.isEmpty,
              let kind = Self.getValue(mapping["kind"]), !kind.isEmpty else { return nil }
        return schema.root(apiVersion: apiVersion, kind: kind)
    }

    func requireKind(_ expected: String, _ values: Value?..., path: [String]) throws {
        for value in values {
            guard let value, !value.isNull else { continue }
            let found = Self.kindName(value)
            if found != expected {
                throw MergeError.wrongKind(patch: patchName, path: Self.render(path), expected: expected, found: found)
            }
        }
    }

    // MARK: - Maps (walkMap + Merger.VisitMap)

    func walkMap(dest destIn: Value?, src: inout Value?, node: Int?, path: [String], aliased: Bool) throws -> Walked? {
        var dest: Value
        var isDest = false
        let sharedNode = aliased
        var aliased = aliased
        if Self.isMissingOrNull(destIn) {
            // Add: the patch's map (its directive read and removed; errors ignored as kyaml does).
            let directive = try? self.directive(&src, path: path)
            if directive == .delete { return nil }
            if src == nil, let d = destIn, let text = d.scalar?.text, !text.isEmpty {
                return Walked(value: d, keepNull: true)
            }
            guard let s = src else { return nil }
            dest = s
            aliased = true
        } else {
            if let s = src, s.isNull { return nil }
            switch try directive(&src, path: path) {
            case .delete:
                return nil
            case .replace:
                guard let s = src else { return nil }
                dest = s
                aliased = true
            case .merge:
                // When the resource's node is the patch's own (an added subtree), the directive left both.
                dest = aliased ? (src ?? .null) : (destIn ?? .null)
                isDest = true
            }
        }
        // A node shared by the resource and the patch is changed in place whatever the directive said.
        if sharedNode { isDest = true }
        guard case var .mapping(result) = dest else {
            // A null the patch sets where nothing was: the parent removes the field.
            return Walked(value: dest, isDest: isDest)
        }
        var srcMap = aliased ? result : src?.mapping
        var names = Set(result.keys)
        if let srcMap { names.formUnion(srcMap.keys) }
        for key in names.sorted(by: Self.goLess) {
            let child = node.flatMap { schema.field($0, key) }
            let d = result[key]
            var s = aliased ? d : srcMap?[key]
            let walked = try walk(dest: d, src: &s, node: child, path: path + [key], aliased: aliased)
            if !aliased, let s, srcMap?[key] != nil { srcMap?[key] = s }
            if let walked, !(walked.value.isNull && !walked.keepNull) {
                result[key] = Self.restyled(walked.value, replacing: d)
            } else {
                result[key] = nil
            }
        }
        // The patch's node is the resource's when they are shared; else it keeps the edits made inside it.
        if aliased {
            src = .mapping(result)
        } else if let srcMap {
            src = .mapping(srcMap)
        }
        return Walked(value: .mapping(result), isDest: isDest)
    }

    /// kyaml's FieldSetter gives a new value the quoting style of the value it replaces; go-yaml then writes a
    /// number or boolean in quotes, which reads back as a string. So a quoted old value turns a typed new one into
    /// a string.
    static func restyled(_ new: Value, replacing old: Value?) -> Value {
        guard case let .scalar(o)? = old, case var .scalar(n) = new else { return new }
        n.style = o.style
        guard o.style != .plain else { return .scalar(n) }
        switch n.tag {
        case .int, .float, .bool, .timestamp: n.tag = .string
        default: break
        }
        return .scalar(n)
    }

    // MARK: - Directives (smpdirective.go)

    func directive(_ value: inout Value?, path: [String]) throws -> Directive {
        guard let current = value else { return .merge }
        switch current {
        case var .mapping(m):
            guard let v = m["$patch"] else { return .merge }
            let text = v.scalar?.text ?? ""
            guard let d = Self.directiveNamed(text) else {
                throw MergeError.unknownDirective(patch: patchName, path: Self.render(path), value: text)
            }
            m["$patch"] = nil
            value = .mapping(m)
            return d
        case var .sequence(list):
            guard let element = list.first(where: { $0.mapping?["$patch"] != nil }),
                  let m = element.mapping, m.count <= 1, let v = m["$patch"] else { return .merge }
            let text = v.scalar?.text ?? ""
            guard let d = Self.directiveNamed(text) else {
                throw MergeError.unknownDirective(patch: patchName, path: Self.render(path), value: text)
            }
            try elementSetter(&list, element: nil, keys: ["$patch"], values: [text], path: path)
            value = .sequence(list)
            return d
        case let .scalar(s):
            throw MergeError.directiveOnScalar(patch: patchName, path: Self.render(path), value: s.text)
        }
    }

    static func directiveNamed(_ text: String) -> Directive? {
        switch text {
        case "delete": return .delete
        case "replace": return .replace
        case "merge": return .merge
        default: return nil
        }
    }

    // MARK: - Associative lists (walk/associative_sequence.go + Merger.VisitList)

    func walkAssociativeList(dest destIn: Value?, src: inout Value?, node: Int, path: [String],
                             aliased aliasedIn: Bool) throws -> Walked? {
        var destList: [Value]
        var aliased = aliasedIn
        var isDest = false
        if Self.isMissingOrNull(destIn) {
            guard let s = src, let list = s.sequence else { return src.map { Walked(value: $0) } }
            destList = list
            aliased = true
        } else {
            if let s = src, s.isNull { return nil }
            switch try directive(&src, path: path) {
            case .delete:
                return nil
            case .replace:
                guard let s = src else { return nil }
                destList = s.sequence ?? []
                aliased = true
            case .merge:
                destList = (aliased ? src : destIn)?.sequence ?? []
                isDest = true
            }
        }
        var srcList: [Value]? = aliased ? nil : src?.sequence
        let keys = schema[node].mergeKeys
        defer {
            if let srcList, !aliasedIn { src = .sequence(srcList) }
        }

        // The key values of every element, the patch's first (lists grow at the front), without repeats.
        var valuesList: [[String]] = []
        if !keys.isEmpty {
            var seen: [[String]] = []
            for list in [aliased ? destList : srcList, destList] {
                guard let list else { continue }
                for element in list {
                    let tuple = keys.map { Self.keyText(element, $0) }
                    if tuple.isEmpty || seen.contains(tuple) { continue }
                    valuesList.append(tuple)
                    seen.append(tuple)
                }
            }
        }
        if !valuesList.isEmpty || !keys.isEmpty {
            return try setElements(valuesList, keys: keys, destList: destList, srcList: &srcList, aliased: aliased,
                                   node: node, path: path, isDest: isDest)
        }
        var primitives: [[String]] = []
        var seen = Set<String>()
        for list in [aliased ? destList : srcList, destList] {
            guard let list else { continue }
            for element in list {
                let text = Self.rawText(element)
                if seen.contains(text) { continue }
                primitives.append([text])
                seen.insert(text)
            }
        }
        return try setElements(primitives, keys: [""], destList: destList, srcList: &srcList, aliased: aliased,
                               node: node, path: path, isDest: isDest)
    }

    func setElements(_ valuesIn: [[String]], keys: [String], destList destIn: [Value], srcList: inout [Value]?,
                     aliased: Bool, node: Int, path: [String], isDest: Bool) throws -> Walked? {
        var destList = destIn
        var items: [Value] = []
        let elementNode = schema.elements(node)
        var valuesList = valuesIn
        if keys.count > 1 { Self.mergeValues(&valuesList) }
        var validKeys: [String] = []
        var validValues: [String] = []
        for values in valuesList where !values.isEmpty {
            (validKeys, validValues) = Self.validateKeys(valuesList, values, keys)
            let (findKeys, findValues) = Self.validateKeys([validValues], validValues, validKeys)
            let destIndex = Self.elementIndex(destList, keys: findKeys, values: findValues)
            let srcIndex = aliased ? destIndex : srcList.flatMap { Self.elementIndex($0, keys: findKeys, values: findValues) }
            let d = destIndex.map { destList[$0] }
            var s = aliased ? d : srcIndex.flatMap { srcList?[$0] }
            let elementPath = path + ["[" + zip(findKeys, findValues).map { "\($0)=\($1)" }.joined(separator: ",") + "]"]
            var walked = try walk(dest: d, src: &s, node: elementNode, path: elementPath, aliased: aliased)
            if !aliased, let i = srcIndex, let s { srcList?[i] = s }
            if let w = walked, w.isDest, let i = destIndex { destList[i] = w.value }
            if walked == nil, aliased, let i = destIndex, case var .mapping(m) = destList[i],
               let text = m["$patch"]?.scalar?.text, Self.directiveNamed(text) != nil {
                // The element deleted itself, but the directive was read off the node the resource shares.
                m["$patch"] = nil
                destList[i] = .mapping(m)
            }

            var exit = false
            for (i, key) in validKeys.enumerated() {
                if let w = walked, !w.value.isNull, !Self.isEmptyMap(w.value) {
                    // For a primitive list the key is "" and kyaml sets the scalar to its own text: nothing changes.
                    if !key.isEmpty && w.value.mapping?[key] == nil && !validValues[i].isEmpty {
                        guard case var .mapping(m) = w.value else {
                            throw MergeError.wrongKind(patch: patchName, path: Self.render(elementPath),
                                                       expected: "MappingNode", found: Self.kindName(w.value))
                        }
                        m[key] = .string(validValues[i])
                        walked?.value = .mapping(m)
                        if w.isDest, let index = destIndex { destList[index] = .mapping(m) }
                    }
                } else {
                    try elementSetter(&destList, element: nil, keys: validKeys, values: validValues, path: path)
                    exit = true
                }
            }
            if exit { continue }
            if let w = walked {
                try elementSetter(&items, element: w.value, keys: validKeys, values: validValues, path: path)
            }
        }
        // A list node the patch shares with the resource ends as the resource's list was left (deletions and
        // in-place merges); the merged list itself is a new node.
        if aliased { srcList = destList }
        if valuesList.isEmpty {
            return Walked(value: .sequence(destList), isDest: isDest)
        }
        try appendList(&items, destList, keys: validKeys, path: path)
        return Walked(value: .sequence(items))
    }

    /// appendListNode: each element of `source` replaces the element of `target` with the same key values, or is
    /// added at the end.
    func appendList(_ target: inout [Value], _ source: [Value], keys: [String], path: [String]) throws {
        guard let firstKey = keys.first else { return }
        for element in source {
            if firstKey.isEmpty {
                try elementSetter(&target, element: element, keys: [""], values: [Self.rawText(element)], path: path)
                continue
            }
            var values: [String] = []
            for key in keys {
                if Self.isMissingOrNull(element) {
                    target.append(element)
                    continue
                }
                guard let m = element.mapping else {
                    throw MergeError.wrongKind(patch: patchName, path: Self.render(path), expected: "MappingNode",
                                               found: Self.kindName(element))
                }
                guard let field = m[key] else {
                    target.append(element)
                    continue
                }
                values.append(Self.rawText(field))
            }
            if keys.count > 1 {
                try elementSetter(&target, element: nil, keys: keys, values: values, path: path)
            }
            try elementSetter(&target, element: element, keys: keys, values: values, path: path)
        }
    }

    /// kyaml's ElementSetter: drops null and empty-map elements; replaces (or, with no element, removes) every
    /// element whose fields match the keys and values (an empty value matches any element having the field); adds
    /// the element at the end when none matched.
    func elementSetter(_ list: inout [Value], element: Value?, keys keysIn: [String], values: [String],
                       path: [String]) throws {
        let keys = keysIn.isEmpty ? [""] : keysIn
        let mappingSetter = !keys[0].isEmpty && !values.isEmpty && !values[0].isEmpty
        var content: [Value] = []
        var matched = false
        for item in list {
            if Self.isMissingOrNull(item) || Self.isEmptyMap(item) { continue }
            if item.mapping == nil && mappingSetter {
                content.append(item)
                continue
            }
            var found = true
            var val: Value?
            for j in keys.indices {
                if j < values.count { val = try fieldMatcher(item, name: keys[j], value: values[j], path: path) }
                if val == nil {
                    found = false
                    break
                }
            }
            if !found {
                if !values.isEmpty { content.append(item) }
                continue
            }
            matched = true
            if let element { content.append(element) }
        }
        list = content
        guard let element, !element.isNull else { return }
        if !matched { list.append(element) }
    }

    /// kyaml's FieldMatcher with a string value: the matching field of a map (any value when `value` is empty), or
    /// the scalar itself when `name` is empty.
    func fieldMatcher(_ item: Value, name: String, value: String, path: [String]) throws -> Value? {
        if Self.isMissingOrNull(item) { return nil }
        if name.isEmpty {
            guard item.scalar != nil else {
                throw MergeError.wrongKind(patch: patchName, path: Self.render(path), expected: "ScalarNode",
                                           found: Self.kindName(item))
            }
            return Self.getValue(item) == value ? item : nil
        }
        guard let m = item.mapping else {
            throw MergeError.wrongKind(patch: patchName, path: Self.render(path), expected: "MappingNode",
                                       found: Self.kindName(item))
        }
        guard let field = m[name] else { return nil }
        if value.isEmpty { return field }
        return Self.rawText(field) == value ? field : nil
    }

    /// kyaml's ElementList (MatchElementList): the first element whose fields equal the values (every key must be
    /// present); for a primitive list, the first element whose text is the value.
    static func elementIndex(_ list: [Value], keys: [String], values: [String]) -> Int? {
        let values = values.isEmpty ? [""] : values
        if keys.isEmpty || keys[0].isEmpty {
            return list.firstIndex { rawText($0) == values[0] }
        }
        guard keys.count == values.count else { return nil }
        return list.firstIndex { element in
            guard let m = element.mapping else { return false }
            for (key, value) in zip(keys, values) {
                guard let field = m[key], rawText(field) == value else { return false }
            }
            return true
        }
    }

    static func validateKeys(_ valuesList: [[String]], _ values: [String], _ keys: [String]) -> ([String], [String]) {
        var valid = Set<String>()
        for tuple in valuesList {
            for (i, v) in tuple.enumerated() where !v.isEmpty && i < keys.count { valid.insert(keys[i]) }
        }
        if valid.isEmpty { return (keys, values) }
        let validKeys = keys.filter { valid.contains($0) }
        var validValues: [String] = []
        for (i, v) in values.enumerated() where !v.isEmpty || (i < keys.count && valid.contains(keys[i])) {
            validValues.append(v)
        }
        return (validKeys, validValues)
    }

    /// Tuples that agree where both have a value and share at least one value become one (multi-key lists).
    static func mergeValues(_ valuesList: inout [[String]]) {
        for i in valuesList.indices {
            let first = valuesList[i]
            for j in valuesList.indices {
                if let merged = match(first, valuesList[j]) {
                    valuesList[i] = merged
                    valuesList[j] = merged
                }
            }
        }
    }

    static func match(_ a: [String], _ b: [String]) -> [String]? {
        guard a.count == b.count else { return nil }
        var common = false
        var result: [String] = []
        for i in a.indices {
            if a[i] == b[i] {
                common = true
                result.append(a[i])
                continue
            }
            if !a[i].isEmpty && !b[i].isEmpty { return nil }
            result.append(a[i].isEmpty ? b[i] : a[i])
        }
        return common ? result : nil
    }

    // MARK: - Node helpers

    static func isMissingOrNull(_ value: Value?) -> Bool { value?.isNull ?? true }

    static func isEmptyMap(_ value: Value) -> Bool {
        if value.isNull { return true }
        if case let .mapping(m) = value { return m.isEmpty }
        return false
    }

    /// A node's own text (yaml.Node.Value): a scalar's text, "" for maps and lists.
    static func rawText(_ value: Value) -> String { value.scalar?.text ?? "" }

    /// kyaml's GetValue: "" for null, else the node's text.
    static func getValue(_ value: Value?) -> String? {
        guard let value else { return nil }
        if value.isNull { return "" }
        return rawText(value)
    }

    /// The text of an element's key field, "" when absent, null, or an empty map or list (ElementValuesList).
    static func keyText(_ element: Value, _ key: String) -> String {
        guard let field = element.mapping?[key] else { return "" }
        switch field {
        case let .scalar(s): return s.tag == .null ? "" : s.text
        default: return ""
        }
    }

    static func kindName(_ value: Value) -> String {
        switch value {
        case .mapping: return "MappingNode"
        case .sequence: return "SequenceNode"
        case .scalar: return "ScalarNode"
        }
    }

    /// Go's sort.Strings order: by UTF-8 bytes.
    static func goLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func render(_ path: [String]) -> String {
        var out = ""
        for part in path {
            if part.hasPrefix("[") { out += part } else { out += out.isEmpty ? part : "." + part }
        }
        return out
    }
}
