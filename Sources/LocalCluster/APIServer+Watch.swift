import Foundation
import Resources

extension APIServer {
    /// How often an idle watch that allows bookmarks gets one.
    static let bookmarkInterval: Duration = .seconds(5)

    final class WatchProgress: @unchecked Sendable {
        private let lock = NSLock()
        private var revision: Int
        init(_ revision: Int) { self.revision = revision }
        func advance(to value: Int) { lock.lock(); revision = max(revision, value); lock.unlock() }
        var current: Int { lock.lock(); defer { lock.unlock() }; return revision }
    }

    /// A watch: a chunked stream of JSON events, one per line, as a real API server sends them.
    func watchResponse(_ target: Target, request: APIRequest, fieldName: String?) throws -> APIResponse {
        let type = target.type
        let labelSelector = try LabelSelector(request.query["labelSelector"] ?? "")
        var fieldText = request.query["fieldSelector"] ?? ""
        if let fieldName { fieldText += (fieldText.isEmpty ? "" : ",") + "metadata.name=\(fieldName)" }
        let fieldSelector = try FieldSelector(fieldText, type: type)
        let bookmarks = request.query["allowWatchBookmarks"] == "true"
        let initialEvents = request.query["sendInitialEvents"] == "true"
        var timeout = Duration.seconds(1800)
        if let text = request.query["timeoutSeconds"] {
            guard let seconds = Int(text), seconds >= 0 else { throw APIError.badRequest("timeoutSeconds must be a non-negative integer, got \"\(text)\"") }
            if seconds > 0 { timeout = .seconds(seconds) }
        }
        let start: Store.WatchStart
        let requested = request.query["resourceVersion"] ?? ""
        if initialEvents || requested.isEmpty || requested == "0" {
            start = .currentState
        } else if let revision = Int(requested), revision >= 0 {
            start = .after(revision)
        } else {
            throw APIError.badRequest("resourceVersion: Invalid value: \"\(requested)\": must be an integer")
        }
        let headers = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]

        guard let watch = store.watch(storage: type.storage, namespace: target.namespace, from: start) else {
            // As a real server: a 200 stream carrying one ERROR event with a 410 Status, then the end.
            let error = APIError.gone("too old resource version: \(requested) (\(store.compactedRevision))")
            let event = Value.object([("type", .string("ERROR")), ("object", error.status)])
            let stream = AsyncStream<[UInt8]> { continuation in
                continuation.yield(JSON.encode(event) + [0x0A])
                continuation.finish()
            }
            return APIResponse(status: 200, headers: headers, body: .stream(stream))
        }
        let progress = WatchProgress(watch.revision)
        let kind = type.kind, groupVersion = type.groupVersion
        func encode(_ event: ChangeEvent) -> [UInt8]? {
            guard labelSelector.matches(event.object) && fieldSelector.matches(event.object) else { return nil }
            let line = Value.object([("type", .string(event.kind.rawValue)), ("object", self.served(event.object, as: type))])
            return JSON.encode(line) + [0x0A]
        }
        func bookmark(_ revision: Int, initialEnd: Bool) -> [UInt8] {
            var metadata = Mapping()
            metadata["resourceVersion"] = .string(String(revision))
            if initialEnd { metadata["annotations"] = .object([("k8s.io/initial-events-end", .string("true"))]) }
            let line = Value.object([("type", .string("BOOKMARK")), ("object", .object([
                ("kind", .string(kind)), ("apiVersion", .string(groupVersion)), ("metadata", .mapping(metadata)),
            ]))])
            return JSON.encode(line) + [0x0A]
        }
        let (output, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let pump = Task {
            for event in watch.initial {
                if let line = encode(event) { continuation.yield(line) }
            }
            if initialEvents {
                continuation.yield(bookmark(watch.revision, initialEnd: true))
            }
            for await event in watch.stream {
                progress.advance(to: event.revision)
                if let line = encode(event) { continuation.yield(line) }
            }
            continuation.finish()
        }
        let ticker = Task {
            let deadline = ContinuousClock.now + timeout
            while !Task.isCancelled {
                let next = min(deadline, ContinuousClock.now + Self.bookmarkInterval)
                try? await Task.sleep(until: next, clock: .continuous)
                if Task.isCancelled { break }
                if ContinuousClock.now >= deadline { break }
                if bookmarks { continuation.yield(bookmark(progress.current, initialEnd: false)) }
            }
            watch.cancel()
            continuation.finish()
        }
        continuation.onTermination = { _ in
            pump.cancel()
            ticker.cancel()
            watch.cancel()
        }
        return APIResponse(status: 200, headers: headers, body: .stream(output))
    }
}
