import Foundation
import Resources

/// The resources kf-local serves: the built-in kinds plus those of every established CustomResourceDefinition.
/// CRDs register and unregister their resources live.
final class Registry: @unchecked Sendable {
    private let lock = NSLock()
    private var builtin: [ResourceType]
    private var custom: [String: [ResourceType]] = [:]
    /// Bumped on every change, so discovery and OpenAPI answers can carry a hash that changes with them.
    private(set) var generation = 0

    init() {
        builtin = BuiltinResources.all
    }

    var all: [ResourceType] {
        lock.lock(); defer { lock.unlock() }
        return builtin + custom.keys.sorted().flatMap { custom[$0] ?? [] }
    }

    func lookup(group: String, version: String, plural: String) -> ResourceType? {
        all.first { $0.group == group && $0.version == version && $0.plural == plural && ($0.custom?.served ?? true) }
    }

    /// The type to use for an object's storage (its storage version for custom resources).
    func storageType(_ storage: String) -> ResourceType? {
        let types = all.filter { $0.storage == storage }
        return types.first { $0.custom == nil || $0.custom?.storageVersion == $0.version } ?? types.first
    }

    func versions(storage: String) -> [ResourceType] { all.filter { $0.storage == storage } }

    func hasStorage(_ storage: String) -> Bool { all.contains { $0.storage == storage } }

    /// Group-versions in discovery order: built-in groups first in their fixed order, then custom groups sorted;
    /// within a group, versions in Kubernetes' priority order.
    func groupVersions() -> [(group: String, versions: [String])] {
        let types = all.filter { $0.custom?.served ?? true }
        var groups: [String: Set<String>] = [:]
        for type in types { groups[type.group, default: []].insert(type.version) }
        let order = BuiltinResources.groupOrder
        let sortedGroups = groups.keys.sorted { a, b in
            let ia = order.firstIndex(of: a) ?? Int.max, ib = order.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        return sortedGroups.map { group in (group, (groups[group] ?? []).sorted(by: Registry.versionPriority)) }
    }

    /// Kubernetes' version ordering: GA before beta before alpha, higher numbers first, others alphabetical last.
    static func versionPriority(_ a: String, _ b: String) -> Bool {
        func rank(_ version: String) -> (Int, Int, Int, String) {
            let pattern = #"^v(\d+)(?:(alpha|beta)(\d+))?$"#
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: version, range: NSRange(version.startIndex..., in: version)) else {
                return (3, 0, 0, version)
            }
            func group(_ index: Int) -> String? {
                guard let range = Range(match.range(at: index), in: version) else { return nil }
                return String(version[range])
            }
            let major = Int(group(1) ?? "0") ?? 0
            let stage = group(2)
            let minor = Int(group(3) ?? "0") ?? 0
            let stageRank = stage == nil ? 0 : (stage == "beta" ? 1 : 2)
            return (stageRank, -major, -minor, version)
        }
        return rank(a) < rank(b)
    }

    /// Registers (or re-registers) the resources of a CRD; returns the types.
    @discardableResult
    func register(crd: Value) throws(APIError) -> [ResourceType] {
        let types = try Registry.types(ofCRD: crd)
        guard let name = crd.string(at: "metadata", "name") else { return [] }
        lock.lock()
        custom[name] = types
        generation += 1
        lock.unlock()
        return types
    }

    func unregister(crdName: String) {
        lock.lock()
        custom[crdName] = nil
        generation += 1
        lock.unlock()
    }

