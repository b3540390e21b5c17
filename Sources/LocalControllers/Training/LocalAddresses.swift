import Foundation
import Resources
import Synchronization

/// The loopback addresses training replicas get on kf-local, where Service names do not resolve: the controller
/// picks one per replica before any Pod exists (the env contract of every replica names the others' addresses)
/// and asks the node agent for it through the Pod annotation `kf.dev/pod-ip`.
///
/// An address comes from 127.2.0.0/16, first choice a hash of namespace/job/type/index (so it is stable for a
/// replica across recreations and controller restarts), probing on when another live Pod or another job holds it.
/// A job keeps its addresses until it is deleted; the ones its Pods already carry are reused first.
public final class LocalAddresses: Sendable {
    public static let annotation = "kf.dev/pod-ip"
    /// 127.2.0.0/16 without the .0 and .255 hosts: 256 × 254 addresses.
    static let capacity = 256 * 254

    private struct Reservation {
        var uid: String
        var table: [String: String]
    }

    /// By job key: the job's uid (a new job of the same name starts afresh) and its addresses.
    private let reserved = Mutex<[NamespacedName: Reservation]>([:])

    public init() {}

    /// The replica's key in a job's table: `Worker-1`.
    static func replicaKey(_ type: String, _ index: Int) -> String { "\(type)-\(index)" }

    static func address(_ slot: Int) -> String { "127.2.\(slot / 254).\(slot % 254 + 1)" }

    /// The address a Pod asks for, or has.
    static func address(of pod: Value) -> String? {
        pod.field("metadata", "annotations", annotation) ?? pod.field("status", "podIP")
    }

    /// The addresses of every replica of a job (by `replicaKey`). `jobPods` are the job's Pods (their annotations
    /// are kept), `livePods` every live Pod on the cluster (their addresses are taken).
    func addresses(jobUID: String, job: NamespacedName, replicas: [(type: String, count: Int)],
                   jobPods: [Value], livePods: [Value]) -> [String: String] {
        reserved.withLock { reserved in
            var table = reserved[job].flatMap { $0.uid == jobUID ? $0.table : nil } ?? [:]
            for pod in jobPods {
                guard let type = pod.field("metadata", "labels", TrainingLabels.replicaType),
                      let index = pod.field("metadata", "labels", TrainingLabels.replicaIndex).flatMap(Int.init),
                      let address = pod.field("metadata", "annotations", LocalAddresses.annotation) else { continue }
                let key = LocalAddresses.replicaKey(replicaTypeName(type, replicas), index)
                if table[key] == nil { table[key] = address }
            }
            var taken = Set<String>()
            for (key, other) in reserved where key != job { taken.formUnion(other.table.values) }
            for pod in livePods where !jobPods.contains(where: { $0.uid == pod.uid }) {
                if let address = LocalAddresses.address(of: pod) { taken.insert(address) }
            }
            taken.formUnion(table.values)
            for (type, count) in replicas {
                for index in 0..<count {
                    let key = LocalAddresses.replicaKey(type, index)
                    if table[key] != nil { continue }
                    var slot = LocalAddresses.firstChoice("\(job.namespace)/\(job.name)/\(type)/\(index)")
                    for _ in 0..<LocalAddresses.capacity {
                        let candidate = LocalAddresses.address(slot)
                        if !taken.contains(candidate) {
                            table[key] = candidate
                            taken.insert(candidate)
                            break
                        }
                        slot = (slot + 1) % LocalAddresses.capacity
                    }
                }
            }
            reserved[job] = Reservation(uid: jobUID, table: table)
            return table
        }
    }

    /// Lets a deleted job's addresses go.
    func release(_ job: NamespacedName) {
        reserved.withLock { _ = $0.removeValue(forKey: job) }
    }

    /// The label's lower-case type back to the spec's spelling.
    private func replicaTypeName(_ lower: String, _ replicas: [(type: String, count: Int)]) -> String {
        replicas.first { $0.type.lowercased() == lower }?.type ?? lower
    }

    /// FNV-1a of the text, as a slot.
    static func firstChoice(_ text: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(capacity))
    }
}
