import Foundation
import Resources

extension APIServer {
    struct Column {
        var name: String
        var type: String
        var format: String = ""
        var priority: Int = 0
        var description: String = ""
        var cell: (Value) -> Value
    }

    /// A `meta.k8s.io` Table of objects, with the columns kubectl prints for the kind (or a CRD's printer columns).
    func table(for objects: [Value], type: ResourceType, version: String, request: APIRequest, listMeta: Value?) -> Value {
        let columns = self.columns(for: type)
        let include = request.query["includeObject"] ?? "Metadata"
        let rows: [Value] = objects.map { object in
            let rowObject: Value?
            switch include {
            case "None": rowObject = nil
            case "Object": rowObject = object
            default:
                rowObject = .object([("kind", .string("PartialObjectMetadata")), ("apiVersion", .string("meta.k8s.io/v1")),
                                     ("metadata", object["metadata"] ?? .emptyObject)])
            }
            return .object([("cells", .sequence(columns.map { $0.cell(object) })), ("object", rowObject)])
        }
        return .object([
            ("kind", .string("Table")), ("apiVersion", .string(version)),
            ("metadata", listMeta ?? .object([("resourceVersion", objects.first?[path: ["metadata", "resourceVersion"]])])),
            ("columnDefinitions", .sequence(columns.map { column in
                .object([("name", .string(column.name)), ("type", .string(column.type)), ("format", .string(column.format)),
                         ("description", .string(column.description)), ("priority", .int(column.priority))])
            })),
            ("rows", .sequence(rows)),
        ])
    }

    static func age(_ object: Value) -> Value {
        guard let text = object.string(at: "metadata", "creationTimestamp"),
              let date = ISO8601DateFormatter().date(from: text) else { return .string("<unknown>") }
        return .string(humanDuration(Date().timeIntervalSince(date)))
    }

