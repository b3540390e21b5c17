import Resources

/// Strategic merge as the Kubernetes API server applies `application/strategic-merge-patch+json`
/// (apimachinery's strategicpatch with the options the server uses: parallel lists merged, unmatched nulls ignored).
/// Where it differs from kustomize's (`StrategicMerge`): one merge key per list (`x-kubernetes-patch-merge-key`,
/// never the list-map keys); `replace` and `retainKeys` written beside a `$ref` count (a PodDisruptionBudget's
/// selector is replaced); the directives `$setElementOrder/FIELD`, `$retainKeys` and `$deleteFromPrimitiveList/FIELD`
/// act; a list element `$patch: replace` replaces the list, `$patch: delete` deletes every element with its key;
/// merged lists keep the patch's order for its elements and the object's order for the rest; primitive lists with
/// the merge strategy become a union; unknown fields merge as maps and replace as lists.
public enum ServerStrategicMerge {
    /// Applies `patch` to `original` (both JSON values: a map at the root). The schema is found from the original's
    /// `apiVersion` and `kind`; a kind the schema does not know merges maps and replaces lists.
    public static func apply(_ patch: Value, to original: Value, schema: MergeSchema = .kubernetes) throws -> Value {
        guard case let .mapping(patchMap) = patch else {
            throw MergeError.invalidServerPatch(path: "", problem: "the patch must be a JSON object")
        }
        guard case let .mapping(originalMap) = original else {
            throw MergeError.invalidServerPatch(path: "", problem: "the object to patch must be a JSON object")
        }
        var root: Int?
        if let apiVersion = originalMap["apiVersion"]?.text, let kind = originalMap["kind"]?.text {
            root = schema.root(apiVersion: apiVersion, kind: kind)
        }
        let merger = ServerMerger(schema: schema)
        return .mapping(try merger.mergeMap(originalMap, patchMap, node: root, path: ""))
    }
}

struct ServerMerger {
    let schema: MergeSchema

    static let setElementOrderPrefix = "$setElementOrder"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"

    func fail(_ path: String, _ problem: String) -> MergeError { .invalidServerPatch(path: path, problem: problem) }

    /// The schema, strategy (without retainKeys) and merge key of a field.
    func meta(_ node: Int?, _ key: String, path: String) throws -> (child: Int?, strategy: String, mergeKey: String) {
        let child = node.flatMap { schema.field($0, key) }
        let raw = node.flatMap { schema[$0].strategiesBesideRef[key] } ?? child.flatMap { schema[$0].strategy } ?? ""
        let strategies = raw.isEmpty ? [] : raw.split(separator: ",").map(String.init)
        var other = ""
        switch strategies.count {
        case 0: break
        case 1: other = strategies[0] == "retainKeys" ? "" : strategies[0]
        case 2:
            if strategies[0] == "retainKeys" {
                other = strategies[1]
            } else if strategies[1] == "retainKeys" {
                other = strategies[0]
            } else {
                throw fail(path, "unexpected patch strategy: \(strategies)")
            }
        default:
            throw fail(path, "unexpected patch strategy: \(strategies)")
        }
        return (child, other, child.flatMap { schema[$0].patchMergeKey } ?? "")
    }

    // MARK: - Maps

    func mergeMap(_ originalIn: Mapping?, _ patchIn: Mapping, node: Int?, path: String, depth: Int = 0) throws -> Mapping {
        if depth > KyamlWalker.maxDepth { throw MergeError.tooDeep(patch: "strategic merge patch", limit: KyamlWalker.maxDepth) }
        var patch = patchIn
        if let directive = patch["$patch"] {
            switch directive.string {
            case "replace":
                patch["$patch"] = nil
                return patch
            case "delete":
                return Mapping()
            default:
                throw fail(path, "unknown patch type: \(directive.text ?? "a non-scalar") in map")
            }
        }
        var original = originalIn ?? Mapping()

        if let retain = patch["$retainKeys"] {
            patch["$retainKeys"] = nil
            guard let list = retain.sequence else { throw fail(path, "invalid patch format of retainKeys") }
            let keep = Set(list.compactMap { $0.string })
            for (key, value) in patch.pairs where !value.isNull && !key.hasPrefix(Self.deleteFromPrimitiveListPrefix)
                && !key.hasPrefix(Self.setElementOrderPrefix) {
                guard keep.contains(key) else {
                    throw fail(path, "invalid patch format of retainKeys: '\(key)' is not in $retainKeys")
                }
            }
            for key in original.keys where !keep.contains(key) { original[key] = nil }
        }

        for key in patch.keys where key.hasPrefix(Self.setElementOrderPrefix) {
            guard let order = patch[key] else { continue }
            patch[key] = nil
            try applySetElementOrder(key, order, &original, &patch, node: node, path: path, depth: depth)
        }

        for (patchKey, patchValue) in patch.pairs {
            var key = patchKey
            var isDeleteList = false
            if patchKey.hasPrefix(Self.deleteFromPrimitiveListPrefix) {
                key = try extractKey(patchKey, prefix: Self.deleteFromPrimitiveListPrefix, path: path)
                isDeleteList = true
            }
            let here = path.isEmpty ? key : path + "." + key
            if patchValue.isNull {
                original[key] = nil
                continue
            }
            guard let current = original[key], Self.jsonClass(current) == Self.jsonClass(patchValue) else {
                if !isDeleteList { original[key] = Self.removeDirectives(Self.discardNulls(patchValue)) }
                continue
            }
            switch (current, patchValue) {
            case let (.mapping(o), .mapping(p)):
                let (child, strategy, _) = try meta(node, key, path: here)
                original[key] = strategy == "replace" ? patchValue
                    : .mapping(try mergeMap(o, p, node: child, path: here, depth: depth + 1))
            case let (.sequence(o), .sequence(p)):
                let (child, strategy, mergeKey) = try meta(node, key, path: here)
                if strategy == "merge" || isDeleteList {
                    original[key] = .sequence(try mergeSlice(o, p, node: child.flatMap { schema.elements($0) },
                                                             mergeKey: mergeKey, isDeleteList: isDeleteList, path: here,
                                                             depth: depth + 1))
                } else {
                    original[key] = patchValue
                }
            default:
                original[key] = Self.removeDirectives(patchValue)
            }
        }
        return original
    }

