import Foundation
import LocalCluster

/// The processes the node agent started, recorded in `.kf/runtime/processes.json` as they start and end, so that
/// after a crash the next start kills what the last one left behind (matched by pid, process group and start time,
/// never by name).
///
/// It is also the fence between starting and stopping: a container is spawned and recorded under one lock, and a
/// stop pass closes the registry (for one Pod, or for the whole agent) under that same lock. A spawn therefore either
/// happened before the close, and the stop pass finds and kills it, or it is refused: no process started during a
/// stop can escape it.
final class ProcessRegistry: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var pid: Int32
        var pgid: Int32
        var startTime: UInt64
        var pod: String
        var container: String
        /// The Pod's uid (absent in files written before it was recorded).
        var uid: String?
    }

    let file: URL
    private let lock = NSLock()
    private var entries: [Int32: Entry] = [:]
    /// The agent is stopping: nothing starts any more.
    private var closed = false
    /// Pods being stopped or deleted: none of their containers starts any more.
    private var closedPods: Set<String> = []

    init(stateDirectory: URL) {
        file = stateDirectory.appendingPathComponent("runtime").appendingPathComponent("processes.json")
    }

    /// Kills (SIGKILL, whole group) every recorded process still alive, and forgets them. Returns what it killed.
    @discardableResult
    func killLeftovers() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: file.path),
              let recorded = try? JSONDecoder().decode([Entry].self, from: data) else { return [] }
        let killed = Self.kill(recorded)
        lock.withLock { entries = [:] }
        save()
        return killed
    }

    /// Kills the groups of `list` still alive (a leader that lives must be the same process: same start time).
    @discardableResult
    static func kill(_ list: [Entry]) -> [Entry] {
        var killed: [Entry] = []
        for entry in list {
            if let stat = ProcessStat(pid: entry.pid) {
                guard stat.startTime == entry.startTime else { continue }
            }
            if Spawner.groupAlive(entry.pgid) {
                Spawner.signalGroup(entry.pgid, SIGKILL)
                killed.append(entry)
            }
        }
        return killed
    }

    /// Starts a container's process with `start` and records it, unless the agent or the Pod `uid` is stopping
    /// (then nil, and nothing started).
    func spawn(uid: String, pod: String, container: String,
               _ start: () throws(RuntimeError) -> Spawner.Started) throws(RuntimeError) -> Spawner.Started? {
        lock.lock()
        if closed || closedPods.contains(uid) {
            lock.unlock()
            return nil
        }
        let started: Spawner.Started
        do {
            started = try start()
        } catch {
            lock.unlock()
            throw error
        }
        let startTime = ProcessStat(pid: started.pid)?.startTime ?? 0
        entries[started.pid] = Entry(pid: started.pid, pgid: started.pid, startTime: startTime, pod: pod,
                                     container: container, uid: uid)
        lock.unlock()
        save()
        return started
    }

    func remove(pid: Int32) {
        lock.withLock { _ = entries.removeValue(forKey: pid) }
        save()
    }

    /// No container of Pod `uid` starts from now on; returns those recorded for it (still running, or not yet
    /// forgotten by their runner).
    func close(pod uid: String) -> [Entry] {
        lock.withLock {
            closedPods.insert(uid)
            return entries.values.filter { $0.uid == uid }
        }
    }

    /// Nothing starts from now on (the agent is stopping); returns every process still recorded.
    func closeAll() -> [Entry] {
        lock.withLock {
            closed = true
            return Array(entries.values)
        }
    }

    /// Forgets entries whose groups were killed after their runner had stopped.
    func forget(_ list: [Entry]) {
        lock.withLock { for entry in list { entries.removeValue(forKey: entry.pid) } }
        save()
    }

    /// Writes the file; one writer at a time, each with the latest entries, so an older snapshot never lands last.
    private func save() {
        saving.withLock {
            let snapshot = lock.withLock { Array(entries.values).sorted { $0.pid < $1.pid } }
            guard let data = try? JSONEncoder().encode(snapshot) else { return }
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? data.write(to: file, options: .atomic)
        }
    }

    private let saving = NSLock()
}
