import Foundation

/// Where kf-local's node agent keeps each Pod's files, and the format of its container logs: the convention that
/// the agent (which writes) and the API server's log endpoint (which reads) share.
///
/// A Pod's folder is `.kf/pods/<namespace>_<name>_<uid>/`; its logs are `logs/<container>.log` (the running or last
/// run), `logs/<container>.log.1` (the older part after rotation at `rotateBytes`) and `logs/<container>.previous.log`
/// (the run before the last restart, as `kubectl logs --previous` shows it). Each line is the CRI log format:
/// `<RFC 3339 time with nanoseconds> <stdout|stderr> <F|P> <text>`, P marking a line split because it was too long.
public enum PodLogFiles {
    /// A log is rotated when it grows past this size: the current file becomes `.log.1` (replacing the older one).
    public static let rotateBytes = 10 * 1024 * 1024

    public static func podsDirectory(_ kfDirectory: URL) -> URL { kfDirectory.appendingPathComponent("pods") }

    public static func podDirectory(_ kfDirectory: URL, namespace: String, name: String, uid: String) -> URL {
        podsDirectory(kfDirectory).appendingPathComponent("\(namespace)_\(name)_\(uid)")
    }

    public static func logsDirectory(_ podDirectory: URL) -> URL { podDirectory.appendingPathComponent("logs") }

    public static func current(_ podDirectory: URL, container: String) -> URL {
        logsDirectory(podDirectory).appendingPathComponent("\(container).log")
    }

    public static func rotated(_ podDirectory: URL, container: String) -> URL {
        logsDirectory(podDirectory).appendingPathComponent("\(container).log.1")
    }

    public static func previous(_ podDirectory: URL, container: String) -> URL {
        logsDirectory(podDirectory).appendingPathComponent("\(container).previous.log")
    }

    /// One line of a log file.
    public struct Line: Sendable, Equatable {
        public var time: String
        public var stream: String
        public var partial: Bool
        public var text: [UInt8]

        public init(time: String, stream: String, partial: Bool, text: [UInt8]) {
            self.time = time
            self.stream = stream
            self.partial = partial
            self.text = text
        }

        /// The line as stored, newline included.
        public var encoded: [UInt8] {
            Array("\(time) \(stream) \(partial ? "P" : "F") ".utf8) + text + [0x0A]
        }

        /// Parses a stored line (without its newline); nil when it is not in the format.
        public init?(_ bytes: ArraySlice<UInt8>) {
            var fields: [ArraySlice<UInt8>] = []
            var rest = bytes
            for _ in 0..<3 {
                guard let space = rest.firstIndex(of: 0x20) else { return nil }
                fields.append(rest[rest.startIndex..<space])
                rest = rest[(space + 1)...]
            }
            time = String(decoding: fields[0], as: UTF8.self)
            stream = String(decoding: fields[1], as: UTF8.self)
            partial = fields[2].first == UInt8(ascii: "P")
            text = Array(rest)
        }

        /// The time as seconds since 1970 (nil when unreadable).
        public var seconds: Double? { PodLogFiles.parseTime(time) }
    }

    /// The current time as the log format writes it (UTC, nanoseconds).
    public static func timestamp(_ date: Date = Date()) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let nanoseconds = Int((date.timeIntervalSince1970 - Double(seconds)) * 1e9)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), min(nanoseconds, 999_999_999))
    }

    /// Seconds since 1970 of an RFC 3339 UTC time (`2026-01-02T03:04:05Z`, with or without a fraction).
    public static func parseTime(_ text: String) -> Double? {
        // 2026-01-02T03:04:05.123456789Z
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let whole = Double(timegm(&parts))
        var fraction = 0.0
        if bytes.count > 21, bytes[19] == UInt8(ascii: ".") {
            fraction = Double("0." + String(decoding: bytes[20..<(bytes.count - 1)], as: UTF8.self)) ?? 0
        }
        return whole + fraction
    }
}