    /// kubectl's short durations: 45s, 3m20s, 12m, 5h3m, 3d4h, 20d, 2y.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        let days = hours / 24
        if days < 8 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        return "\(days / 365)y"
    }

    func columns(for type: ResourceType) -> [Column] {
        let name = Column(name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.") { $0[path: ["metadata", "name"]] ?? .string("") }
        let age = Column(name: "Age", type: "string", description: "CreationTimestamp") { Self.age($0) }
        func text(_ path: [String]) -> (Value) -> Value { { $0[path: path].map { $0.scalar != nil ? .string($0.text ?? "") : .string(JSON.string($0)) } ?? .string("<none>") } }
        func int(_ path: [String]) -> (Value) -> Value { { .int($0[path: path]?.intValue ?? 0) } }
        if let custom = type.custom {
            var columns = [name]
            for column in custom.printerColumns {
                let path = column.jsonPath
                let columnType = column.type
                columns.append(Column(name: column.name, type: column.type, format: column.format, priority: column.priority, description: column.description) { object in
                    guard let value = JSONPathLite.evaluate(path, in: object) else { return .null }
                    if columnType == "date", let text = value.string, let date = ISO8601DateFormatter().date(from: text) {
                        return .string(Self.humanDuration(Date().timeIntervalSince(date)))
                    }
                    return value
                })
            }
            if !custom.printerColumns.contains(where: { $0.jsonPath == ".metadata.creationTimestamp" }) { columns.append(age) }
            return columns
        }
        // The -o wide columns of the kinds with a Pod template.
        let templateColumns = [
            Column(name: "Containers", type: "string", priority: 1) { .string(($0[path: ["spec", "template", "spec", "containers"]]?.sequence ?? []).compactMap { $0.string(at: "name") }.joined(separator: ",")) },
            Column(name: "Images", type: "string", priority: 1) { .string(($0[path: ["spec", "template", "spec", "containers"]]?.sequence ?? []).compactMap { $0.string(at: "image") }.joined(separator: ",")) },
            Column(name: "Selector", type: "string", priority: 1) { object in
                .string((object[path: ["spec", "selector", "matchLabels"]]?.mapping?.pairs.map { "\($0.0)=\($0.1.text ?? "")" } ?? []).joined(separator: ","))
            },
        ]
        switch (type.group, type.plural) {
        case ("", "pods"):
            return [name,
                    Column(name: "Ready", type: "string") { pod in
                        let statuses = pod[path: ["status", "containerStatuses"]]?.sequence ?? []
                        let total = pod[path: ["spec", "containers"]]?.sequence?.count ?? statuses.count
                        return .string("\(statuses.filter { $0["ready"]?.boolValue == true }.count)/\(total)")
                    },
                    Column(name: "Status", type: "string") { pod in
                        let waiting = (pod[path: ["status", "containerStatuses"]]?.sequence ?? []).compactMap { $0.string(at: "state", "waiting", "reason") }.first
                        if pod[path: ["metadata", "deletionTimestamp"]] != nil { return .string("Terminating") }
                        return .string(waiting ?? pod.string(at: "status", "reason") ?? pod.string(at: "status", "phase") ?? "Pending")
                    },
                    Column(name: "Restarts", type: "string") { pod in
                        .int((pod[path: ["status", "containerStatuses"]]?.sequence ?? []).reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) })
                    },
                    age,
                    Column(name: "IP", type: "string", priority: 1, cell: text(["status", "podIP"])),
                    Column(name: "Node", type: "string", priority: 1, cell: text(["spec", "nodeName"]))]
        case ("apps", "replicasets"):
            return [name,
                    Column(name: "Desired", type: "integer") { .int($0[path: ["spec", "replicas"]]?.intValue ?? 1) },
                    Column(name: "Current", type: "integer", cell: int(["status", "replicas"])),
                    Column(name: "Ready", type: "integer", cell: int(["status", "readyReplicas"])),
                    age,
                    ] + templateColumns
        case ("apps", "deployments"), ("apps", "statefulsets"):
            return [name,
                    Column(name: "Ready", type: "string") { .string("\($0[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\($0[path: ["spec", "replicas"]]?.intValue ?? 1)") },
                    Column(name: "Up-to-date", type: "integer", cell: int(["status", "updatedReplicas"])),
                    Column(name: "Available", type: "integer", cell: int(["status", "availableReplicas"])),
                    age,
                    ] + templateColumns
        case ("", "services"):
            return [name,
                    Column(name: "Type", type: "string") { .string($0.string(at: "spec", "type") ?? "ClusterIP") },
                    Column(name: "Cluster-IP", type: "string") { .string($0.string(at: "spec", "clusterIP") ?? "<none>") },
                    Column(name: "External-IP", type: "string") { _ in .string("<none>") },
                    Column(name: "Port(s)", type: "string") { service in
                        .string((service[path: ["spec", "ports"]]?.sequence ?? []).map { "\($0["port"]?.text ?? "")/\($0.string(at: "protocol") ?? "TCP")" }.joined(separator: ","))
                    },
                    age,
                    Column(name: "Selector", type: "string", priority: 1) { service in
                        .string((service[path: ["spec", "selector"]]?.mapping?.pairs.map { "\($0.0)=\($0.1.text ?? "")" } ?? ["<none>"]).joined(separator: ","))
                    }]
        case ("", "endpoints"):
            // As the API server prints them: ready addresses with each port, three at most, then how many more.
            return [name,
                    Column(name: "Endpoints", type: "string") { endpoints in
                        var pairs: [String] = []
                        for subset in endpoints["subsets"]?.sequence ?? [] {
                            let ports = (subset["ports"]?.sequence ?? []).compactMap { $0["port"]?.text }
                            for address in subset["addresses"]?.sequence ?? [] {
                                let ip = address.string(at: "ip") ?? ""
                                if ports.isEmpty { pairs.append(ip) } else { pairs += ports.map { "\(ip):\($0)" } }
                            }
                        }
                        if pairs.isEmpty { return .string("<none>") }
                        let shown = pairs.prefix(3).joined(separator: ",")
                        return .string(pairs.count > 3 ? shown + " + \(pairs.count - 3) more..." : shown)
                    },
                    age]
        case ("", "namespaces"):
            return [name, Column(name: "Status", type: "string") { .string($0.string(at: "status", "phase") ?? "Active") }, age]
        case ("", "configmaps"):
            return [name, Column(name: "Data", type: "integer") { .int(($0["data"]?.mapping?.count ?? 0) + ($0["binaryData"]?.mapping?.count ?? 0)) }, age]
        case ("", "secrets"):
            return [name, Column(name: "Type", type: "string") { .string($0.string(at: "type") ?? "Opaque") },
                    Column(name: "Data", type: "integer") { .int($0["data"]?.mapping?.count ?? 0) }, age]
        case ("", "serviceaccounts"):
            return [name, Column(name: "Secrets", type: "integer") { .int($0["secrets"]?.sequence?.count ?? 0) }, age]
        case ("apiextensions.k8s.io", "customresourcedefinitions"):
            return [name, Column(name: "Created At", type: "date") { $0[path: ["metadata", "creationTimestamp"]] ?? .null }]
        case ("batch", "jobs"):
            return [name,
                    Column(name: "Status", type: "string") { job in
                        let conditions = job[path: ["status", "conditions"]]?.sequence ?? []
                        if conditions.contains(where: { $0.string(at: "type") == "Complete" && $0.string(at: "status") == "True" }) { return .string("Complete") }
                        if conditions.contains(where: { $0.string(at: "type") == "Failed" && $0.string(at: "status") == "True" }) { return .string("Failed") }
                        return .string("Running")
                    },
                    Column(name: "Completions", type: "string") { .string("\($0[path: ["status", "succeeded"]]?.intValue ?? 0)/\($0[path: ["spec", "completions"]]?.intValue ?? 1)") },
                    Column(name: "Duration", type: "string") { job in
                        let formatter = ISO8601DateFormatter()
                        guard let start = job.string(at: "status", "startTime").flatMap(formatter.date(from:)) else { return .string("") }
                        let end = job.string(at: "status", "completionTime").flatMap(formatter.date(from:)) ?? Date()
                        return .string(Self.humanDuration(end.timeIntervalSince(start)))
                    },
                    age]
        default:
            return [name, age]
        }
    }
}

