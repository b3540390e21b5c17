import Cluster
import Foundation
import Resources
import Synchronization

/// Makes Services with a selector reachable from the host: for each TCP port, kf-local listens on 127.0.0.1 (on
/// the Service's port when it is free and differs from the numeric targetPort, else on a free one) and forwards each connection to a ready endpoint
/// (round robin over the Endpoints' addresses for that port). The addresses are written on the Service as
/// annotations: `kf.dev/local-address` (the first port's, `127.0.0.1:PORT`) and `kf.dev/local-ports`
/// (`SERVICEPORT=127.0.0.1:PORT,...` for every TCP port), which `kf serve` prints.
public final class ServiceProxy: Reconciler {
    public static let addressAnnotation = "kf.dev/local-address"
    public static let portsAnnotation = "kf.dev/local-ports"

    struct Listening {
        var servicePort: Int
        var name: String?
        var forwarder: TCPForwarder
    }

    let client: ClusterClient
    let services: Informer
    let endpoints: Informer
    let fieldManager: String
    private let listeners = Mutex<[NamespacedName: [Listening]]>([:])
    private let turn = Atomic<Int>(0)

    init(client: ClusterClient, services: Informer, endpoints: Informer, fieldManager: String) {
        self.client = client
        self.services = services
        self.endpoints = endpoints
        self.fieldManager = fieldManager
    }

    public static func make(_ context: ControllerContext) -> Controller {
        let proxy = ServiceProxy(client: context.client, services: context.informers.services,
                                 endpoints: context.informers.endpoints, fieldManager: context.fieldManager)
        let controller = Controller(name: "service-proxy", reconciler: proxy, workers: 1)
        context.informers.services.addHandler { controller.enqueue($0.object) }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard let service = services.get(key), !service.isDeleting, !service.stringMap("spec", "selector").isEmpty else {
            close(key)
            return .done
        }
        let declared = (service[path: ["spec", "ports"]]?.sequence ?? []).filter { ($0.field("protocol") ?? "TCP") == "TCP" }
        let ports = declared.compactMap { port -> (Int, String?)? in port.integer("port").map { ($0, port.field("name")) } }
        // The Service's own port is taken only when the Pods listen on another one: a process that binds every
        // address on its port would otherwise find the proxy there.
        let reusable = Set(declared.compactMap { port -> Int? in
            guard let number = port.integer("port"), let target = port.integer("targetPort"), target != number else { return nil }
            return number
        })
        let open: [Listening] = listeners.withLock { listeners in
            var current = listeners[key] ?? []
            for stale in current where !ports.contains(where: { $0.0 == stale.servicePort && $0.1 == stale.name }) {
                stale.forwarder.stop()
            }
            current.removeAll { stale in !ports.contains { $0.0 == stale.servicePort && $0.1 == stale.name } }
            for (port, name) in ports where !current.contains(where: { $0.servicePort == port }) {
                let pick: @Sendable () -> (host: String, port: Int)? = { [weak self] in self?.pick(key, portName: name) }
                let preferred = reusable.contains(port) ? TCPForwarder(port: port, pick: pick) : nil
                guard let forwarder = preferred ?? TCPForwarder(port: 0, pick: pick) else { continue }
                current.append(Listening(servicePort: port, name: name, forwarder: forwarder))
            }
            listeners[key] = current
            return current
        }
        let address = open.first.map { "127.0.0.1:\($0.forwarder.port)" }
        let all = open.map { "\($0.servicePort)=127.0.0.1:\($0.forwarder.port)" }.joined(separator: ",")
        if service.field("metadata", "annotations", ServiceProxy.addressAnnotation) != address
            || service.field("metadata", "annotations", ServiceProxy.portsAnnotation) != (all.isEmpty ? nil : all) {
            let patch = Value.fields([("metadata", .fields([("annotations", .fields([
                (ServiceProxy.addressAnnotation, address.map(Value.string) ?? .null),
                (ServiceProxy.portsAnnotation, all.isEmpty ? .null : .string(all)),
            ]))]))])
            try await client.mergePatch(service, patch, fieldManager: fieldManager)
        }
        return .done
    }

    /// A ready endpoint for the Service port named `portName`, taking turns.
    func pick(_ key: NamespacedName, portName: String?) -> (host: String, port: Int)? {
        guard let endpoints = endpoints.get(key) else { return nil }
        var candidates: [(String, Int)] = []
        for subset in endpoints["subsets"]?.sequence ?? [] {
            let ports = subset["ports"]?.sequence ?? []
            guard let port = (ports.first { $0.field("name") == portName } ?? (ports.count == 1 ? ports.first : nil))?
                .integer("port") else { continue }
            for address in subset["addresses"]?.sequence ?? [] {
                if let ip = address.field("ip") { candidates.append((ip, port)) }
            }
        }
        guard !candidates.isEmpty else { return nil }
        let index = turn.add(1, ordering: .relaxed).newValue
        let chosen = candidates[index % candidates.count]
        return (chosen.0, chosen.1)
    }

    /// The local ports of a Service (for tests and `kf serve`).
    public func localPorts(_ key: NamespacedName) -> [Int: Int] {
        listeners.withLock { listeners in
            Dictionary((listeners[key] ?? []).map { ($0.servicePort, $0.forwarder.port) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private func close(_ key: NamespacedName) {
        let closing = listeners.withLock { $0.removeValue(forKey: key) ?? [] }
        for listening in closing { listening.forwarder.stop() }
    }

    public func stop() async {
        let closing = listeners.withLock { listeners -> [Listening] in
            defer { listeners = [:] }
            return listeners.values.flatMap { $0 }
        }
        for listening in closing { listening.forwarder.stop() }
    }
}
