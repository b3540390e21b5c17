import Cluster
import Foundation
import Resources
import Synchronization

/// What a reconcile asks for next.
public enum ReconcileResult: Sendable, Equatable {
    /// Nothing until the next change.
    case done
    /// Look again after this long even without a change (deadlines, TTLs, back-off).
    case requeueAfter(Duration)
}

/// The logic of one controller: bring the object named by `key` (and what it owns) to its desired state, reading
/// informers' caches and writing through the API. Errors are retried with the queue's back-off.
public protocol Reconciler: Sendable {
    func reconcile(_ key: NamespacedName) async throws -> ReconcileResult
    /// Releases what the reconciler holds outside the API (listeners, processes) when the controller stops.
    func stop() async
}

extension Reconciler {
    public func stop() async {}
}

/// A named reconciler fed by a work queue: informers' handlers enqueue keys, `workers` tasks reconcile them.
public final class Controller: Sendable {
    public let name: String
    public let queue: WorkQueue<NamespacedName>
    public let reconciler: any Reconciler
    public let workers: Int
    private let reconciles = Atomic<Int>(0)

    public init(name: String, reconciler: any Reconciler, workers: Int = 2,
                queue: WorkQueue<NamespacedName> = WorkQueue()) {
        self.name = name
        self.reconciler = reconciler
        self.workers = max(workers, 1)
        self.queue = queue
    }

    /// Enqueues the object's own key.
    public func enqueue(_ object: Value) {
        if let key = NamespacedName(of: object) { queue.add(key) }
    }

    /// Enqueues the key of the object's controller when it is of `kind`.
    public func enqueueController(of object: Value, kind: String) {
        if let key = OwnerReferences.controllerKey(object, kind: kind) { queue.add(key) }
    }

    /// How many reconciles have run (for tests and status).
    public var reconcileCount: Int { reconciles.load(ordering: .relaxed) }

    /// Runs the workers until cancelled (the queue is then shut down).
    public func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask { await self.work() }
                }
            }
        } onCancel: {
            queue.shutdown()
        }
        await reconciler.stop()
    }

    private func work() async {
        while let key = await queue.next() {
            reconciles.add(1, ordering: .relaxed)
            do {
                switch try await reconciler.reconcile(key) {
                case .done:
                    queue.forget(key)
                case let .requeueAfter(delay):
                    queue.forget(key)
                    queue.addAfter(key, delay)
                }
            } catch {
                if !Task.isCancelled {
                    let failures = queue.failures(key)
                    // The first failures are usual races (a conflict, a cache behind the server); say so when they
                    // persist, and then now and again rather than at every retry.
                    if failures == 3 || (failures > 3 && failures % 20 == 0) {
                        FileHandle.standardError.write(Data("kf-local: \(name): \(key): \(error) (retrying)\n".utf8))
                    }
                    queue.addRateLimited(key)
                }
            }
            queue.done(key)
        }
    }
}
