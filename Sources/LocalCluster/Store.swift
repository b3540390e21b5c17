import Foundation
import GRDB
import Resources

/// Where an object lives: its storage (group and plural, independent of version), namespace ("" when cluster-scoped)
/// and name.
struct ObjectKey: Hashable, Sendable {
    var storage: String
    var namespace: String
    var name: String
}

/// One stored object: its value (with `metadata.resourceVersion` filled in) and the revision that last wrote it.
struct StoredObject: Sendable {
    var value: Value
    var revision: Int
}

/// A change, as watches see it: the object after the change (as it was when deleted) and before it (nil when added),
/// so a watch with a selector can tell an object that starts or stops matching, and a paginated list can see the
/// state as of an earlier revision.
struct ChangeEvent: Sendable {
    enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
    var kind: Kind
    var key: ObjectKey
    var revision: Int
    var object: Value
    var previous: StoredObject?
    /// The watch lines made from this change, shared by every live watcher that sends the same line (nil in the
    /// history, so the history does not keep encoded copies).
    var lines: LineCache? = LineCache()
}

/// Encoded watch lines of one change by event type and served version, so fifty watchers encode it once.
final class LineCache: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String: [UInt8]] = [:]
    func line(_ key: String, make: () -> [UInt8]) -> [UInt8] {
        lock.lock()
        if let line = lines[key] { lock.unlock(); return line }
        lock.unlock()
        let line = make()
        lock.lock(); lines[key] = line; lock.unlock()
        return line
    }
}

/// What a watch receives from the store: a change, a tick of the bookmark clock, or the end of a watch that fell
/// too far behind.
enum WatchItem: Sendable {
    case change(ChangeEvent)
    case tick
}

/// The durable object store: every object in memory for reads, every write committed to SQLite (WAL,
/// synchronous=NORMAL: in the WAL before it is acknowledged, so it survives kf-local being killed; the WAL is
/// synced at checkpoints, not at every commit, which on a busy disk cost tens of milliseconds per write), and a bounded history of changes (kept in the same transaction in
/// the `changes` table, so it survives a restart) for watches to resume from and paginated lists to read at.
///
/// All access goes through one lock: writes are serialized (SQLite allows one writer anyway) and a watch that
/// registers under the lock never misses or repeats an event.
final class Store: @unchecked Sendable {
    private let database: DatabaseQueue
    // Recursive, so a read from inside a write's closure cannot deadlock.
    private let lock = NSRecursiveLock()
    private var objects: [String: [String: StoredObject]] = [:]
    private(set) var revision = 0
    /// Changes newer than `compactedRevision`, oldest first.
    private var history: [ChangeEvent] = []
    private var historyStart = 0
    private(set) var compactedRevision = 0
    let historyLimit: Int
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcherID = 0
    /// Set by `finishWatches`: a watch started after it (a request that came in while the server stops) ends at once,
    /// so no handler waits for events that will never come and holds the server's graceful stop.
    private var watchesFinished = false
    let startedAt = Date()

    /// How many changes a watch may have waiting (not yet taken by its client) before it is ended with a 410.
    let watchBufferLimit: Int

    final class Watcher: @unchecked Sendable {
        let storage: String
        let namespace: String?
        let continuation: AsyncStream<WatchItem>.Continuation
        private let lock = NSLock()
        private var overflowedFlag = false
        init(storage: String, namespace: String?, continuation: AsyncStream<WatchItem>.Continuation) {
            self.storage = storage
            self.namespace = namespace
            self.continuation = continuation
        }
        /// Whether the watch was ended because its client fell more than `watchBufferLimit` changes behind.
        var overflowed: Bool {
            get { lock.lock(); defer { lock.unlock() }; return overflowedFlag }
            set { lock.lock(); overflowedFlag = newValue; lock.unlock() }
        }
    }

