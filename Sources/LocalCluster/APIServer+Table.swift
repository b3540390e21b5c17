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
        let years = days / 365
        if years < 8 { return days % 365 == 0 ? "\(years)y" : "\(years)y\(days % 365)d" }
        return "\(years)y"
    }

    func columns(for type: ResourceType) -> [Column] {
        let name = Column(name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.") { $0[path: ["metadata", "name"]] ?? .string("") }
        let age = Column(name: "Age", type: "string", description: "CreationTimestamp") { Self.age($0) }
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
            // The apiextensions server's rule: a version without printer columns gets Age; one with columns gets
            // exactly its own (an Age column of its own is not doubled, and none is added to other columns).
            if custom.printerColumns.isEmpty { columns.append(age) }
            return columns
        }
        return Self.builtinColumns(type: type, name: name, age: age) ?? [name, age]
    }

    /// The columns and cells of kube-apiserver's table printer (kubernetes/kubernetes pkg/printers/internalversion/
    /// printers.go) for the kinds kubectl users list most; the server always fills the wide (priority 1) cells and
    /// kubectl shows them with `-o wide`.
    static func builtinColumns(type: ResourceType, name: Column, age: Column) -> [Column]? {
        func int(_ path: [String]) -> (Value) -> Value { { .int($0[path: path]?.intValue ?? 0) } }
        func templateColumns(_ template: [String], selector: [String]) -> [Column] {
            [Column(name: "Containers", type: "string", priority: 1) { .string((($0[path: template + ["spec", "containers"]]?.sequence) ?? []).compactMap { $0.string(at: "name") }.joined(separator: ",")) },
             Column(name: "Images", type: "string", priority: 1) { .string((($0[path: template + ["spec", "containers"]]?.sequence) ?? []).compactMap { $0.string(at: "image") }.joined(separator: ",")) },
             Column(name: "Selector", type: "string", priority: 1) { .string(formatLabelSelector($0[path: selector])) }]
        }
        let podTemplate = templateColumns(["spec", "template"], selector: ["spec", "selector"])
        switch (type.group, type.plural) {
        case ("", "pods"):
            return [name,
                    Column(name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic.") { .string(podRow($0).ready) },
                    Column(name: "Status", type: "string", description: "The aggregate status of the containers in this pod.") { .string(podRow($0).status) },
                    Column(name: "Restarts", type: "string", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.") { .string(podRow($0).restarts) },
                    age,
                    Column(name: "IP", type: "string", priority: 1) { pod in
                        .string((pod[path: ["status", "podIPs"]]?.sequence?.first?.string(at: "ip")).flatMap { $0.isEmpty ? nil : $0 } ?? pod.string(at: "status", "podIP").flatMap { $0.isEmpty ? nil : $0 } ?? "<none>")
                    },
                    Column(name: "Node", type: "string", priority: 1) { .string(nonEmpty($0.string(at: "spec", "nodeName"))) },
                    Column(name: "Nominated Node", type: "string", priority: 1) { .string(nonEmpty($0.string(at: "status", "nominatedNodeName"))) },
                    Column(name: "Readiness Gates", type: "string", priority: 1) { pod in
                        let gates = pod[path: ["spec", "readinessGates"]]?.sequence ?? []
                        if gates.isEmpty { return .string("<none>") }
                        let conditions = pod[path: ["status", "conditions"]]?.sequence ?? []
                        let met = gates.filter { gate in
                            conditions.first { $0.string(at: "type") == gate.string(at: "conditionType") }?.string(at: "status") == "True"
                        }.count
                        return .string("\(met)/\(gates.count)")
                    }]
        case ("apps", "replicasets"):
            return [name,
                    Column(name: "Desired", type: "integer") { .int($0[path: ["spec", "replicas"]]?.intValue ?? 1) },
                    Column(name: "Current", type: "integer", cell: int(["status", "replicas"])),
                    Column(name: "Ready", type: "integer", cell: int(["status", "readyReplicas"])),
                    age] + podTemplate
        case ("apps", "deployments"):
            return [name,
                    Column(name: "Ready", type: "string") { .string("\($0[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\($0[path: ["spec", "replicas"]]?.intValue ?? 1)") },
                    Column(name: "Up-to-date", type: "integer", cell: int(["status", "updatedReplicas"])),
                    Column(name: "Available", type: "integer", cell: int(["status", "availableReplicas"])),
                    age] + podTemplate
        case ("apps", "statefulsets"):
            return [name,
                    Column(name: "Ready", type: "string") { .string("\($0[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\($0[path: ["spec", "replicas"]]?.intValue ?? 1)") },
                    age] + podTemplate.prefix(2)
        case ("apps", "daemonsets"):
            return [name,
                    Column(name: "Desired", type: "integer", cell: int(["status", "desiredNumberScheduled"])),
                    Column(name: "Current", type: "integer", cell: int(["status", "currentNumberScheduled"])),
                    Column(name: "Ready", type: "integer", cell: int(["status", "numberReady"])),
                    Column(name: "Up-to-date", type: "integer", cell: int(["status", "updatedNumberScheduled"])),
                    Column(name: "Available", type: "integer", cell: int(["status", "numberAvailable"])),
                    Column(name: "Node Selector", type: "string") { .string(formatLabels($0[path: ["spec", "template", "spec", "nodeSelector"]])) },
                    age] + podTemplate
        case ("", "services"):
            return [name,
                    Column(name: "Type", type: "string") { .string($0.string(at: "spec", "type") ?? "") },
                    Column(name: "Cluster-IP", type: "string") { service in
                        .string(service[path: ["spec", "clusterIPs"]]?.sequence?.first?.string ?? service.string(at: "spec", "clusterIP").flatMap { $0.isEmpty ? nil : $0 } ?? "<none>")
                    },
                    Column(name: "External-IP", type: "string") { .string(serviceExternalIP($0)) },
                    Column(name: "Port(s)", type: "string") { service in
                        let ports = (service[path: ["spec", "ports"]]?.sequence ?? []).map { port -> String in
                            let number = port["port"]?.text ?? "0"
                            let proto = port.string(at: "protocol") ?? ""
                            if let node = port["nodePort"]?.intValue, node > 0 { return "\(number):\(node)/\(proto)" }
                            return "\(number)/\(proto)"
                        }
                        return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                    },
                    age,
                    Column(name: "Selector", type: "string", priority: 1) { .string(formatLabels($0[path: ["spec", "selector"]])) }]
        case ("", "nodes"):
            return [name,
                    Column(name: "Status", type: "string", description: "The status of the node") { node in
                        var status: [String] = []
                        if let ready = (node[path: ["status", "conditions"]]?.sequence ?? []).last(where: { $0.string(at: "type") == "Ready" }) {
                            status.append(ready.string(at: "status") == "True" ? "Ready" : "NotReady")
                        }
                        if status.isEmpty { status.append("Unknown") }
                        if node[path: ["spec", "unschedulable"]]?.boolValue == true { status.append("SchedulingDisabled") }
                        return .string(status.joined(separator: ","))
                    },
                    Column(name: "Roles", type: "string", description: "The roles of the node") { node in
                        var roles = Set<String>()
                        for (key, value) in node[path: ["metadata", "labels"]]?.mapping?.pairs.map({ ($0.0, $0.1) }) ?? [] {
                            if key.hasPrefix("node-role.kubernetes.io/") {
                                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                                if !role.isEmpty { roles.insert(role) }
                            } else if key == "kubernetes.io/role", let role = value.text, !role.isEmpty {
                                roles.insert(role)
                            }
                        }
                        return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
                    },
                    age,
                    Column(name: "Version", type: "string", description: "Kubelet Version reported by the node.") { .string($0.string(at: "status", "nodeInfo", "kubeletVersion") ?? "") },
                    Column(name: "Internal-IP", type: "string", priority: 1) { .string(nodeAddress($0, "InternalIP")) },
                    Column(name: "External-IP", type: "string", priority: 1) { .string(nodeAddress($0, "ExternalIP")) },
                    Column(name: "OS-Image", type: "string", priority: 1) { .string(unknownIfEmpty($0.string(at: "status", "nodeInfo", "osImage"))) },
                    Column(name: "Kernel-Version", type: "string", priority: 1) { .string(unknownIfEmpty($0.string(at: "status", "nodeInfo", "kernelVersion"))) },
                    Column(name: "Container-Runtime", type: "string", priority: 1) { .string(unknownIfEmpty($0.string(at: "status", "nodeInfo", "containerRuntimeVersion"))) }]
        case ("", "events"):
            // No Name column first: the event printer's columns, as `kubectl get events` shows them.
            return [Column(name: "Last Seen", type: "string") { .string(eventRow($0).lastSeen) },
                    Column(name: "Type", type: "string") { .string($0.string(at: "type") ?? "") },
                    Column(name: "Reason", type: "string") { .string($0.string(at: "reason") ?? "") },
                    Column(name: "Object", type: "string") { event in
                        let kind = (event.string(at: "involvedObject", "kind") ?? "").lowercased()
                        let objectName = event.string(at: "involvedObject", "name") ?? ""
                        return .string(objectName.isEmpty ? kind : kind + "/" + objectName)
                    },
                    Column(name: "Subobject", type: "string", priority: 1) { .string($0.string(at: "involvedObject", "fieldPath") ?? "") },
                    Column(name: "Source", type: "string", priority: 1) { event in
                        let component = nonEmptyOr(event.string(at: "source", "component"), event.string(at: "reportingComponent"))
                        let instance = nonEmptyOr(event.string(at: "source", "host"), event.string(at: "reportingInstance"))
                        if component.isEmpty { return .string("") }
                        return .string(instance.isEmpty ? component : component + ", " + instance)
                    },
                    Column(name: "Message", type: "string") { .string(($0.string(at: "message") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) },
                    Column(name: "First Seen", type: "string", priority: 1) { .string(eventRow($0).firstSeen) },
                    Column(name: "Count", type: "string", priority: 1) { .int(eventRow($0).count) },
                    Column(name: "Name", type: "string", priority: 1) { .string($0.string(at: "metadata", "name") ?? "") }]
        case ("", "persistentvolumeclaims"):
            return [name,
                    Column(name: "Status", type: "string") { claim in
                        .string(claim[path: ["metadata", "deletionTimestamp"]] != nil ? "Terminating" : claim.string(at: "status", "phase") ?? "")
                    },
                    Column(name: "Volume", type: "string") { .string($0.string(at: "spec", "volumeName") ?? "") },
                    Column(name: "Capacity", type: "string") { claim in
                        guard !(claim.string(at: "spec", "volumeName") ?? "").isEmpty else { return .string("") }
                        return .string(claim[path: ["status", "capacity", "storage"]]?.text ?? "0")
                    },
                    Column(name: "Access Modes", type: "string") { claim in
                        guard !(claim.string(at: "spec", "volumeName") ?? "").isEmpty else { return .string("") }
                        return .string(accessModes(claim[path: ["status", "accessModes"]]))
                    },
                    Column(name: "StorageClass", type: "string") { claim in
                        .string(claim.string(at: "metadata", "annotations", "volume.beta.kubernetes.io/storage-class") ?? claim.string(at: "spec", "storageClassName") ?? "")
                    },
                    Column(name: "VolumeAttributesClass", type: "string") { .string($0.string(at: "spec", "volumeAttributesClassName") ?? "<unset>") },
                    age,
                    Column(name: "VolumeMode", type: "string", priority: 1) { .string($0.string(at: "spec", "volumeMode") ?? "<unset>") }]
        case ("batch", "cronjobs"):
            return [name,
                    Column(name: "Schedule", type: "string") { .string($0.string(at: "spec", "schedule") ?? "") },
                    Column(name: "Timezone", type: "string") { .string($0.string(at: "spec", "timeZone") ?? "<none>") },
                    Column(name: "Suspend", type: "boolean") { cronJob in
                        guard let suspend = cronJob[path: ["spec", "suspend"]]?.boolValue else { return .string("<unset>") }
                        return .string(suspend ? "True" : "False")
                    },
                    Column(name: "Active", type: "integer") { .int($0[path: ["status", "active"]]?.sequence?.count ?? 0) },
                    Column(name: "Last Schedule", type: "date") { cronJob in
                        guard let text = cronJob.string(at: "status", "lastScheduleTime"), let date = ISO8601DateFormatter().date(from: text) else { return .string("<none>") }
                        return .string(humanDuration(Date().timeIntervalSince(date)))
                    },
                    age] + templateColumns(["spec", "jobTemplate", "spec", "template"], selector: ["spec", "jobTemplate", "spec", "selector"])
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
                    Column(name: "Status", type: "string", description: "Status of the job.") { job in
                        let conditions = job[path: ["status", "conditions"]]?.sequence ?? []
                        func has(_ type: String) -> Bool { conditions.contains { $0.string(at: "type") == type && $0.string(at: "status") == "True" } }
                        if has("Complete") { return .string("Complete") }
                        if has("Failed") { return .string("Failed") }
                        if job[path: ["metadata", "deletionTimestamp"]] != nil { return .string("Terminating") }
                        if has("Suspended") { return .string("Suspended") }
                        if has("FailureTarget") { return .string("FailureTarget") }
                        if has("SuccessCriteriaMet") { return .string("SuccessCriteriaMet") }
                        return .string("Running")
                    },
                    Column(name: "Completions", type: "string") { job in
                        let succeeded = job[path: ["status", "succeeded"]]?.intValue ?? 0
                        if let completions = job[path: ["spec", "completions"]]?.intValue { return .string("\(succeeded)/\(completions)") }
                        let parallelism = job[path: ["spec", "parallelism"]]?.intValue ?? 0
                        return .string(parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1")
                    },
                    Column(name: "Duration", type: "string") { job in
                        let formatter = ISO8601DateFormatter()
                        guard let start = job.string(at: "status", "startTime").flatMap(formatter.date(from:)) else { return .string("") }
                        let end = job.string(at: "status", "completionTime").flatMap(formatter.date(from:)) ?? Date()
                        return .string(humanDuration(end.timeIntervalSince(start)))
                    },
                    age] + podTemplate
        default:
            return nil
        }
    }
}

extension APIServer {
    struct PodRow {
        var ready: String
        var status: String
        var restarts: String
    }

    /// The pod printer's READY, STATUS and RESTARTS: the phase, or the Pod's reason; an init container's state
    /// (`Init:N/M`, `Init:REASON`, `Init:ExitCode:N`); else the last container (in order) that is waiting or
    /// terminated gives its reason (`Completed`, `Error`, `CrashLoopBackOff`, `ExitCode:N`), `Completed` turning back
    /// to `Running` (or `NotReady`) while another container runs; `Terminating` for a Pod being deleted that has not
    /// finished. Restarts read `N (AGE ago)` after the last restart.
    static func podRow(_ pod: Value) -> PodRow {
        let formatter = ISO8601DateFormatter()
        let specInit = pod[path: ["spec", "initContainers"]]?.sequence ?? []
        let restartable = Set(specInit.filter { $0.string(at: "restartPolicy") == "Always" }.compactMap { $0.string(at: "name") })
        var total = (pod[path: ["spec", "containers"]]?.sequence ?? []).count + restartable.count
        if total == 0 { total = (pod[path: ["status", "containerStatuses"]]?.sequence ?? []).count }
        var ready = 0
        var restarts = 0
        var sidecarRestarts = 0
        var lastRestart: Date?
        var lastSidecarRestart: Date?
        let phase = pod.string(at: "status", "phase") ?? ""
        var reason = nonEmptyOr(pod.string(at: "status", "reason"), phase)
        let conditions = pod[path: ["status", "conditions"]]?.sequence ?? []
        if conditions.contains(where: { $0.string(at: "type") == "PodScheduled" && $0.string(at: "reason") == "SchedulingGated" }) {
            reason = "SchedulingGated"
        }
        func later(_ a: Date?, _ b: Date?) -> Date? {
            guard let b else { return a }
            guard let a else { return b }
            return max(a, b)
        }
        func finished(_ status: Value) -> Date? {
            status.string(at: "lastState", "terminated", "finishedAt").flatMap(formatter.date(from:))
        }
        var initializing = false
        for (index, status) in (pod[path: ["status", "initContainerStatuses"]]?.sequence ?? []).enumerated() {
            let count = status["restartCount"]?.intValue ?? 0
            restarts += count
            lastRestart = later(lastRestart, finished(status))
            let isSidecar = restartable.contains(status.string(at: "name") ?? "")
            if isSidecar {
                sidecarRestarts += count
                lastSidecarRestart = later(lastSidecarRestart, finished(status))
            }
            let terminated = status[path: ["state", "terminated"]]
            let waitingReason = status.string(at: "state", "waiting", "reason") ?? ""
            if let terminated, terminated["exitCode"]?.intValue == 0 { continue }
            if isSidecar && status["started"]?.boolValue == true {
                if status["ready"]?.boolValue == true { ready += 1 }
                continue
            }
            if let terminated {
                if let terminatedReason = terminated.string(at: "reason"), !terminatedReason.isEmpty {
                    reason = "Init:" + terminatedReason
                } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                    reason = "Init:Signal:\(signal)"
                } else {
                    reason = "Init:ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                }
            } else if !waitingReason.isEmpty && waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(index)/\(specInit.count)"
            }
            initializing = true
            break
        }
        let initialized = conditions.contains { $0.string(at: "type") == "Initialized" && $0.string(at: "status") == "True" }
        if !initializing || initialized {
            restarts = sidecarRestarts
            lastRestart = lastSidecarRestart
            var running = false
            for status in (pod[path: ["status", "containerStatuses"]]?.sequence ?? []).reversed() {
                restarts += status["restartCount"]?.intValue ?? 0
                lastRestart = later(lastRestart, finished(status))
                let terminated = status[path: ["state", "terminated"]]
                if let waiting = status.string(at: "state", "waiting", "reason"), !waiting.isEmpty {
                    reason = waiting
                } else if let terminated, let terminatedReason = terminated.string(at: "reason"), !terminatedReason.isEmpty {
                    reason = terminatedReason
                } else if let terminated {
                    if let signal = terminated["signal"]?.intValue, signal != 0 { reason = "Signal:\(signal)" } else { reason = "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)" }
                } else if status["ready"]?.boolValue == true && status[path: ["state", "running"]] != nil {
                    running = true
                    ready += 1
                }
            }
            if reason == "Completed" && running {
                reason = conditions.contains { $0.string(at: "type") == "Ready" && $0.string(at: "status") == "True" } ? "Running" : "NotReady"
            }
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            if pod.string(at: "status", "reason") == "NodeLost" {
                reason = "Unknown"
            } else if phase != "Succeeded" && phase != "Failed" {
                reason = "Terminating"
            }
        }
        var restartText = String(restarts)
        if restarts != 0, let lastRestart {
            restartText += " (\(humanDuration(Date().timeIntervalSince(lastRestart))) ago)"
        }
        return PodRow(ready: "\(ready)/\(total)", status: reason, restarts: restartText)
    }

    /// The event printer's times and count: the last timestamp (or the series' last observation, or the first
    /// timestamp, or the event time), the first (or the event time), the count (the series', else at least 1).
    static func eventRow(_ event: Value) -> (lastSeen: String, firstSeen: String, count: Int) {
        func since(_ text: String?) -> String? {
            guard let text, !text.isEmpty else { return nil }
            let formatter = ISO8601DateFormatter()
            var date = formatter.date(from: text)
            if date == nil {
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                date = formatter.date(from: text)
            }
            return date.map { humanDuration(Date().timeIntervalSince($0)) }
        }
        let first = since(event.string(at: "firstTimestamp")) ?? since(event.string(at: "eventTime")) ?? "<unknown>"
        var last = since(event.string(at: "lastTimestamp")) ?? first
        var count = event["count"]?.intValue ?? 0
        if let series = event["series"], series.mapping != nil {
            last = since(series.string(at: "lastObservedTime")) ?? "<unknown>"
            count = series["count"]?.intValue ?? 0
        } else if count == 0 {
            count = 1
        }
        return (last, first, count)
    }

    static func nonEmpty(_ text: String?) -> String { nonEmptyOr(text, "<none>") }

    static func nonEmptyOr(_ text: String?, _ fallback: String?) -> String {
        if let text, !text.isEmpty { return text }
        return fallback ?? ""
    }

    static func unknownIfEmpty(_ text: String?) -> String { nonEmptyOr(text, "<unknown>") }

    static func nodeAddress(_ node: Value, _ type: String) -> String {
        nonEmpty((node[path: ["status", "addresses"]]?.sequence ?? []).first { $0.string(at: "type") == type }?.string(at: "address"))
    }

    /// The service printer's EXTERNAL-IP: externalIPs for ClusterIP and NodePort Services, the load balancer's
    /// ingress (or `<pending>`) for LoadBalancer ones, the external name for ExternalName ones.
    static func serviceExternalIP(_ service: Value) -> String {
        let external = (service[path: ["spec", "externalIPs"]]?.sequence ?? []).compactMap(\.string)
        switch service.string(at: "spec", "type") ?? "" {
        case "ClusterIP", "NodePort":
            return external.isEmpty ? "<none>" : external.joined(separator: ",")
        case "LoadBalancer":
            let ingress = (service[path: ["status", "loadBalancer", "ingress"]]?.sequence ?? []).compactMap { item -> String? in
                if let ip = item.string(at: "ip"), !ip.isEmpty { return ip }
                if let host = item.string(at: "hostname"), !host.isEmpty { return host }
                return nil
            }
            let all = ingress + external
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return service.string(at: "spec", "externalName") ?? ""
        default:
            return "<unknown>"
        }
    }

    /// labels.FormatLabels: `k=v` sorted by key, `<none>` when empty.
    static func formatLabels(_ labels: Value?) -> String {
        let pairs = (labels?.mapping?.pairs.map { ($0.0, $0.1.text ?? "") } ?? []).sorted { $0.0 < $1.0 }
        return pairs.isEmpty ? "<none>" : pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    /// metav1.FormatLabelSelector: the selector's requirements sorted by key (`k=v`, `k in (a,b)`, `k notin (a,b)`,
    /// `k`, `!k`), `<none>` when it selects everything or is absent.
    static func formatLabelSelector(_ selector: Value?) -> String {
        var requirements: [(String, String)] = []
        for (key, value) in selector?["matchLabels"]?.mapping?.pairs.map({ ($0.0, $0.1) }) ?? [] {
            requirements.append((key, "\(key)=\(value.text ?? "")"))
        }
        for expression in selector?["matchExpressions"]?.sequence ?? [] {
            let key = expression.string(at: "key") ?? ""
            let values = (expression["values"]?.sequence ?? []).compactMap(\.text).sorted().joined(separator: ",")
            switch expression.string(at: "operator") ?? "" {
            case "In": requirements.append((key, "\(key) in (\(values))"))
            case "NotIn": requirements.append((key, "\(key) notin (\(values))"))
            case "Exists": requirements.append((key, key))
            case "DoesNotExist": requirements.append((key, "!" + key))
            default: return "<error>"
            }
        }
        let text = requirements.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1).joined(separator: ",")
        return text.isEmpty ? "<none>" : text
    }

    /// The access modes a claim's status holds, in the printer's order and abbreviations.
    static func accessModes(_ modes: Value?) -> String {
        let present = Set((modes?.sequence ?? []).compactMap(\.string))
        return [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
            .filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
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
