import Resources

/// Decides, from what the server holds, that a server-side apply would change nothing, so `kf apply` can skip
/// it. The decision uses the live object and the field set the field manager already owns (managedFields,
/// FieldsV1): the apply is a no-op exactly when every field of the configuration already has the live value and
/// the manager owns no field that the configuration dropped. Whenever the answer is not certain (no managed
/// fields, another apiVersion, a list whose kind cannot be told, a null in the configuration), it says "may
/// change" and the caller applies; a wrong "unchanged" is never the cheap way out.
enum ApplyNoChange {
    /// True only when applying `applied` as `manager` certainly leaves `live` as it is.
    static func certainlyUnchanged(applied: Value, live: Value, manager: String) -> Bool {
        guard applied["kind"]?.text == live["kind"]?.text,
              let config = applied.mapping, let liveFields = live.mapping else { return false }
        var top = config
        _ = top.removeValue(forKey: "apiVersion")
        _ = top.removeValue(forKey: "kind")
        _ = top.removeValue(forKey: "status")  // the main resource ignores status
        if var metadata = top["metadata"]?.mapping {
            // kustomize writes `creationTimestamp: null`; the server sets the field itself and ignores it.
            if metadata["creationTimestamp"]?.isNull == true { _ = metadata.removeValue(forKey: "creationTimestamp") }
            for key in ["name", "namespace"] {
                if let value = metadata[key] {
                    // A cluster-scoped object (no namespace on the server) ignores a namespace in its configuration,
                    // as kustomize writes for some.
                    let ignored = key == "namespace" && live[path: ["metadata", "namespace"]] == nil
                    if !ignored && value != live[path: ["metadata", key]] { return false }
                    _ = metadata.removeValue(forKey: key)
                }
            }
            // Only name and namespace: nothing under metadata is applied.
            top["metadata"] = metadata.isEmpty ? nil : .mapping(metadata)
        }
        let entries = live[path: ["metadata", "managedFields"]]?.sequence ?? []
        guard let entry = entries.first(where: {
            $0["manager"]?.text == manager && $0["operation"]?.text == "Apply"
                && ($0["fieldsType"]?.text ?? "FieldsV1") == "FieldsV1"
        }) else {
            // The manager owns nothing (the server keeps no entry for an empty field set): applying a
            // configuration of identity fields alone, as for a bare ServiceAccount, still owns nothing.
            return top.isEmpty && config["apiVersion"] == liveFields["apiVersion"]
        }
        guard entry["apiVersion"]?.text == applied["apiVersion"]?.text,
              let owned = entry["fieldsV1"]?.mapping else { return false }
        // Identity fields must match; they are not always listed as owned.
        for key in ["apiVersion", "kind"] where config[key] != liveFields[key] { return false }
        // The server never records identity fields as owned; drop them if it does.
        var ownedTop = owned
        for key in ["f:status", "f:apiVersion", "f:kind"] { _ = ownedTop.removeValue(forKey: key) }
        if var ownedMetadata = ownedTop["f:metadata"]?.mapping {
            for key in ["f:name", "f:namespace"] { _ = ownedMetadata.removeValue(forKey: key) }
            ownedTop["f:metadata"] = ownedMetadata.isEmpty ? nil : .mapping(ownedMetadata)
        }
        return covers(.mapping(top), live: live, owned: ownedTop)
    }

    /// The configuration value has the live value everywhere, and its fields are exactly the owned ones.
    private static func covers(_ config: Value, live: Value, owned: Mapping) -> Bool {
        switch config {
        case let .scalar(scalar):
            if scalar.tag == .null { return false }  // a null asks the server to remove a field
            return config == live && owned.keys.allSatisfy { $0 == "." }
        case let .mapping(mapping):
            guard let liveMapping = live.mapping else { return false }
            var seen = Set<String>()
            for (key, value) in mapping.pairs {
                guard let ownedChild = owned["f:" + key] else { return false }
                guard let childOwned = ownedChild.mapping, let liveValue = liveMapping[key] else { return false }
                if !covers(value, live: liveValue, owned: childOwned) { return false }
                seen.insert("f:" + key)
            }
            // Anything else the manager owns here was dropped from the configuration: applying removes it.
            return owned.keys.allSatisfy { $0 == "." || seen.contains($0) }
        case let .sequence(items):
            guard let liveItems = live.sequence else { return false }
            let itemKeys = owned.keys.filter { $0 != "." }
            if itemKeys.isEmpty {
                // An atomic list: the configuration replaces it whole.
                return config == live
            }
            guard itemKeys.count == items.count else { return false }
            var used = Set<String>()
            for item in items {
                // Find the owned entry naming this item, and the live item it names.
                var match: (key: String, live: Value)?
                for key in itemKeys where !used.contains(key) {
                    if let liveItem = liveItem(for: key, config: item, in: liveItems) {
                        match = (key, liveItem)
                        break
                    }
                }
                guard let match, let childOwned = owned[match.key]?.mapping else { return false }
                used.insert(match.key)
                if !covers(item, live: match.live, owned: childOwned) { return false }
            }
            return true
        }
    }

    /// The live list item that an owned-item key ("k:{...}", "v:...", "i:N") names, when `config` is that item.
    private static func liveItem(for key: String, config: Value, in liveItems: [Value]) -> Value? {
        let body = String(key.dropFirst(2))
        if key.hasPrefix("k:") {
            guard let fields = (try? ValueJSON.decode(body))?.mapping, !fields.isEmpty else { return nil }
            func named(_ item: Value, defaulted: Bool) -> Bool {
                fields.pairs.allSatisfy { name, value in
                    if let field = item[name] { return sameScalar(field, value) }
                    // A key field the configuration leaves out gets the server's default: only a protocol, TCP.
                    return defaulted && name == "protocol" && value.text == "TCP"
                }
            }
            guard named(config, defaulted: true) else { return nil }
            return liveItems.first { named($0, defaulted: false) }
        }
        if key.hasPrefix("v:") {
            guard let value = try? ValueJSON.decode(body), sameScalar(config, value) else { return nil }
            return liveItems.first { sameScalar($0, value) }
        }
        if key.hasPrefix("i:"), let index = Int(body), index >= 0, index < liveItems.count {
            return liveItems[index]
        }
        return nil
    }

    /// Scalars equal by text and kind of value (a JSON key "80" names port 80 only when both are numbers).
    private static func sameScalar(_ a: Value, _ b: Value) -> Bool {
        guard let x = a.scalar, let y = b.scalar else { return a == b }
        return x.text == y.text && (x.tag == .string) == (y.tag == .string)
    }
}
