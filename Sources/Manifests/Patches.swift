import Resources

/// `patches`, `patchesStrategicMerge` and `patchesJson6902`: loading and targeting. The merge itself is done by the
/// strategic-merge and JSON-patch code of this module (see `PatchEngine`).
enum Patches {
    /// One `patches` (or `patchesJson6902`) entry, loaded.
    struct Patch {
        var source: String
        var target: Selector?
        var strategic: [Resource] = []
        var json: Value? = nil
        var jsonWrittenAsJSON = false

        init(_ entry: PatchEntry, loader: Loader, jsonOnly: Bool = false) throws {
            target = entry.target
            var text = entry.patch.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty && entry.path.isEmpty {
                throw ManifestsError.message("must specify one of patch and path in\n\(Self.describe(entry))")
            }
            if !text.isEmpty && !entry.path.isEmpty {
                throw ManifestsError.message("patch and path can't be set at the same time\n\(Self.describe(entry))")
            }
            if !entry.path.isEmpty {
                do {
                    text = try loader.loadText(entry.path)
                } catch let error as ManifestsError {
                    throw ManifestsError.message("failed to get the patch file from path(\(entry.path)): \(error)")
                }
                source = "[path: \"\(entry.path)\"]"
            } else {
                source = "[patch: \(Self.goQuote(text))]"
            }
            jsonWrittenAsJSON = text.hasPrefix("[")
            if jsonOnly {
                json = try Self.jsonOperations(text, source: source)
                if target == nil { throw ManifestsError.message("must specify a target for JSON patch \(source)") }
                return
            }
            let smp = try? ResourceParsing.resources(fromText: text, file: source)
            let ops = try? Self.jsonOperations(text, source: source)
            if let smp, let ops, !smp.isEmpty, ops.sequence?.isEmpty == false {
                throw ManifestsError.message("illegally qualifies as both an SM and JSON patch: \(source)")
            }
            if let smp {
                for p in smp {
                    p.allowNameChange = entry.allowNameChange
                    p.allowKindChange = entry.allowKindChange
                }
                strategic = smp
            } else if let ops {
                json = ops
            } else {
                throw ManifestsError.message("unable to parse SM or JSON patch from \(source)")
            }
        }

        static func describe(_ entry: PatchEntry) -> String {
            var out = ""
            if !entry.path.isEmpty { out += "path: \(entry.path)\n" }
            if !entry.patch.isEmpty { out += "patch: \(entry.patch)\n" }
            return out
        }

        static func goQuote(_ text: String) -> String {
            var out = "\""
            for ch in text.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: out.unicodeScalars.append(ch)
                }
            }
            return out + "\""
        }

        /// JSON 6902 operations, written as a JSON array or as YAML.
        static func jsonOperations(_ text: String, source: String) throws -> Value {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ManifestsError.message("empty json patch operations")
            }
            let doc = try YAML.document(text, file: source)
            guard case .sequence = doc else {
                throw ManifestsError.message("json patch \(source) is not a list of operations")
            }
            return doc
        }

        /// Applies the patch; returns the resources it changed.
        func apply(to list: inout ResourceList, schema: MergeSchema) throws -> [Resource] {
            if let json {
                guard let target else { throw ManifestsError.message("must specify a target for JSON patch \(source)") }
                let selected = try SelectorMatcher(target).select(list)
                for r in selected {
                    r.storePreviousId()
                    r.value = try PatchEngine.applyJSON(json, to: r.value, source: source, writtenAsJSON: jsonWrittenAsJSON)
                }
                return selected
            }
            if let target {
                if strategic.count > 1 {
                    throw ManifestsError.message("Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: \(source)")
                }
                guard let patch = strategic.first else { return [] }
                let selected = try SelectorMatcher(target).select(list)
                return try Patches.applyStrategicMerge(patch, to: selected, list: &list, schema: schema, source: source)
            }
            var touched: [Resource] = []
            for patch in strategic {
                let found: Resource
                do {
                    found = try list.one(withId: patch.originalId)
                } catch let error as ManifestsError {
                    throw ManifestsError.message("no resource matches strategic merge patch \"\(patch.originalId)\": \(error)")
                }
                touched += try Patches.applyStrategicMerge(patch, to: [found], list: &list, schema: schema, source: source)
            }
            return touched
        }
    }

    /// patchesStrategicMerge entries: each an inline patch or a file of patches.
    static func loadStrategicMerge(_ entries: [String], loader: Loader) throws -> [Resource] {
        var out: [Resource] = []
        for entry in entries {
            if let inline = try? YAML.documents(entry, file: "inline"), inline.contains(where: { if case .mapping = $0 { return true } else { return false } }) {
                out += try ResourceParsing.resources(fromDocuments: inline, file: "inline patch")
                continue
            }
            let text = try loader.loadText(entry)
            out += try ResourceParsing.resources(fromText: text, file: loader.absolute(entry))
        }
        if out.isEmpty { throw ManifestsError.message("patch appears to be empty; check the patch paths") }
        return out
    }

    static func applyStrategicMerge(_ patches: [Resource], to list: inout ResourceList, schema: MergeSchema) throws -> [Resource] {
        var touched: [Resource] = []
        for patch in patches {
            let target = try list.one(withId: patch.originalId)
            touched += try applyStrategicMerge(patch, to: [target], list: &list, schema: schema, source: "patchesStrategicMerge")
        }
        return touched
    }

    /// Merges one patch into each of `targets` (members of `list`); a patch that deletes a resource removes it.
    static func applyStrategicMerge(_ patch: Resource, to targets: [Resource], list: inout ResourceList,
                                    schema: MergeSchema, source: String) throws -> [Resource] {
        var removed = false
        for r in targets {
            var patchValue = patch.value
            // kustomize gives the patch the target's apiVersion; an empty one is written as an untagged empty
            // scalar, which the merge keeps and the output reads back as null.
            let noApiVersion = r.value["apiVersion"] == nil
            patchValue["apiVersion"] = r.value["apiVersion"]
            if let kind = patch.value["kind"] { patchValue["kind"] = kind }
            let (name, namespace, kind) = (r.name, r.namespace, r.kind)
            if patch.allowNameChange || patch.allowKindChange { r.storePreviousId() }
            guard let merged = try PatchEngine.applyStrategic(patchValue, to: r.value, schema: schema, source: source) else {
                r.value = .mapping(Mapping())
                removed = true
                continue
            }
            r.value = merged
            if r.isEmpty { removed = true; continue }
            if noApiVersion { r.value["apiVersion"] = .null }
            if !patch.allowKindChange { r.setKind(kind) }
            if !patch.allowNameChange { r.setName(name) }
            r.setNamespace(namespace)
        }
        if removed { list.remove { $0.isEmpty } }
        return targets.filter { !$0.isEmpty }
    }
}