/// The subset of kubectl's JSONPath that printer columns use: `.a.b`, `.a[0].b`, `.a[*].b` (joined), and
/// `.a[?(@.type=="Ready")].status`.
enum JSONPathLite {
    static func evaluate(_ path: String, in object: Value) -> Value? {
        var expression = path.trimmingCharacters(in: .whitespaces)
        if expression.hasPrefix("{") && expression.hasSuffix("}") { expression = String(expression.dropFirst().dropLast()) }
        if expression.hasPrefix("$") { expression.removeFirst() }
        var current: [Value] = [object]
        var index = expression.startIndex
        while index < expression.endIndex {
            let character = expression[index]
            if character == "." {
                index = expression.index(after: index)
                var end = index
                while end < expression.endIndex, expression[end] != ".", expression[end] != "[" { end = expression.index(after: end) }
                let key = String(expression[index..<end])
                current = current.compactMap { $0[key] }
                index = end
            } else if character == "[" {
                guard let close = expression[index...].firstIndex(of: "]") else { return nil }
                let inside = String(expression[expression.index(after: index)..<close])
                index = expression.index(after: close)
                if inside == "*" {
                    current = current.flatMap { $0.sequence ?? $0.mapping.map { Array($0.values) } ?? [] }
                } else if let number = Int(inside) {
                    current = current.compactMap { items in
                        guard let list = items.sequence else { return nil }
                        let position = number < 0 ? list.count + number : number
                        return position >= 0 && position < list.count ? list[position] : nil
                    }
                } else if inside.contains(":"), !inside.hasPrefix("?") {
                    let bounds = inside.split(separator: ":", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    current = current.flatMap { items -> [Value] in
                        guard let list = items.sequence else { return [] }
                        func clamp(_ value: Int?, _ fallback: Int) -> Int {
                            guard let value else { return fallback }
                            return Swift.max(0, Swift.min(list.count, value < 0 ? list.count + value : value))
                        }
                        let lower = clamp(bounds.first ?? nil, 0)
                        let upper = clamp(bounds.count > 1 ? bounds[1] : nil, list.count)
                        return lower < upper ? Array(list[lower..<upper]) : []
                    }
                } else if inside.hasPrefix("?(@."), inside.hasSuffix(")"), let equals = inside.range(of: "==") {
                    let field = String(inside[inside.index(inside.startIndex, offsetBy: 4)..<equals.lowerBound])
                    var wanted = String(inside[equals.upperBound...].dropLast())
                    wanted = wanted.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                    current = current.flatMap { ($0.sequence ?? []).filter { $0[path: field.split(separator: ".").map(String.init)]?.text == wanted } }
                } else {
                    current = current.compactMap { $0[inside.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))] }
                }
            } else {
                return nil
            }
        }
        if current.isEmpty { return nil }
        if current.count == 1 { return current[0] }
        return .string(current.map { $0.text ?? JSON.string($0) }.joined(separator: ","))
    }
}
