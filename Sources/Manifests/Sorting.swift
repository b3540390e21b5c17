/// The sort stage: kustomize's legacy order by default (Namespaces first, webhooks last, then by type and id), or
/// input order with `sortOptions: {order: fifo}`.
enum Sorting {
    static let defaultFirst = [
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
        "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
        "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
        "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
    ]
    static let defaultLast = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]

    static func sort(_ list: inout ResourceList, options: SortOptions?) throws {
        var first = defaultFirst
        var last = defaultLast
        if let options {
            if options.order != "fifo" && options.order != "legacy" {
                throw ManifestsError.message("the field 'sortOptions.order' must be one of [fifo, legacy]")
            }
            if options.order == "fifo" {
                if options.hasLegacyOptions {
                    throw ManifestsError.message("the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'")
                }
                return
            }
            if options.hasLegacyOptions {
                first = options.orderFirst ?? []
                last = options.orderLast ?? []
            }
        }
        var rank: [String: Int] = [:]
        for (i, kind) in first.enumerated() { rank[kind] = -first.count + i }
        for (i, kind) in last.enumerated() { rank[kind] = 1 + i }
        let keyed = list.resources.map { r -> (Resource, ResourceId, String) in
            let id = r.id
            return (r, id, idSortKey(id))
        }
        let sorted = keyed.enumerated().sorted { a, b in
            let (x, y) = (a.element.1, b.element.1)
            if x.gvk != y.gvk {
                let (rx, ry) = (rank[x.gvk.kind] ?? 0, rank[y.gvk.kind] ?? 0)
                if rx != ry { return rx < ry }
                let (gx, gy) = (gvkSortKey(x.gvk), gvkSortKey(y.gvk))
                if x.gvk.kind == "Namespace" && y.gvk.kind == "Namespace" && (x.gvk.group.isEmpty || y.gvk.group.isEmpty) {
                    if gx != gy { return gx > gy }
                } else if gx != gy {
                    return gx < gy
                }
            }
            if a.element.2 != b.element.2 { return a.element.2 < b.element.2 }
            return a.offset < b.offset
        }
        list.replaceAll(sorted.map(\.element.0))
    }

    /// The position of a kind in kustomize's default legacy order (negative first, positive last, 0 otherwise).
    static func rank(_ kind: String) -> Int { defaultRanks[kind] ?? 0 }

    static let defaultRanks: [String: Int] = {
        var rank: [String: Int] = [:]
        for (i, kind) in defaultFirst.enumerated() { rank[kind] = -defaultFirst.count + i }
        for (i, kind) in defaultLast.enumerated() { rank[kind] = 1 + i }
        return rank
    }()

    static func gvkSortKey(_ g: GVK) -> String {
        (g.group.isEmpty ? "~G" : g.group) + "_" + (g.version.isEmpty ? "~V" : g.version) + "_" + (g.kind.isEmpty ? "~K" : g.kind)
    }

    static func idSortKey(_ id: ResourceId) -> String {
        id.gvk.description + "|" + (id.namespace.isEmpty ? "~X" : id.namespace) + "|" + (id.name.isEmpty ? "~N" : id.name)
    }
}
