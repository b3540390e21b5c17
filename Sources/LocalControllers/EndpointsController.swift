import Cluster
import Foundation
import Resources

/// The Endpoints and EndpointSlice controllers for Services with a selector: the selected Pods that have a
/// `status.podIP`, ready ones (Ready condition True, or any with `publishNotReadyAddresses`) as addresses and the
/// others as notReadyAddresses, each Service port resolved against the Pod (a named targetPort through the
/// containers' ports). Headless Services (clusterIP None) get the same, with Pod hostnames. Services without a
/// selector are left to whoever writes their Endpoints.
public struct EndpointsController: Reconciler {
    public static let managedBy = "endpointslice-controller.k8s.io"
    public static let serviceNameLabel = "kubernetes.io/service-name"
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"

    let client: ClusterClient
    let services: Informer
    let pods: Informer
    let endpoints: Informer
    let slices: Informer
    let fieldManager: String
    /// Slice creations in flight (slices are named by the server, so the cache is the only way to see them).
    let sliceExpectations: Expectations<NamespacedName>

    public static func make(_ context: ControllerContext) -> Controller {
        let informers = context.informers
        let expectations = Expectations<NamespacedName>()
        let reconciler = EndpointsController(client: context.client, services: informers.services, pods: informers.pods,
                                             endpoints: informers.endpoints, slices: informers.endpointSlices,
                                             fieldManager: context.fieldManager, sliceExpectations: expectations)
        let controller = Controller(name: "endpoints", reconciler: reconciler, workers: 2)
        informers.services.addHandler { controller.enqueue($0.object) }
        informers.endpoints.addHandler { controller.enqueue($0.object) }
        informers.endpointSlices.addHandler { event in
            guard let service = event.object.field("metadata", "labels", serviceNameLabel) else { return }
            let key = NamespacedName(namespace: event.object.field("metadata", "namespace") ?? "", name: service)
            if case .added = event { expectations.creationObserved(key) }
            controller.queue.add(key)
        }
        informers.pods.addHandler { event in
            var labelSets = [event.object.labels]
            if case let .updated(old, _) = event { labelSets.append(old.labels) }
            let namespace = event.object.field("metadata", "namespace") ?? ""
            for service in informers.services.list(namespace: namespace) {
                let selector = service.stringMap("spec", "selector")
                guard !selector.isEmpty else { continue }
                let required = LabelSelector(matchLabels: selector)
                if labelSets.contains(where: required.matches) { controller.enqueue(service) }
            }
        }
        return controller
    }

    /// One selected Pod's address and the ports it serves.
    struct Address {
        var pod: Value
        var ip: String
        var ready: Bool
        var terminating: Bool
        var ports: [Value]
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        let managedSlices = slices.list(namespace: key.namespace).filter {
            $0.field("metadata", "labels", EndpointsController.serviceNameLabel) == key.name
                && $0.field("metadata", "labels", EndpointsController.managedByLabel) == EndpointsController.managedBy
        }
        guard let service = services.get(key), !service.isDeleting else {
            // The Service is gone: so are its Endpoints (slices go with it through their owner reference too).
            if let existing = endpoints.get(key), existing.field("metadata", "annotations", "kf.dev/managed-by") == EndpointsController.managedBy {
                try await client.deleteObject(existing)
            }
            for slice in managedSlices { try await client.deleteObject(slice) }
            return .done
        }
        let selector = service.stringMap("spec", "selector")
        guard !selector.isEmpty else { return .done }
        let publishNotReady = service.flag("spec", "publishNotReadyAddresses") == true
        let headless = service.field("spec", "clusterIP") == "None"
        var addresses: [Address] = []
        for pod in pods.list(namespace: key.namespace, selector: LabelSelector(matchLabels: selector)) {
            guard let ip = pod.field("status", "podIP"), !ip.isEmpty, !Pods.isTerminal(pod) else { continue }
            let terminating = pod.isDeleting
            if terminating && !publishNotReady { continue }
            let ready = publishNotReady || (Pods.isReady(pod) && !terminating)
            addresses.append(Address(pod: pod, ip: ip, ready: ready, terminating: terminating,
                                     ports: EndpointsController.ports(of: service, on: pod)))
        }
        addresses.sort { $0.ip < $1.ip }
        // Pods serving the same ports share a subset (a slice).
        var groups: [(ports: [Value], members: [Address])] = []
        for address in addresses {
            if let index = groups.firstIndex(where: { $0.ports == address.ports }) {
                groups[index].members.append(address)
            } else {
                groups.append((address.ports, [address]))
            }
        }
        try await writeEndpoints(service, key: key, groups: groups, headless: headless)
        guard sliceExpectations.isSatisfied(key) else { return .done }
        try await writeSlices(service, key: key, groups: groups, headless: headless, existing: managedSlices)
        return .done
    }

