import Foundation
import Resources

/// Events expire as on a real cluster, where kube-apiserver writes each one with an etcd lease of `--event-ttl`
/// (one hour by default, renewed by every write of the Event): kf-local deletes those last written longer ago,
/// so a long-lived project's store does not grow with every Pod its pipelines and trials ever ran. Watches see
/// them DELETED, as they see a lease expire.
extension APIServer {
    /// kube-apiserver's default `--event-ttl`.
    public static let eventTTL: TimeInterval = 3600

    /// Deletes the Events last written more than `ttl` before `now`; an Event written again meanwhile stays.
    /// Returns how many were deleted.
    @discardableResult
    public func expireEvents(ttl: TimeInterval = APIServer.eventTTL, now: Date = Date()) -> Int {
        let cutoff = now.addingTimeInterval(-ttl)
        var expired = 0
        for (key, object) in store.list(storage: "events", namespace: nil).items {
            guard let written = Self.lastWritten(event: object.value), written < cutoff else { continue }
            let removed = try? store.write(key) { current, _ in
                current?.revision == object.revision ? .delete : nil
            }
            if removed != nil { expired += 1 }
        }
        return expired
    }

    /// The latest time an Event says it was written or observed: its creation, `lastTimestamp`, `eventTime`, or
    /// its series' `lastObservedTime` (a recorder that counts repeats updates the last two).
    static func lastWritten(event: Value) -> Date? {
        let paths = [["metadata", "creationTimestamp"], ["lastTimestamp"], ["eventTime"], ["series", "lastObservedTime"]]
        return paths.compactMap { Timestamp.date(event[path: $0]?.string) }.max()
    }
}
