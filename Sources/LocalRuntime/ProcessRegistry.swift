import Foundation

/// The processes the node agent started, recorded in `.kf/runtime/processes.json` as they start and end, so that
/// after a crash the next start kills what the last one left behind (matched by pid, process group and start time,
/// never by name).
final class ProcessRegistry: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var pid: Int32
        var pgid: Int32
        var startTime: UInt64
        var pod: String
        var container: String
    }

    let file: URL
    private let lock = NSLock()
    private var entries: [Int32: Entry] = [:]

    init(stateDirectory: URL) {
        file = stateDirectory.appendingPathComponent("runtime").appendingPathComponent("processes.json")
    }

    /// Kills (SIGKILL, whole group) every recorded process still alive, and forgets them. Returns what it killed.
    @discardableResult
    func killLeftovers() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: file.path),
              let recorded = try? JSONDecoder().decode([Entry].self, from: data) else { return [] }
        var killed: [Entry] = []
        for entry in recorded {
            if let stat = ProcessStat(pid: entry.pid) {
                // The leader is alive: only the same process (same start time) is ours.
                guard stat.startTime == entry.startTime else { continue }
            }
            if Spawner.groupAlive(entry.pgid) {
                Spawner.signalGroup(entry.pgid, SIGKILL)
                killed.append(entry)
            }
        }
        lock.withLock { entries = [:] }
        save()
        return killed
    }

    func add(pid: Int32, pod: String, container: String) {
        let start = ProcessStat(pid: pid)?.startTime ?? 0
        lock.withLock { entries[pid] = Entry(pid: pid, pgid: pid, startTime: start, pod: pod, container: container) }
        save()
    }

    func remove(pid: Int32) {
        lock.withLock { _ = entries.removeValue(forKey: pid) }
        save()
    }

    private func save() {
        let snapshot = lock.withLock { Array(entries.values).sorted { $0.pid < $1.pid } }
        guard let data = try? JSONEncoder().encode(snapshot) else { return }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
    }
}