    /// The Service's ports as served by `pod`: a numeric targetPort as is, a named one through the Pod's container
    /// ports (a port the Pod does not name is left out).
    static func ports(of service: Value, on pod: Value) -> [Value] {
        var result: [Value] = []
        let containerPorts = (pod[path: ["spec", "containers"]]?.sequence ?? []).flatMap { $0["ports"]?.sequence ?? [] }
        for port in service[path: ["spec", "ports"]]?.sequence ?? [] {
            let target = port["targetPort"] ?? port["port"]
            var number = Value.integer(target)
            if number == nil, let name = target?.text {
                number = Int(name) ?? containerPorts.first { $0.field("name") == name }.flatMap { $0.integer("containerPort") }
            }
            guard let number else { continue }
            result.append(.fields([
                ("name", port["name"].flatMap { $0.text?.isEmpty == false ? $0 : nil }),
                ("port", .int(number)),
                ("protocol", .string(port.field("protocol") ?? "TCP")),
                ("appProtocol", port["appProtocol"]),
            ]))
        }
        return result
    }

    private func targetRef(_ pod: Value) -> Value {
        .fields([("kind", .string("Pod")), ("namespace", pod["metadata"]?["namespace"]),
                 ("name", pod["metadata"]?["name"]), ("uid", pod["metadata"]?["uid"])])
    }

    private func labels(_ service: Value, headless: Bool, extra: [(String, String)] = []) -> Value {
        var labels = service.stringMap("metadata", "labels")
        if headless { labels.append(("service.kubernetes.io/headless", "")) }
        for (key, value) in extra { labels.removeAll { $0.0 == key }; labels.append((key, value)) }
        return .strings(labels)
    }

    private func writeEndpoints(_ service: Value, key: NamespacedName, groups: [(ports: [Value], members: [Address])],
                                headless: Bool) async throws {
        let subsets: [Value] = groups.map { group in
            func entry(_ address: Address) -> Value {
                let hostname = address.pod.field("spec", "hostname")
                let sameSubdomain = address.pod.field("spec", "subdomain") == key.name
                return .fields([
                    ("ip", .string(address.ip)),
                    ("hostname", headless && sameSubdomain ? hostname.map(Value.string) : nil),
                    ("nodeName", address.pod["spec"]?["nodeName"]),
                    ("targetRef", targetRef(address.pod)),
                ])
            }
            let ready = group.members.filter(\.ready).map(entry)
            let notReady = group.members.filter { !$0.ready }.map(entry)
            return .fields([
                ("addresses", ready.isEmpty ? nil : .sequence(ready)),
                ("notReadyAddresses", notReady.isEmpty ? nil : .sequence(notReady)),
                ("ports", group.ports.isEmpty ? nil : .sequence(group.ports)),
            ])
        }
        let desiredLabels = labels(service, headless: headless)
        if let existing = endpoints.get(key) {
            let currentSubsets = existing["subsets"]?.sequence ?? []
            if currentSubsets == subsets && (existing[path: ["metadata", "labels"]] ?? .strings([])) == desiredLabels { return }
            var updated = existing
            updated.assign(["subsets"], subsets.isEmpty ? nil : .sequence(subsets))
            updated.assign(["metadata", "labels"], desiredLabels.mapping?.isEmpty == false ? desiredLabels : nil)
            _ = try await client.updateObject(updated, fieldManager: fieldManager)
        } else {
            let object = Value.fields([
                ("apiVersion", .string("v1")), ("kind", .string("Endpoints")),
                ("metadata", .fields([
                    ("name", .string(key.name)), ("namespace", .string(key.namespace)),
                    ("labels", desiredLabels.mapping?.isEmpty == false ? desiredLabels : nil),
                    ("annotations", .strings([("kf.dev/managed-by", EndpointsController.managedBy)])),
                ])),
                ("subsets", subsets.isEmpty ? nil : .sequence(subsets)),
            ])
            do {
                _ = try await client.create(object, fieldManager: fieldManager)
            } catch {
                // Written meanwhile (the cache is behind): the next event brings it, and this reconcile again.
                if error.status?.code == 409 { return }
                throw ControllerError.api(operation: "creating", object: ObjectName.describe(object), underlying: error)
            }
        }
    }

