import Foundation
import Resources

/// `GET /api/v1/namespaces/NS/pods/NAME/log`: a container's log from the files the node agent writes
/// (`PodLogFiles`), with kubectl's options `container`, `follow`, `previous`, `timestamps`, `tailLines`,
/// `sinceSeconds` and `limitBytes`.
extension APIServer {
    struct LogQuery {
        var container: String
        var follow: Bool
        var previous: Bool
        var timestamps: Bool
        var tailLines: Int?
        var since: Double?
        var limitBytes: Int?
    }

    func podLogResponse(namespace: String, name: String, request: APIRequest) async throws -> APIResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            throw APIError.methodNotAllowed("only GET is allowed on pods/log")
        }
        guard let stored = store.get(ObjectKey(storage: "pods", namespace: namespace, name: name)) else {
            throw APIError.notFound("pods", group: "", name: name)
        }
        let pod = stored.value
        let containers = (pod[path: ["spec", "containers"]]?.sequence ?? []).compactMap { $0.string(at: "name") }
        let initContainers = (pod[path: ["spec", "initContainers"]]?.sequence ?? []).compactMap { $0.string(at: "name") }
        let container: String
        if let asked = request.query["container"], !asked.isEmpty {
            guard containers.contains(asked) || initContainers.contains(asked) else {
                throw APIError.badRequest("container \(asked) is not valid for pod \(name)")
            }
            container = asked
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
            if !initContainers.isEmpty { message += " or one of the init containers: [\(initContainers.joined(separator: " "))]" }
            throw APIError.badRequest(message)
        }
        func flag(_ key: String) -> Bool { request.query[key] == "true" || request.query[key] == "1" }
        func number(_ key: String) throws -> Int? {
            guard let text = request.query[key], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw APIError.badRequest("\(key): Invalid value: \"\(text)\": must be a non-negative integer")
            }
            return value
        }
        let query = LogQuery(container: container, follow: flag("follow"), previous: flag("previous"),
                             timestamps: flag("timestamps"), tailLines: try number("tailLines"),
                             since: try number("sinceSeconds").map { Date().timeIntervalSince1970 - Double($0) },
                             limitBytes: try number("limitBytes"))
        let uid = pod.string(at: "metadata", "uid") ?? ""
        let folder = PodLogFiles.podDirectory(kfDirectory, namespace: namespace, name: name, uid: uid)
        let status = Self.containerStatus(pod, container)
        if query.previous {
            let file = PodLogFiles.previous(folder, container: container)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw APIError.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
            return .init(status: 200, headers: [("Content-Type", "text/plain")],
                         body: .bytes(Self.render(Self.lines(of: [file]), query)))
        }
        let current = PodLogFiles.current(folder, container: container)
        if !FileManager.default.fileExists(atPath: current.path) {
            if let waiting = status?[path: ["state", "waiting"]] {
                let reason = waiting.string(at: "reason") ?? "ContainerCreating"
                throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
            }
            if status == nil {
                throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
            }
        }
        let (lines, offset) = Self.readCurrent(folder, container: container)
        let head = Self.render(lines, query)
        guard query.follow else {
            return .init(status: 200, headers: [("Content-Type", "text/plain")], body: .bytes(head))
        }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let task = Task { [self] in
            if !head.isEmpty { continuation.yield(head) }
            var position = offset
            var pending: [UInt8] = []
            var sent = head.count
            while !Task.isCancelled {
                let (bytes, next) = Self.readFrom(current, offset: position)
                position = next
                pending += bytes
                if let cut = pending.lastIndex(of: 0x0A) {
                    let complete = pending[...cut]
                    pending.removeFirst(cut + 1)
                    let lines = complete.split(separator: 0x0A).compactMap(PodLogFiles.Line.init)
                    var chunk = Self.render(lines, LogQuery(container: container, follow: true, previous: false,
                                                           timestamps: query.timestamps, tailLines: nil, since: query.since,
                                                           limitBytes: nil))
                    if let limit = query.limitBytes, sent + chunk.count > limit { chunk = Array(chunk.prefix(max(0, limit - sent))) }
                    if !chunk.isEmpty { continuation.yield(chunk); sent += chunk.count }
                    if let limit = query.limitBytes, sent >= limit { break }
                }
                if bytes.isEmpty {
                    // Done once the container no longer runs (or the Pod is gone) and the file is drained.
                    guard let now = self.store.get(ObjectKey(storage: "pods", namespace: namespace, name: name))?.value,
                          now.string(at: "metadata", "uid") == uid,
                          Self.containerStatus(now, container)?[path: ["state", "running"]] != nil
                            || Self.containerStatus(now, container) == nil else {
                        let (rest, _) = Self.readFrom(current, offset: position)
                        if rest.isEmpty { break }
                        continue
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return .init(status: 200, headers: [("Content-Type", "text/plain")], body: .stream(stream))
    }

    static func containerStatus(_ pod: Value, _ container: String) -> Value? {
        let all = (pod[path: ["status", "containerStatuses"]]?.sequence ?? [])
            + (pod[path: ["status", "initContainerStatuses"]]?.sequence ?? [])
        return all.first { $0.string(at: "name") == container }
    }

    /// The rotated part and the current file, parsed; and the offset reached in the current file.
    static func readCurrent(_ folder: URL, container: String) -> ([PodLogFiles.Line], Int) {
        var lines = lines(of: [PodLogFiles.rotated(folder, container: container)])
        let (bytes, offset) = readFrom(PodLogFiles.current(folder, container: container), offset: 0)
        // Only whole lines: a line being written is picked up by the follower.
        let cut = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        lines += bytes[..<cut].split(separator: 0x0A).compactMap(PodLogFiles.Line.init)
        return (lines, offset - (bytes.count - cut))
    }

    static func lines(of files: [URL]) -> [PodLogFiles.Line] {
        var lines: [PodLogFiles.Line] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            lines += [UInt8](data).split(separator: 0x0A).compactMap(PodLogFiles.Line.init)
        }
        return lines
    }

    /// The bytes of `file` from `offset`; a file shorter than the offset was rotated, so it is read from its start.
    static func readFrom(_ file: URL, offset: Int) -> ([UInt8], Int) {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return ([], offset) }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        let start = size < offset ? 0 : offset
        guard size > start else { return ([], start) }
        try? handle.seek(toOffset: UInt64(start))
        let data = (try? handle.read(upToCount: min(size - start, 4 * 1024 * 1024))) ?? Data()
        return ([UInt8](data), start + data.count)
    }

    static func render(_ lines: [PodLogFiles.Line], _ query: LogQuery) -> [UInt8] {
        var selected = lines
        if let since = query.since { selected = selected.filter { ($0.seconds ?? .infinity) >= since } }
        if let tail = query.tailLines { selected = Array(selected.suffix(tail)) }
        var out: [UInt8] = []
        for line in selected {
            if query.timestamps { out += Array(line.time.utf8) + [0x20] }
            out += line.text
            if !line.partial { out.append(0x0A) }
        }
        if let limit = query.limitBytes, out.count > limit { out = Array(out.prefix(limit)) }
        return out
    }
}
