/// A moment as git records it: seconds since the epoch and the writer's UTC offset in minutes.
public struct Timestamp: Equatable, Sendable {
    public let seconds: Int64
    public let offsetMinutes: Int32

    public init(seconds: Int64, offsetMinutes: Int32) {
        self.seconds = seconds
        self.offsetMinutes = offsetMinutes
    }

    /// Python's `datetime.isoformat()` of this moment in its own offset, e.g. "2026-11-29T02:50:05+00:00".
    public var iso8601: String {
        let local = seconds + Int64(offsetMinutes) * 60
        var days = local / 86_400
        var secondOfDay = local % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (proleptic Gregorian).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = Int64(abs(Int(offsetMinutes)))
        var yearText = String(year)
        while yearText.count < 4 { yearText = "0" + yearText }
        return "\(yearText)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):"
            + "\(two(secondOfDay % 60))\(sign)\(two(offset / 60)):\(two(offset % 60))"
    }
}

/// One thing that happened to an artifact, as GTO models it. `priority` orders events of the same second.
/// A class, so the many orderings GTO's rules need share one copy of each event.
public final class Event: Sendable {
    public enum Kind: Int, Sendable {
        case commit = 0, creation, deprecation, registration, deregistration, assignment, unassignment

        /// GTO's event name.
        public var name: String {
            switch self {
            case .commit: return "commit"
            case .creation: return "creation"
            case .deprecation: return "deprecation"
            case .registration: return "registration"
            case .deregistration: return "deregistration"
            case .assignment: return "assignment"
            case .unassignment: return "unassignment"
            }
        }

        public var isAddition: Bool { self == .commit || self == .creation || self == .registration || self == .assignment }
    }

    public let kind: Kind
    public let artifact: String
    public let createdAt: Timestamp
    public let author: String
    public let authorEmail: String
    public let message: String
    public let commit: String
    /// The tag that recorded the event (nil for the commit event).
    public let tag: String?
    public let version: String?
    public let stage: String?
    public let committer: String?
    public let committerEmail: String?

    public init(kind: Kind, artifact: String, createdAt: Timestamp, author: String, authorEmail: String, message: String,
                commit: String, tag: String?, version: String?, stage: String?, committer: String? = nil,
                committerEmail: String? = nil) {
        self.kind = kind
        self.artifact = artifact
        self.createdAt = createdAt
        self.author = author
        self.authorEmail = authorEmail
        self.message = message
        self.commit = commit
        self.tag = tag
        self.version = version
        self.stage = stage
        self.committer = committer
        self.committerEmail = committerEmail
    }

    public var priority: Int { kind.rawValue }
    /// The tag, or the commit for the commit event.
    public var ref: String { tag ?? commit }
}

extension Array where Element == Event {
    /// Ordered by time, oldest first, keeping the given order among events of the same second (Python's stable sort).
    func sortedByTime() -> [Event] {
        if count < 2 { return self }
        var keyed = enumerated().map { (seconds: $0.element.createdAt.seconds, offset: $0.offset, event: $0.element) }
        keyed.sort { $0.seconds != $1.seconds ? $0.seconds < $1.seconds : $0.offset < $1.offset }
        return keyed.map(\.event)
    }

    /// GTO's `sorted(events, key=created_at)[::-1]`: newest first, ties in reverse of the given order.
    func newestFirst() -> [Event] { Array(sortedByTime().reversed()) }
}