    private func writeSlices(_ service: Value, key: NamespacedName, groups: [(ports: [Value], members: [Address])],
                             headless: Bool, existing: [Value]) async throws {
        let desiredLabels = labels(service, headless: headless, extra: [
            (EndpointsController.serviceNameLabel, key.name), (EndpointsController.managedByLabel, EndpointsController.managedBy),
        ])
        // No Pods: one empty slice, as upstream keeps.
        let wanted: [(ports: [Value], members: [Address])] = groups.isEmpty ? [([], [])] : groups
        var unused = existing
        var creations: [Value] = []
        for group in wanted {
            let endpoints: [Value] = group.members.map { address in
                let hostname = address.pod.field("spec", "hostname")
                let sameSubdomain = address.pod.field("spec", "subdomain") == key.name
                return .fields([
                    ("addresses", .sequence([.string(address.ip)])),
                    ("conditions", .fields([("ready", .bool(address.ready)),
                                            ("serving", .bool(address.ready || (address.terminating && Pods.isReady(address.pod)))),
                                            ("terminating", .bool(address.terminating))])),
                    ("hostname", headless && sameSubdomain ? hostname.map(Value.string) : nil),
                    ("nodeName", address.pod["spec"]?["nodeName"]),
                    ("targetRef", targetRef(address.pod)),
                ])
            }
            let ports: Value? = group.ports.isEmpty ? nil : .sequence(group.ports)
            if let index = unused.firstIndex(where: { ($0["ports"] ?? .null) == (ports ?? .null) }) {
                let slice = unused.remove(at: index)
                if (slice["endpoints"]?.sequence ?? []) == endpoints && slice[path: ["metadata", "labels"]] == desiredLabels { continue }
                var updated = slice
                updated.assign(["endpoints"], .sequence(endpoints))
                updated.assign(["metadata", "labels"], desiredLabels)
                _ = try await client.updateObject(updated, fieldManager: fieldManager)
                continue
            }
            let slice = Value.fields([
                ("apiVersion", .string("discovery.k8s.io/v1")), ("kind", .string("EndpointSlice")),
                ("metadata", .fields([
                    ("generateName", .string(key.name + "-")), ("namespace", .string(key.namespace)),
                    ("labels", desiredLabels),
                    ("ownerReferences", .sequence([OwnerReferences.controller(service)])),
                ])),
                ("addressType", .string(group.members.first?.ip.contains(":") == true ? "IPv6" : "IPv4")),
                ("endpoints", .sequence(endpoints)),
                ("ports", ports),
            ])
            creations.append(slice)
        }
        if !creations.isEmpty {
            sliceExpectations.expect(key, creations: creations.count)
            for slice in creations {
                do { _ = try await client.createObject(slice, fieldManager: fieldManager) } catch {
                    sliceExpectations.creationObserved(key)
                    throw error
                }
            }
        }
        for slice in unused { try await client.deleteObject(slice) }
    }
}