    /// Opens (or creates) the store in `directory`/store.db. `historyLimit` bounds the watch history (and so how far
    /// back a watch can resume and a paginated list stay consistent); `watchBufferLimit` bounds each watch's backlog.
    init(directory: URL, historyLimit: Int = 20_000, watchBufferLimit: Int = 10_000) throws {
        self.historyLimit = historyLimit
        self.watchBufferLimit = watchBufferLimit
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("store.db").path
        var configuration = Configuration()
        // A store opened again right after another closed it (a restart) may find the file still locked while the
        // other's last checkpoint finishes: wait for it rather than fail at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS objects (
                        storage TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        revision INTEGER NOT NULL, body BLOB NOT NULL,
                        PRIMARY KEY (storage, namespace, name)) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS changes (
                        revision INTEGER PRIMARY KEY NOT NULL, kind TEXT NOT NULL,
                        storage TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        body BLOB NOT NULL, previous BLOB, previous_revision INTEGER);
                    """)
            }
            try database.read { db in
                if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'"),
                   let stored = Int(text) {
                    revision = stored
                }
                let rows = try Row.fetchCursor(db, sql: "SELECT storage, namespace, name, revision, body FROM objects")
                while let row = try rows.next() {
                    let storage: String = row["storage"]
                    let namespace: String = row["namespace"]
                    let name: String = row["name"]
                    let objectRevision: Int = row["revision"]
                    let body: Data = row["body"]
                    let value: Value
                    do {
                        value = try JSON.parse([UInt8](body)).value
                    } catch {
                        throw LocalClusterError.corruptStore(path: path, detail: "\(storage) \(namespace)/\(name): \(error)")
                    }
                    objects[storage, default: [:]][namespace + "/" + name] = StoredObject(value: value, revision: objectRevision)
                    revision = max(revision, objectRevision)
                }
                history = try Store.loadHistory(db, after: revision - historyLimit, path: path)
            }
        } catch let error as LocalClusterError {
            throw error
        } catch {
            throw LocalClusterError.storeFailed(path: path, detail: String(describing: error))
        }
        // The history resumes watches (and serves snapshots) across a restart when it reaches up to the current
        // revision without a hole; otherwise watches from before the start get a 410.
        if let first = history.first, history.last?.revision == revision, history.count == revision - first.revision + 1 {
            compactedRevision = first.revision - 1
        } else {
            history = []
            compactedRevision = revision
        }
    }

    /// The changes after `revision` as the `changes` table keeps them, oldest first.
    private static func loadHistory(_ db: Database, after revision: Int, path: String) throws -> [ChangeEvent] {
        var events: [ChangeEvent] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT revision, kind, storage, namespace, name, body, previous, previous_revision FROM changes
            WHERE revision > ? ORDER BY revision
            """, arguments: [revision])
        while let row = try rows.next() {
            let changeRevision: Int = row["revision"]
            let kindText: String = row["kind"]
            let key = ObjectKey(storage: row["storage"], namespace: row["namespace"], name: row["name"])
            let body: Data = row["body"]
            let previousBody: Data? = row["previous"]
            let previousRevision: Int? = row["previous_revision"]
            guard let kind = ChangeEvent.Kind(rawValue: kindText) else {
                throw LocalClusterError.corruptStore(path: path, detail: "change \(changeRevision) has the unknown kind \"\(kindText)\"")
            }
            do {
                let object = try JSON.parse([UInt8](body)).value
                var previous: StoredObject?
                if let previousBody, let previousRevision {
                    previous = StoredObject(value: try JSON.parse([UInt8](previousBody)).value, revision: previousRevision)
                }
                var event = ChangeEvent(kind: kind, key: key, revision: changeRevision, object: object, previous: previous)
                event.lines = nil
                events.append(event)
            } catch {
                throw LocalClusterError.corruptStore(path: path, detail: "change \(changeRevision) (\(key.storage) \(key.namespace)/\(key.name)): \(error)")
            }
        }
        return events
    }

    // MARK: Reading

    func get(_ key: ObjectKey) -> StoredObject? {
        lock.lock(); defer { lock.unlock() }
        return objects[key.storage]?[key.namespace + "/" + key.name]
    }

    /// Every object of a storage (optionally one namespace), sorted by namespace and name, and the current revision.
    func list(storage: String, namespace: String?) -> (items: [(key: ObjectKey, object: StoredObject)], revision: Int) {
        lock.lock(); defer { lock.unlock() }
        var items: [(key: ObjectKey, object: StoredObject)] = []
        for (path, object) in objects[storage] ?? [:] {
            let split = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let key = ObjectKey(storage: storage, namespace: String(split[0]), name: split.count > 1 ? String(split[1]) : "")
            if let namespace, key.namespace != namespace { continue }
            items.append((key, object))
        }
        items.sort { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }
        return (items, revision)
    }

    /// Every object of a storage (optionally one namespace) as it was at `revision`, sorted by namespace and name:
    /// the current objects with the changes after `revision` undone from the history. Nil when the history no
    /// longer reaches back to `revision` (compacted), so the caller answers 410 Expired.
    func list(storage: String, namespace: String?, at snapshot: Int) -> [(key: ObjectKey, object: StoredObject)]? {
        lock.lock(); defer { lock.unlock() }
        if snapshot < compactedRevision || snapshot > revision { return nil }
        var state: [String: (key: ObjectKey, object: StoredObject)] = [:]
        for (path, object) in objects[storage] ?? [:] {
            let split = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let key = ObjectKey(storage: storage, namespace: String(split[0]), name: split.count > 1 ? String(split[1]) : "")
            if let namespace, key.namespace != namespace { continue }
            state[path] = (key, object)
        }
        // The first change after the snapshot to each key tells what the key held at the snapshot.
        var undone = Set<String>()
        for event in history[firstHistoryIndex(after: snapshot)...] where event.key.storage == storage {
            if let namespace, event.key.namespace != namespace { continue }
            let path = event.key.namespace + "/" + event.key.name
            guard undone.insert(path).inserted else { continue }
            if let previous = event.previous { state[path] = (event.key, previous) } else { state[path] = nil }
        }
        return state.values.sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }
    }

    /// The index in `history` of the first change newer than `revision` (history is in revision order).
    private func firstHistoryIndex(after revision: Int) -> Int {
        var low = historyStart, high = history.count
        while low < high {
            let middle = (low + high) / 2
            if history[middle].revision <= revision { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Objects of every storage in a namespace (for namespace deletion).
    func keys(inNamespace namespace: String) -> [ObjectKey] {
        lock.lock(); defer { lock.unlock() }
        var keys: [ObjectKey] = []
        for (storage, items) in objects {
            for path in items.keys where path.hasPrefix(namespace + "/") {
                keys.append(ObjectKey(storage: storage, namespace: namespace, name: String(path.dropFirst(namespace.count + 1))))
            }
        }
        return keys
    }

    /// Every object, for scans such as the garbage collector's.
    func all() -> [(key: ObjectKey, object: StoredObject)] {
        lock.lock(); defer { lock.unlock() }
        var result: [(key: ObjectKey, object: StoredObject)] = []
        for (storage, items) in objects {
            for (path, object) in items {
                let split = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                result.append((ObjectKey(storage: storage, namespace: String(split[0]), name: String(split[1])), object))
            }
        }
        return result
    }

    func count(storage: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        return objects[storage]?.count ?? 0
    }

    func counts() -> [String: Int] {
        lock.lock(); defer { lock.unlock() }
        return objects.mapValues(\.count).filter { $0.value > 0 }
    }

    // MARK: Writing

    /// What a write does to one key.
    enum Mutation {
        case put(Value)
        case delete
    }

    /// Runs `body` under the store's lock with the current object at `key`; the mutation it returns is committed
    /// durably with a new revision (written into `metadata.resourceVersion`) and published to watches. Throwing from
    /// `body` aborts without change. Returns the object as stored (or as it was, when deleted).
    func write(_ key: ObjectKey, _ body: (StoredObject?, Int) throws -> Mutation?) throws -> (kind: ChangeEvent.Kind, object: Value)? {
        lock.lock(); defer { lock.unlock() }
        let path = key.namespace + "/" + key.name
        let existing = objects[key.storage]?[path]
        let next = revision + 1
        guard let mutation = try body(existing, next) else { return nil }
        switch mutation {
        case var .put(value):
            value.set(["metadata", "resourceVersion"], .string(String(next)))
            let bytes = Data(JSON.encode(value))
            let kind: ChangeEvent.Kind = existing == nil ? .added : .modified
            LocalTrace.mark("store.commit", path)
            try commit { db in
                try db.execute(sql: "INSERT OR REPLACE INTO objects (storage, namespace, name, revision, body) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key.storage, key.namespace, key.name, next, bytes])
                try recordChange(db, kind: kind, key: key, revision: next, body: bytes, previous: existing)
            }
            revision = next
            LocalTrace.mark("store.committed", path)
            objects[key.storage, default: [:]][path] = StoredObject(value: value, revision: next)
            publish(ChangeEvent(kind: kind, key: key, revision: next, object: value, previous: existing))
            return (kind, value)
        case .delete:
            guard var value = existing?.value else { return nil }
            value.set(["metadata", "resourceVersion"], .string(String(next)))
            let bytes = Data(JSON.encode(value))
            try commit { db in
                try db.execute(sql: "DELETE FROM objects WHERE storage = ? AND namespace = ? AND name = ?",
                               arguments: [key.storage, key.namespace, key.name])
                try recordChange(db, kind: .deleted, key: key, revision: next, body: bytes, previous: existing)
            }
            revision = next
            objects[key.storage]?[path] = nil
            publish(ChangeEvent(kind: .deleted, key: key, revision: next, object: value, previous: existing))
            return (.deleted, value)
        }
    }

    /// Removes every object of a storage without events (used when a CRD goes away and its data with it).
    func dropStorage(_ storage: String) throws {
        let keys = list(storage: storage, namespace: nil).items.map(\.key)
        for key in keys { _ = try write(key) { _, _ in .delete } }
    }

    /// Keeps a change in the `changes` table, in the write's transaction, and every 256 revisions drops the rows
    /// older than the history keeps.
    private func recordChange(_ db: Database, kind: ChangeEvent.Kind, key: ObjectKey, revision: Int, body: Data, previous: StoredObject?) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO changes (revision, kind, storage, namespace, name, body, previous, previous_revision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [revision, kind.rawValue, key.storage, key.namespace, key.name, body,
                             previous.map { Data(JSON.encode($0.value)) }, previous?.revision])
        if revision % 256 == 0 {
            try db.execute(sql: "DELETE FROM changes WHERE revision <= ?", arguments: [revision - historyLimit])
        }
    }

    private func commit(_ statements: (Database) throws -> Void) throws {
        let next = revision + 1
        do {
            try database.write { db in
                try statements(db)
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)", arguments: [String(next)])
            }
        } catch {
            throw APIError.internalError("storage write failed: \(error)")
        }
    }

    /// Reads a value from the meta table.
    func meta(_ key: String) -> String? {
        try? database.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    func setMeta(_ key: String, _ value: String) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    // MARK: Watching

    private func publish(_ event: ChangeEvent) {
        var kept = event
        kept.lines = nil
        history.append(kept)
        if history.count - historyStart > historyLimit {
            compactedRevision = history[historyStart].revision
            historyStart += 1
            if historyStart > historyLimit {
                history.removeFirst(historyStart)
                historyStart = 0
            }
        }
        for (id, watcher) in watchers where watcher.storage == event.key.storage {
            if let namespace = watcher.namespace, namespace != event.key.namespace { continue }
            if case .dropped = watcher.continuation.yield(.change(event)) {
                // The client fell too far behind: end its watch (it gets what is buffered, then a 410 ERROR event)
                // rather than buffer without limit.
                watcher.overflowed = true
                watchers[id] = nil
                watcher.continuation.finish()
            }
        }
    }

    /// Compacts the whole history (as etcd compaction does), so watches from any earlier revision get 410 Gone.
    func compact() {
        lock.lock(); defer { lock.unlock() }
        _ = try? database.write { db in try db.execute(sql: "DELETE FROM changes") }
        history.removeAll()
        historyStart = 0
        compactedRevision = revision
    }

    enum WatchStart {
        /// The changes after this revision are replayed first.
        case after(Int)
        /// Synthetic ADDED events for the current objects, then live changes.
        case currentState
    }

    /// A started watch: the changes to replay, the live stream, the revision it starts at, and its watcher (to
    /// send bookmark ticks through and learn whether it overflowed).
    struct Watch: Sendable {
        var initial: [ChangeEvent]
        var stream: AsyncStream<WatchItem>
        var cancel: @Sendable () -> Void
        var revision: Int
        var watcher: Watcher
    }

    /// Starts a watch. Returns nil when the requested revision has been compacted away (the caller answers 410).
    func watch(storage: String, namespace: String?, from start: WatchStart) -> Watch? {
        lock.lock(); defer { lock.unlock() }
        var initial: [ChangeEvent] = []
        switch start {
        case let .after(from):
            if from < compactedRevision { return nil }
            for event in history[firstHistoryIndex(after: from)...] where event.key.storage == storage {
                if let namespace, namespace != event.key.namespace { continue }
                initial.append(event)
            }
        case .currentState:
            for (path, object) in objects[storage] ?? [:] {
                let split = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                let key = ObjectKey(storage: storage, namespace: String(split[0]), name: String(split[1]))
                if let namespace, namespace != key.namespace { continue }
                initial.append(ChangeEvent(kind: .added, key: key, revision: object.revision, object: object.value))
            }
            initial.sort { $0.revision < $1.revision }
        }
        let (stream, continuation) = AsyncStream<WatchItem>.makeStream(bufferingPolicy: .bufferingOldest(watchBufferLimit))
        let id = nextWatcherID
        nextWatcherID += 1
        let watcher = Watcher(storage: storage, namespace: namespace, continuation: continuation)
        if watchesFinished { continuation.finish() } else { watchers[id] = watcher }
        let cancel: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            self.lock.lock()
            let watcher = self.watchers.removeValue(forKey: id)
            self.lock.unlock()
            watcher?.continuation.finish()
        }
        return Watch(initial: initial, stream: stream, cancel: cancel, revision: revision, watcher: watcher)
    }

    /// How many changes the history holds (at most `historyLimit`).
    var historyCount: Int {
        lock.lock(); defer { lock.unlock() }
        return history.count - historyStart
    }

    var watcherCount: Int {
        lock.lock(); defer { lock.unlock() }
        return watchers.count
    }

    /// Ends every watch (on shutdown).
    func finishWatches() {
        lock.lock()
        let all = watchers.values
        watchers.removeAll()
        watchesFinished = true
        lock.unlock()
        for watcher in all { watcher.continuation.finish() }
    }
}
