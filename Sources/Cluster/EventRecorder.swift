import Foundation
import Resources
import Synchronization

/// Ends recording for every EventRecorder made with it. Its owner (the node agent, the controller manager) closes
/// it when it stops: Events asked for after that are not written, and those still being written when the API
/// server goes away are dropped without a word, since nothing is wrong.
public final class EventGate: Sendable {
    private let open = Mutex(true)

    public init() {}

    public func close() { open.withLock { $0 = false } }

    public var isOpen: Bool { open.withLock { $0 } }
}

/// Records Events (core/v1) about objects through the API, as a kubelet or controller does, so they show in
/// `kubectl get events` and `kubectl describe`. Recording never fails its caller: an Event that cannot be
/// written is reported on stderr and dropped. kf-local's node agent (kubelet, default-scheduler) and its controllers
/// (job-controller, replicaset-controller, deployment-controller...) use it.
public final class EventRecorder: Sendable {
    let client: ClusterClient
    let component: String
    let host: String?
    let gate: EventGate

    /// `component` is the source (kubelet, default-scheduler, job-controller...); `host` the node, for the kubelet;
    /// `gate` the owner's, closed when it stops.
    public init(client: ClusterClient, component: String, host: String? = nil, gate: EventGate = EventGate()) {
        self.client = client
        self.component = component
        self.host = host
        self.gate = gate
    }

    /// Records an Event about `object` (any object with apiVersion, kind and metadata); `fieldPath` names a part of
    /// it, such as `spec.containers{web}`. Returns once written (or dropped).
    public func record(_ object: Value, type: String = "Normal", reason: String, message: String, fieldPath: String? = nil) async {
        guard gate.isOpen else { return }
        let namespace = object[path: ["metadata", "namespace"]]?.text ?? "default"
        let name = object[path: ["metadata", "name"]]?.text ?? "unknown"
        let stamp = Timestamp.string()
        let suffix = String(UInt64(Date().timeIntervalSince1970 * 1e9), radix: 16)
        var involved = Mapping()
        for key in ["apiVersion", "kind"] { if let value = object[key] { involved[key] = value } }
        involved["namespace"] = .string(namespace)
        involved["name"] = .string(name)
        if let uid = object[path: ["metadata", "uid"]] { involved["uid"] = uid }
        if let version = object[path: ["metadata", "resourceVersion"]] { involved["resourceVersion"] = version }
        if let fieldPath { involved["fieldPath"] = .string(fieldPath) }
        var source = Mapping([("component", .string(component))])
        if let host { source["host"] = .string(host) }
        let event = Value.mapping(Mapping([
            ("apiVersion", .string("v1")), ("kind", .string("Event")),
            ("metadata", .mapping(Mapping([("name", .string("\(name).\(suffix)")), ("namespace", .string(namespace))]))),
            ("involvedObject", .mapping(involved)),
            ("reason", .string(reason)), ("message", .string(message)),
            ("source", .mapping(source)),
            ("firstTimestamp", .string(stamp)), ("lastTimestamp", .string(stamp)),
            ("count", .int(1)), ("type", .string(type)),
            ("reportingComponent", .string(component)), ("reportingInstance", .string(host ?? component)),
        ]))
        do {
            _ = try await client.create(event)
        } catch where gate.isOpen {
            FileHandle.standardError.write(Data("kf-local: \(component): cannot record event \(reason) for \(namespace)/\(name): \(error)\n".utf8))
        } catch {
            // The owner stopped while this Event was written: the server may be gone, and that is expected.
        }
    }

    /// Records an Event without waiting for it: for controllers, whose reconcile should not wait on a write that
    /// changes nothing they decide.
    public func post(_ object: Value, type: String = "Normal", reason: String, message: String, fieldPath: String? = nil) {
        Task { await record(object, type: type, reason: reason, message: message, fieldPath: fieldPath) }
    }
}