    func extractKey(_ key: String, prefix: String, path: String) throws -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == prefix else {
            throw fail(path, prefix == Self.setElementOrderPrefix
                ? "invalid patch format of setElementOrder list: '\(key)'"
                : "invalid patch format of primitive list: '\(key)'")
        }
        return String(parts[1])
    }

    func applySetElementOrder(_ key: String, _ order: Value, _ original: inout Mapping, _ patch: inout Mapping,
                              node: Int?, path: String, depth: Int) throws {
        guard let orderList = order.sequence else {
            throw fail(path, "expected a list for \(key)")
        }
        let field = try extractKey(key, prefix: Self.setElementOrderPrefix, path: path)
        let here = path.isEmpty ? field : path + "." + field
        let originalValue = original[field]
        let patchValue = patch[field]
        if let originalValue, originalValue.sequence == nil { throw fail(here, "expected a list in the object") }
        if let patchValue, patchValue.sequence == nil { throw fail(here, "expected a list in the patch") }
        let originalList = originalValue?.sequence ?? []
        let patchList = patchValue?.sequence ?? []
        let (child, strategy, mergeKey) = try meta(node, field, path: here)
        try validateSetOrder(patchList, orderList, mergeKey: mergeKey, path: here)
        let merged: [Value]
        switch (originalValue != nil, patchValue != nil) {
        case (true, false):
            merged = originalList
        case (false, true):
            merged = Self.removeDirectives(.sequence(patchList))?.sequence ?? []
        case (true, true):
            if strategy == "merge" {
                merged = try mergeSlice(originalList, patchList, node: child.flatMap { schema.elements($0) },
                                        mergeKey: mergeKey, isDeleteList: false, path: here, depth: depth + 1)
            } else {
                merged = patchList
            }
        case (false, false):
            return
        }
        let (inOrder, serverOnly) = try partition(merged, by: orderList, mergeKey: mergeKey, path: here)
        guard let kind = try elementClass(originalList + patchList, path: here) else {
            throw fail(here, "no elements in any of the given slices (\(key) with empty lists)")
        }
        let isMap = kind == .map
        original[field] = .sequence(try normalizeElementOrder(inOrder, serverOnly, patchOrder: orderList,
                                                              serverOrder: originalList, mergeKey: mergeKey,
                                                              isMap: isMap, path: here))
        patch[field] = nil
    }

    func validateSetOrder(_ patchList: [Value], _ orderList: [Value], mergeKey: String, path: String) throws {
        guard !orderList.isEmpty, !patchList.isEmpty else { return }
        var items = patchList
        if !mergeKey.isEmpty {
            for item in patchList where item.mapping == nil { throw fail(path, "expected a map in the patch list") }
            items = patchList.filter { $0.mapping?["$patch"]?.string != "delete" }
        }
        var p = 0
        var s = 0
        while p < items.count && s < orderList.count {
            if items[p].mapping?["$patch"] != nil {
                p += 1
                continue
            }
            let equal: Bool
            if mergeKey.isEmpty {
                equal = Self.goEqual(items[p], orderList[s])
            } else {
                guard let left = items[p].mapping, let right = orderList[s].mapping else {
                    throw fail(path, "expected maps in the patch list and in $setElementOrder")
                }
                guard let l = left[mergeKey], let r = right[mergeKey] else {
                    throw fail(path, "map does not contain declared merge key: \(mergeKey)")
                }
                equal = Self.goEqual(l, r)
            }
            if equal { p += 1 }
            s += 1
        }
        if p < items.count && s >= orderList.count {
            throw fail(path, "the order in the patch list doesn't match the $setElementOrder list")
        }
    }

    // MARK: - Lists

    enum JSONClass { case map, list, string, number, bool, null }

    func elementClass(_ values: [Value], path: String) throws -> JSONClass? {
        var found: JSONClass?
        for value in values where !value.isNull {
            let c = Self.jsonClass(value)
            if let found, found != c { throw fail(path, "list element types are not identical") }
            if c == .list { throw fail(path, "lists of lists are not supported") }
            found = c
        }
        return found
    }

    func mergeSlice(_ originalIn: [Value], _ patchIn: [Value], node: Int?, mergeKey: String, isDeleteList: Bool,
                    path: String, depth: Int) throws -> [Value] {
        if originalIn.isEmpty && patchIn.isEmpty { return originalIn }
        guard let kind = try elementClass(originalIn + patchIn, path: path) else {
            throw fail(path, "no elements in any of the given slices")
        }
        var original = originalIn
        var patch = patchIn
        var merged: [Value]
        if kind != .map {
            if isDeleteList {
                return original.filter { item in !patch.contains { Self.goEqual($0, item) } }
            }
            merged = Self.deduplicate(original + patch)
        } else {
            guard !mergeKey.isEmpty else { throw fail(path, "cannot merge lists without merge key") }
            (original, patch) = try specialElements(original, patch, mergeKey: mergeKey, path: path)
            merged = original
            for item in patch {
                guard let value = item.mapping?[mergeKey] else {
                    throw fail(path, "map does not contain declared merge key: \(mergeKey)")
                }
                if let i = try find(merged, mergeKey, value, path: path) {
                    merged[i] = .mapping(try mergeMap(merged[i].mapping, item.mapping ?? Mapping(), node: node,
                                                      path: path + "[\(mergeKey)=\(value.text ?? "")]", depth: depth + 1))
                } else {
                    merged.append(item)
                }
            }
        }
        let (inPatch, serverOnly) = try partition(merged, by: patch, mergeKey: mergeKey, path: path)
        return try normalizeElementOrder(inPatch, serverOnly, patchOrder: patch, serverOrder: original,
                                         mergeKey: mergeKey, isMap: kind == .map, path: path)
    }

    func specialElements(_ originalIn: [Value], _ patch: [Value], mergeKey: String,
                         path: String) throws -> ([Value], [Value]) {
        var original = originalIn
        var plain: [Value] = []
        var replace = false
        for item in patch {
            guard let m = item.mapping, let directive = m["$patch"] else {
                plain.append(item)
                continue
            }
            switch directive.string {
            case "delete":
                guard let value = m[mergeKey] else {
                    throw fail(path, "map does not contain declared merge key: \(mergeKey)")
                }
                while let i = try find(original, mergeKey, value, path: path) { original.remove(at: i) }
            case "replace":
                replace = true
            case "merge":
                throw fail(path, "merging lists cannot yet be specified in the patch")
            default:
                throw fail(path, "unknown patch type: \(directive.text ?? "a non-scalar") in map")
            }
        }
        return replace ? (plain, []) : (original, plain)
    }

    func find(_ list: [Value], _ key: String, _ value: Value, path: String) throws -> Int? {
        for (i, item) in list.enumerated() {
            guard let m = item.mapping else { throw fail(path, "value for key \(i) is not a map") }
            if let candidate = m[key], Self.goEqual(candidate, value) { return i }
        }
        return nil
    }

    func partition(_ merged: [Value], by list: [Value], mergeKey: String,
                   path: String) throws -> ([Value], [Value]) {
        var inList: [Value] = []
        var others: [Value] = []
        for item in merged {
            let present: Bool
            if mergeKey.isEmpty {
                present = list.contains { Self.goEqual($0, item) }
            } else {
                guard let m = item.mapping else { throw fail(path, "expected a map in the list") }
                guard let value = m[mergeKey] else {
                    throw fail(path, "map does not contain declared merge key: \(mergeKey)")
                }
                present = try find(list, mergeKey, value, path: path) != nil
            }
            if present { inList.append(item) } else { others.append(item) }
        }
        return (inList, others)
    }

    func normalizeElementOrder(_ inPatch: [Value], _ serverOnly: [Value], patchOrder: [Value], serverOrder: [Value],
                               mergeKey: String, isMap: Bool, path: String) throws -> [Value] {
        let left = try sortSlice(serverOnly, by: serverOrder, mergeKey: mergeKey, isMap: isMap, path: path)
        let right = try sortSlice(inPatch, by: patchOrder, mergeKey: mergeKey, isMap: isMap, path: path)
        var result: [Value] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                result.append(right[j]); j += 1
            } else if j >= right.count {
                result.append(left[i]); i += 1
            } else {
                let li = index(serverOrder, left[i], mergeKey: mergeKey, isMap: isMap)
                let ri = index(serverOrder, right[j], mergeKey: mergeKey, isMap: isMap)
                if li >= 0 && ri >= 0 && li < ri {
                    result.append(left[i]); i += 1
                } else {
                    result.append(right[j]); j += 1
                }
            }
        }
        return result
    }

    /// normalizeSliceOrder: elements with `$patch: delete` last; the rest ordered as in `order` by Go's stable
    /// insertion sort (an element `order` lacks compares as smaller, as apimachinery's comparator says).
    func sortSlice(_ values: [Value], by order: [Value], mergeKey: String, isMap: Bool, path: String) throws -> [Value] {
        var toSort = values
        var deletes: [Value] = []
        if isMap {
            for item in values + order {
                guard let m = item.mapping else { throw fail(path, "expected a map in the list") }
                guard m[mergeKey] != nil else { throw fail(path, "map does not contain declared merge key: \(mergeKey)") }
            }
            toSort = values.filter { $0.mapping?["$patch"]?.string != "delete" }
            deletes = values.filter { $0.mapping?["$patch"]?.string == "delete" }
        }
        let positions = toSort.map { index(order, $0, mergeKey: mergeKey, isMap: isMap) }
        var items = Array(zip(toSort, positions))
        func less(_ a: (Value, Int), _ b: (Value, Int)) -> Bool {
            if a.1 >= 0 && b.1 >= 0 { return a.1 < b.1 }
            return true
        }
        if items.count > 1 {
            for i in 1..<items.count {
                var j = i
                while j > 0 && less(items[j], items[j - 1]) {
                    items.swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
        return items.map(\.0) + deletes
    }

    func index(_ list: [Value], _ value: Value, mergeKey: String, isMap: Bool) -> Int {
        if isMap {
            let wanted = value.mapping?[mergeKey]
            return list.firstIndex { item in
                let candidate = item.mapping?[mergeKey]
                if wanted == nil && candidate == nil { return true }
                guard let wanted, let candidate else { return false }
                return Self.goEqual(wanted, candidate)
            } ?? -1
        }
        return list.firstIndex { Self.goEqual($0, value) } ?? -1
    }

    // MARK: - Values as JSON

    static func jsonClass(_ value: Value) -> JSONClass {
        switch value {
        case .mapping: return .map
        case .sequence: return .list
        case let .scalar(s):
            switch s.tag {
            case .null: return .null
            case .bool: return .bool
            case .int, .float: return .number
            default: return .string
            }
        }
    }

    /// Go's `==` on decoded JSON scalars: same type and value (numbers as float64); maps and lists never equal.
    static func goEqual(_ a: Value, _ b: Value) -> Bool {
        guard case let .scalar(x) = a, case let .scalar(y) = b else { return false }
        switch (jsonClass(a), jsonClass(b)) {
        case (.null, .null): return true
        case (.bool, .bool): return x.text.lowercased() == y.text.lowercased()
        case (.number, .number): return Double(x.text) == Double(y.text)
        case (.string, .string): return x.text == y.text
        default: return false
        }
    }

    /// apimachinery's deduplicateScalars: a later duplicate is replaced by the last element.
    static func deduplicate(_ input: [Value]) -> [Value] {
        var s = input
        var length = s.count - 1
        var i = 0
        while i < length {
            var j = i + 1
            while j <= length {
                if goEqual(s[i], s[j]) {
                    s[j] = s[length]
                    s.removeLast()
                    length -= 1
                    j -= 1
                }
                j += 1
            }
            i += 1
        }
        return s
    }

    /// removeDirectives: a map holding `$patch` disappears; lists and maps are cleaned inside.
    static func removeDirectives(_ value: Value) -> Value? {
        switch value {
        case let .mapping(m):
            if m["$patch"] != nil { return nil }
            var out = Mapping()
            for (key, child) in m.pairs {
                if let cleaned = removeDirectives(child) { out[key] = cleaned }
            }
            return .mapping(out)
        case let .sequence(list):
            return .sequence(list.compactMap(removeDirectives))
        case .scalar:
            return value
        }
    }

    /// discardNullValuesFromPatch: nulls in maps of a value the object lacks mean nothing.
    static func discardNulls(_ value: Value) -> Value {
        switch value {
        case let .mapping(m):
            var out = Mapping()
            for (key, child) in m.pairs where !child.isNull { out[key] = discardNulls(child) }
            return .mapping(out)
        case let .sequence(list):
            return .sequence(list.map(discardNulls))
        case .scalar:
            return value
        }
    }
}
