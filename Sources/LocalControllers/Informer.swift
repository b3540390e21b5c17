import Cluster
import Foundation
import Resources
import Synchronization

/// A change an informer saw, after its cache took it in.
public enum ObjectEvent: Sendable {
    case added(Value)
    case updated(old: Value, new: Value)
    case deleted(Value)

    /// The object as it is now (as it was last, for a deletion).
    public var object: Value {
        switch self {
        case let .added(object), let .updated(_, object), let .deleted(object): return object
        }
    }
}

/// One kind's objects, kept current by list+watch (resuming after a disconnect, listing again after 410 Gone) in a
/// local cache indexed by namespace/name and by owner uid; handlers hear every change after the cache has it.
/// Controllers read the cache, never the server, to decide; they write through the API.
public final class Informer: Sendable {
    public let apiVersion: String
    public let kind: String
    private let client: ClusterClient
    private let labelSelector: String?
    /// Retries a failing watch quietly (a kind that is not served yet), saying so once after a minute.
    private let quiet: Bool

    private struct State {
        var objects: [NamespacedName: Value] = [:]
        var byOwner: [String: Set<NamespacedName>] = [:]
        var handlers: [@Sendable (ObjectEvent) -> Void] = []
        var synced = false
        var syncWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// An informer over every namespace (cluster-scoped kinds: every object).
    public init(client: ClusterClient, apiVersion: String, kind: String, labelSelector: String? = nil, quiet: Bool = false) {
        self.client = client
        self.quiet = quiet
        self.apiVersion = apiVersion
        self.kind = kind
        self.labelSelector = labelSelector
    }

    /// Calls `handler` for every later change (register before `run`).
    public func addHandler(_ handler: @escaping @Sendable (ObjectEvent) -> Void) {
        state.withLock { $0.handlers.append(handler) }
    }

    /// Lists and watches until cancelled; a watch that fails for good is started again after a pause.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                for try await event in client.watch(apiVersion: apiVersion, kind: kind, namespace: "",
                                                    labelSelector: labelSelector) {
                    failures = 0
                    apply(event)
                }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                // A quiet informer waits for a kind that may never be served: it says so once, after a minute.
                if !quiet || failures == 30 {
                    FileHandle.standardError.write(Data("kf-local: informer \(kind): \(error); watching again in \(quiet ? 2 : 1) s\n".utf8))
                }
            }
            try? await Task.sleep(for: .seconds(quiet && failures > 0 ? 2 : 1))
        }
        markSynced()  // release anyone still waiting, so shutdown never hangs
    }

    /// Takes in one watch event (public for tests that drive an informer by hand).
    public func apply(_ event: WatchEvent) {
        var events: [ObjectEvent] = []
        let handlers = state.withLock { state -> [@Sendable (ObjectEvent) -> Void] in
            switch event {
            case let .added(object), let .modified(object):
                guard let key = NamespacedName(of: object) else { return [] }
                let old = store(object, key: key, in: &state)
                events.append(old.map { .updated(old: $0, new: object) } ?? .added(object))
            case let .deleted(object):
                guard let key = NamespacedName(of: object) else { return [] }
                let last = remove(key, in: &state) ?? object
                events.append(.deleted(last))
            case let .relisted(list):
                var seen: Set<NamespacedName> = []
                for var object in list.items {
                    if object["kind"] == nil { object["kind"] = .string(kind) }
                    if object["apiVersion"] == nil { object["apiVersion"] = .string(apiVersion) }
                    guard let key = NamespacedName(of: object) else { continue }
                    seen.insert(key)
                    let old = store(object, key: key, in: &state)
                    if let old {
                        if old.field("metadata", "resourceVersion") != object.field("metadata", "resourceVersion") {
                            events.append(.updated(old: old, new: object))
                        }
                    } else {
                        events.append(.added(object))
                    }
                }
                for key in state.objects.keys where !seen.contains(key) {
                    if let gone = remove(key, in: &state) { events.append(.deleted(gone)) }
                }
            case .bookmark:
                return []
            }
            return state.handlers
        }
        if case .relisted = event { markSynced() }
        for event in events { for handler in handlers { handler(event) } }
    }

    private func store(_ object: Value, key: NamespacedName, in state: inout State) -> Value? {
        let old = state.objects.updateValue(object, forKey: key)
        if let old { for uid in Informer.ownerUIDs(old) { state.byOwner[uid]?.remove(key) } }
        for uid in Informer.ownerUIDs(object) { state.byOwner[uid, default: []].insert(key) }
        return old
    }

    private func remove(_ key: NamespacedName, in state: inout State) -> Value? {
        guard let old = state.objects.removeValue(forKey: key) else { return nil }
        for uid in Informer.ownerUIDs(old) {
            state.byOwner[uid]?.remove(key)
            if state.byOwner[uid]?.isEmpty == true { state.byOwner[uid] = nil }
        }
        return old
    }

    static func ownerUIDs(_ object: Value) -> [String] {
        (object[path: ["metadata", "ownerReferences"]]?.sequence ?? []).compactMap { $0.field("uid") }
    }

    private func markSynced() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.synced = true
            defer { state.syncWaiters = [] }
            return state.syncWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the first list has arrived.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// Waits for the first list.
    public func waitForSync() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.synced { return true }
                state.syncWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: Reading the cache

    public func get(_ key: NamespacedName) -> Value? { state.withLock { $0.objects[key] } }

    /// Every cached object, in `namespace` when given, matching `selector` when given, sorted by key.
    public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [Value] {
        let items = state.withLock { state in
            state.objects.filter { key, _ in namespace.map { key.namespace == $0 } ?? true }
        }
        return items.sorted { $0.key < $1.key }.map(\.value).filter { selector?.matches($0.labels) ?? true }
    }

    /// The cached objects with an ownerReference to `uid`.
    public func dependents(ofUID uid: String) -> [Value] {
        state.withLock { state in
            (state.byOwner[uid] ?? []).sorted().compactMap { state.objects[$0] }
        }
    }

    public var count: Int { state.withLock { $0.objects.count } }
}