    /// Checks a CRD and reads the resource types it defines. Errors are 422 Invalid with Kubernetes' field paths.
    static func types(ofCRD crd: Value) throws(APIError) -> [ResourceType] {
        let name = crd.string(at: "metadata", "name") ?? ""
        var errors: [FieldError] = []
        let spec = crd["spec"] ?? .emptyObject
        let group = spec.string(at: "group") ?? ""
        let names = spec["names"] ?? .emptyObject
        let plural = names.string(at: "plural") ?? ""
        let kind = names.string(at: "kind") ?? ""
        let scope = spec.string(at: "scope") ?? ""
        if group.isEmpty { errors.append(FieldError(type: .required, field: "spec.group", detail: "")) }
        else if !group.contains(".") { errors.append(FieldError(type: .invalid, field: "spec.group", detail: "should be a domain with at least one dot", badValue: "\"\(group)\"")) }
        if plural.isEmpty { errors.append(FieldError(type: .required, field: "spec.names.plural", detail: "")) }
        if kind.isEmpty { errors.append(FieldError(type: .required, field: "spec.names.kind", detail: "")) }
        if scope != "Namespaced" && scope != "Cluster" {
            errors.append(FieldError(type: .notSupported, field: "spec.scope", detail: "supported values: \"Cluster\", \"Namespaced\"", badValue: "\"\(scope)\""))
        }
        if !plural.isEmpty, !group.isEmpty, name != plural + "." + group {
            errors.append(FieldError(type: .invalid, field: "metadata.name", detail: "must be spec.names.plural+\".\"+spec.group", badValue: "\"\(name)\""))
        }
        let versions = spec["versions"]?.sequence ?? []
        if versions.isEmpty { errors.append(FieldError(type: .required, field: "spec.versions", detail: "must have exactly one version marked as storage version")) }
        let storageVersions = versions.filter { $0["storage"]?.boolValue == true }
        if !versions.isEmpty && storageVersions.count != 1 {
            errors.append(FieldError(type: .invalid, field: "spec.versions", detail: "must have exactly one version marked as storage version", badValue: "[]"))
        }
        let storageVersion = storageVersions.first?.string(at: "name") ?? ""
        var types: [ResourceType] = []
        var seen: Set<String> = []
        for (index, version) in versions.enumerated() {
            let versionName = version.string(at: "name") ?? ""
            if versionName.isEmpty { errors.append(FieldError(type: .required, field: "spec.versions[\(index)].name", detail: "")); continue }
            if !seen.insert(versionName).inserted {
                errors.append(FieldError(type: .duplicate, field: "spec.versions[\(index)].name", detail: "", badValue: "\"\(versionName)\""))
            }
            var schema: Schema?
            if let raw = version[path: ["schema", "openAPIV3Schema"]] {
                do { schema = try Schema(raw, path: "spec.versions[\(index)].schema.openAPIV3Schema") } catch {
                    errors.append(FieldError(type: .invalid, field: "spec.versions[\(index)].schema.openAPIV3Schema", detail: String(describing: error)))
                }
            }
            let subresources = version["subresources"]
            var scale: ResourceType.ScalePaths?
            if let scaleSpec = subresources?["scale"] {
                func path(_ key: String) -> [String]? {
                    guard let text = scaleSpec.string(at: key), text.hasPrefix(".") else { return nil }
                    return text.dropFirst().split(separator: ".").map(String.init)
                }
                if let spec = path("specReplicasPath"), let status = path("statusReplicasPath") {
                    scale = ResourceType.ScalePaths(specReplicas: spec, statusReplicas: status, labelSelector: path("labelSelectorPath"))
                } else {
                    errors.append(FieldError(type: .invalid, field: "spec.versions[\(index)].subresources.scale", detail: "specReplicasPath and statusReplicasPath must be JSON paths starting with '.'"))
                }
            }
            let columns: [ResourceType.PrinterColumn] = (version["additionalPrinterColumns"]?.sequence ?? []).compactMap { column in
                guard let name = column.string(at: "name"), let jsonPath = column.string(at: "jsonPath") else { return nil }
                return ResourceType.PrinterColumn(name: name, type: column.string(at: "type") ?? "string",
                                                  format: column.string(at: "format") ?? "",
                                                  description: column.string(at: "description") ?? "",
                                                  priority: column["priority"]?.intValue ?? 0, jsonPath: jsonPath)
            }
            types.append(ResourceType(
                group: group, version: versionName, kind: kind, plural: plural,
                singular: names.string(at: "singular") ?? kind.lowercased(), namespaced: scope == "Namespaced",
                shortNames: (names["shortNames"]?.sequence ?? []).compactMap(\.string),
                categories: (names["categories"]?.sequence ?? []).compactMap(\.string),
                hasStatus: subresources?["status"] != nil, scale: scale,
                custom: .init(crdName: name, schema: schema, storageVersion: storageVersion, printerColumns: columns,
                              served: version["served"]?.boolValue ?? true)))
        }
        if !errors.isEmpty {
            throw APIError.invalid(kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: name, causes: errors)
        }
        return types
    }
}
