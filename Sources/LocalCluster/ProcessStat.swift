import Foundation

/// Fields of /proc/PID/stat (Linux): enough to recognise a process again (its start time), to tell a zombie from
/// a live process, and to find its process group.
public struct ProcessStat: Sendable {
    public let state: Character
    public let pgid: pid_t
    /// Clock ticks after boot at which the process started.
    public let startTime: UInt64

    public init?(pid: pid_t) {
        #if os(Linux)
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name is in parentheses and may contain spaces: fields start after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), fields[2] the pgid (field 5), fields[19] the start time (field 22).
        guard fields.count > 19, let state = fields[0].first, let pgid = pid_t(fields[2]),
              let start = UInt64(fields[19]) else { return nil }
        self.state = state
        self.pgid = pgid
        self.startTime = start
        #else
        return nil
        #endif
    }

    /// Whether `pid` is a live process (a zombie waiting for its parent does not count) and, when `startTime` is
    /// given and known, the same process that started then.
    public static func isRunning(_ pid: pid_t, startTime: UInt64? = nil) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let stat = ProcessStat(pid: pid) else { return false }
        if stat.state == "Z" || stat.state == "X" { return false }
        if let startTime, startTime != 0, stat.startTime != startTime { return false }
        #endif
        return true
    }
}
