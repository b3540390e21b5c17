import Foundation
import Resources

/// kf-local's audit trail: one JSON line per mutating request in `.kf/audit.log` (time, user, verb, resource,
/// namespace, name, subresource, response code), rotated when it reaches `maxBytes` (the last `keep` files are kept
/// as `audit.log.1` ... `audit.log.N`). A line holds only what the URL and the answer say: never a request or
/// response body, so Secret data and tokens cannot reach it.
final class AuditLog: @unchecked Sendable {
    let file: URL
    let maxBytes: Int
    let keep: Int
    private let lock = NSLock()
    private var handle: FileHandle?
    private var size = 0
    private var reported = false

    init(file: URL, maxBytes: Int = 10 * 1024 * 1024, keep: Int = 5) {
        self.file = file
        self.maxBytes = max(1024, maxBytes)
        self.keep = max(1, keep)
    }

    deinit { try? handle?.close() }

    /// What one request did, as an audit line names it.
    struct Entry: Equatable {
        var verb: String
        var resource: String
        var group: String
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    /// The verb and object of a mutating request to a resource path (`/api/v1/...`, `/apis/GROUP/VERSION/...`), or
    /// nil for reads and for paths outside the resource API.
    static func entry(method: String, path: String) -> Entry? {
        let verb: String
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch method {
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = "delete"
        default: return nil
        }
        var group = ""
        if segments.first == "api", segments.count >= 3 {
            segments.removeFirst(2)
        } else if segments.first == "apis", segments.count >= 4 {
            group = segments[1]
            segments.removeFirst(3)
        } else {
            return nil
        }
        var namespace: String?
        if segments.count >= 3, segments[0] == "namespaces",
           !(group.isEmpty && segments.count == 3 && (segments[2] == "status" || segments[2] == "finalize")) {
            namespace = segments[1]
            segments.removeFirst(2)
        }
        guard let resource = segments.first else { return nil }
        let name = segments.count > 1 ? segments[1] : nil
        let subresource = segments.count > 2 ? segments[2] : nil
        return Entry(verb: verb == "delete" && name == nil ? "deletecollection" : verb, resource: resource, group: group,
                     namespace: namespace, name: name, subresource: subresource)
    }

    /// Appends one line; a failure to write is reported once on stderr and never fails the request.
    func record(_ entry: Entry, user: String, code: Int, date: Date = Date()) {
        let line = Value.object([
            ("time", .string(AuditLog.time(date))), ("user", .string(user)), ("verb", .string(entry.verb)),
            ("group", entry.group.isEmpty ? nil : .string(entry.group)), ("resource", .string(entry.resource)),
            ("subresource", entry.subresource.map(Value.string)), ("namespace", entry.namespace.map(Value.string)),
            ("name", entry.name.map(Value.string)), ("code", .int(code)),
        ])
        let bytes = Data(JSON.encode(line) + [0x0A])
        lock.lock(); defer { lock.unlock() }
        do {
            if handle == nil { try open() }
            if size > 0 && size + bytes.count > maxBytes {
                try rotate()
            }
            try handle?.write(contentsOf: bytes)
            size += bytes.count
        } catch {
            if !reported {
                reported = true
                FileHandle.standardError.write(Data("kf-local: cannot write the audit log \(file.path): \(error)\n".utf8))
            }
            try? handle?.close()
            handle = nil
        }
    }

    private func open() throws {
        let manager = FileManager.default
        try manager.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !manager.fileExists(atPath: file.path) {
            guard manager.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        let opened = try FileHandle(forWritingTo: file)
        size = Int(try opened.seekToEnd())
        handle = opened
    }

    /// audit.log -> audit.log.1 -> ... -> audit.log.N (the oldest dropped), then a fresh audit.log.
    private func rotate() throws {
        try handle?.close()
        handle = nil
        let manager = FileManager.default
        func numbered(_ index: Int) -> String { file.path + "." + String(index) }
        try? manager.removeItem(atPath: numbered(keep))
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) where manager.fileExists(atPath: numbered(index)) {
                try manager.moveItem(atPath: numbered(index), toPath: numbered(index + 1))
            }
        }
        try manager.moveItem(atPath: file.path, toPath: numbered(1))
        try open()
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
