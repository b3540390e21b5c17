import Foundation
import Synchronization

/// A rate-limited work queue, as client-go's: a key waits at most once however often it is added (dedup), is
/// handed to one worker at a time (a key added while it is processed comes back once `done` is called), can be
/// added after a delay (`addAfter`, for requeue-after), and after failures comes back with exponential back-off
/// (`addRateLimited`, reset by `forget`).
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue: [Key] = []
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var failures: [Key: Int] = [:]
        var delayedUntil: [Key: ContinuousClock.Instant] = [:]
        var waiters: [CheckedContinuation<Key?, Never>] = []
        var shuttingDown = false
    }

    private let state = Mutex(State())
    /// The first retry's delay and the longest one.
    public let baseDelay: Duration
    public let maxDelay: Duration

    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(30)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Adds a key now (ignored when it is already waiting).
    public func add(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { state in
            guard !state.shuttingDown, !state.dirty.contains(key) else { return nil }
            state.dirty.insert(key)
            if state.processing.contains(key) { return nil }
            if !state.waiters.isEmpty {
                state.dirty.remove(key)
                state.processing.insert(key)
                return state.waiters.removeFirst()
            }
            state.queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Adds a key once `delay` has passed (an earlier pending delay for it wins).
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        let deadline = ContinuousClock.now + delay
        let schedule = state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            if let pending = state.delayedUntil[key], pending <= deadline { return false }
            state.delayedUntil[key] = deadline
            return true
        }
        guard schedule else { return }
        Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            guard let self else { return }
            let due = self.state.withLock { state -> Bool in
                guard state.delayedUntil[key] == deadline else { return false }
                state.delayedUntil[key] = nil
                return true
            }
            if due { self.add(key) }
        }
    }

    /// Adds a key after its back-off: `baseDelay` doubled for every failure since the last `forget`.
    public func addRateLimited(_ key: Key) {
        addAfter(key, backoff(key))
    }

    /// The delay the next `addRateLimited` would use (and counts the failure).
    func backoff(_ key: Key) -> Duration {
        let failures = state.withLock { state -> Int in
            state.failures[key, default: 0] += 1
            return state.failures[key] ?? 1
        }
        let exponent = min(failures - 1, 30)
        let delay = baseDelay * Double(1 << exponent)
        return min(delay, maxDelay)
    }

    /// Clears a key's failure count (after it was processed successfully).
    public func forget(_ key: Key) {
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
    }

    /// How many failures a key has had since the last `forget`.
    public func failures(_ key: Key) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    /// The next key to process, waiting for one; nil once the queue shuts down. Call `done` after processing it.
    public func next() async -> Key? {
        await withCheckedContinuation { continuation in
            let ready: Key?? = state.withLock { state in
                if !state.queue.isEmpty {
                    let key = state.queue.removeFirst()
                    state.dirty.remove(key)
                    state.processing.insert(key)
                    return .some(key)
                }
                if state.shuttingDown { return .some(nil) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Marks a key processed; if it was added meanwhile, it is queued again.
    public func done(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { state in
            state.processing.remove(key)
            guard state.dirty.contains(key), !state.shuttingDown else { return nil }
            if !state.waiters.isEmpty {
                state.dirty.remove(key)
                state.processing.insert(key)
                return state.waiters.removeFirst()
            }
            state.queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Stops the queue: waiting workers get nil, later adds are ignored.
    public func shutdown() {
        let waiters = state.withLock { state -> [CheckedContinuation<Key?, Never>] in
            state.shuttingDown = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Keys waiting (not counting those being processed).
    public var count: Int { state.withLock { $0.queue.count } }
}
