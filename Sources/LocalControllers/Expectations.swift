import Foundation
import Synchronization

/// What a controller expects to see next for one of its objects: the creations and deletions it asked for and has
/// not yet seen in its informer's cache. Until they are seen (or `timeout` passes, in case an event was lost) the
/// controller does not act on its possibly stale cache, so it never creates twice. As client-go's
/// ControllerExpectations.
public final class Expectations<Key: Hashable & Sendable>: Sendable {
    private struct Record {
        var creations: Int
        var deletions: Int
        var since: ContinuousClock.Instant
    }

    private let records = Mutex<[Key: Record]>([:])
    public let timeout: Duration

    public init(timeout: Duration = .seconds(30)) {
        self.timeout = timeout
    }

    /// Records that `creations` creates and `deletions` deletes are about to be sent for `key`.
    public func expect(_ key: Key, creations: Int = 0, deletions: Int = 0) {
        records.withLock { $0[key] = Record(creations: creations, deletions: deletions, since: .now) }
    }

    /// One expected creation was seen (or its request failed, so it will never be seen).
    public func creationObserved(_ key: Key) {
        records.withLock { records in records[key]?.creations -= 1 }
    }

    /// One expected deletion was seen (or its request failed).
    public func deletionObserved(_ key: Key) {
        records.withLock { records in records[key]?.deletions -= 1 }
    }

    /// Whether the controller may act for `key`: nothing pending, everything seen, or the wait timed out.
    public func isSatisfied(_ key: Key) -> Bool {
        records.withLock { records in
            guard let record = records[key] else { return true }
            return (record.creations <= 0 && record.deletions <= 0) || ContinuousClock.now - record.since > timeout
        }
    }

    /// What is still pending for `key`.
    public func pending(_ key: Key) -> (creations: Int, deletions: Int)? {
        records.withLock { records in records[key].map { (max($0.creations, 0), max($0.deletions, 0)) } }
    }

    /// Drops the record (the object is gone).
    public func forget(_ key: Key) {
        records.withLock { _ = $0.removeValue(forKey: key) }
    }
}
