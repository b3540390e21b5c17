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

    /// What a watcher with a selector sees of a change, as the real watch cache decides it: an object that starts
    /// matching is ADDED, one that stops matching is DELETED (its previous content at the change's
    /// resourceVersion), a deletion is seen when the object matched before it. Nil when the watcher does not see it.
    static func filtered(_ event: ChangeEvent, matches: (Value) -> Bool) -> (String, Value)? {
        let current = event.kind != .deleted && matches(event.object)
        var before: Value?
        if event.kind == .deleted {
            before = event.object
        } else if event.kind == .modified, let previous = event.previous?.value {
            before = previous
        }
        let previousMatched = before.map(matches) ?? false
        switch (current, previousMatched) {
        case (true, false): return ("ADDED", event.object)
        case (true, true): return (event.kind == .added ? "ADDED" : "MODIFIED", event.object)
        case (false, true):
            var object = before ?? event.object
            object.set(["metadata", "resourceVersion"], .string(String(event.revision)))
            return ("DELETED", object)
        case (false, false): return nil
        }
    }

    /// Reads a watch's store stream from the one task the HTTP layer pulls with, after the opening lines.
    final class WatchReader: @unchecked Sendable {
        private var iterator: AsyncStream<WatchItem>.AsyncIterator
        private var opening: [[UInt8]]
        private var ended = false
        private let release: @Sendable () -> Void
        init(_ stream: AsyncStream<WatchItem>, opening: [[UInt8]], release: @escaping @Sendable () -> Void) {
            iterator = stream.makeAsyncIterator()
            self.opening = opening.reversed()
            self.release = release
        }
        /// The HTTP layer dropped the stream (the client went away): the watch ends with it.
        deinit { release() }
        func nextOpening() -> [UInt8]? { opening.popLast() }
        func next() async -> WatchItem? { await iterator.next() }
        /// True once: the ending line is sent a single time.
        func takeEnding() -> Bool { defer { ended = true }; return !ended }
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
        let matches: @Sendable (Value) -> Bool = { labelSelector.matches($0) && fieldSelector.matches($0) }
        @Sendable func encode(_ event: ChangeEvent) -> [UInt8]? {
            guard let (eventType, object) = Self.filtered(event, matches: matches) else { return nil }
            let make = { JSON.encode(Value.object([("type", .string(eventType)), ("object", self.served(object, as: type))])) + [0x0A] }
            return event.lines?.line(eventType + " " + groupVersion, make: make) ?? make()
        }
        @Sendable func bookmark(_ revision: Int, initialEnd: Bool) -> [UInt8] {
            var metadata = Mapping()
            metadata["resourceVersion"] = .string(String(revision))
            if initialEnd { metadata["annotations"] = .object([("k8s.io/initial-events-end", .string("true"))]) }
            let line = Value.object([("type", .string("BOOKMARK")), ("object", .object([
                ("kind", .string(kind)), ("apiVersion", .string(groupVersion)), ("metadata", .mapping(metadata)),
            ]))])
            return JSON.encode(line) + [0x0A]
        }
        // The replayed changes first, then the initial-events bookmark.
        var opening: [[UInt8]] = watch.initial.compactMap { encode($0) }
        if initialEvents { opening.append(bookmark(watch.revision, initialEnd: true)) }
        for event in watch.initial { progress.advance(to: event.revision) }
        let limit = store.watchBufferLimit
        let plural = type.plural
        // The HTTP layer pulls one line at a time, so a slow client leaves its changes in the store's bounded
        // buffer (never in an unbounded one here); when that buffer overflows the watch ends with a 410 ERROR event.
        let reader = WatchReader(watch.stream, opening: opening, release: watch.cancel)
        let output = AsyncStream<[UInt8]>(unfolding: {
            while true {
                if let line = reader.nextOpening() { return line }
                guard let item = await reader.next() else {
                    if watch.watcher.overflowed && reader.takeEnding() {
                        let error = APIError.gone("the watch of \(plural) was ended because its client fell more than \(limit) changes behind; list again and watch from the list's resourceVersion")
                        return JSON.encode(Value.object([("type", .string("ERROR")), ("object", error.status)])) + [0x0A]
                    }
                    return nil
                }
                switch item {
                case let .change(event):
                    progress.advance(to: event.revision)
                    if let line = encode(event) {
                        LocalTrace.mark("api.watchLine", "\(plural) \(event.key.name)")
                        return line
                    }
                case .tick:
                    if bookmarks { return bookmark(progress.current, initialEnd: false) }
                }
            }
        }, onCancel: { watch.cancel() })
        let ticker = Task {
            let deadline = ContinuousClock.now + timeout
            while !Task.isCancelled {
                let next = min(deadline, ContinuousClock.now + Self.bookmarkInterval)
                try? await Task.sleep(until: next, clock: .continuous)
                if Task.isCancelled { break }
                if ContinuousClock.now >= deadline { break }
                watch.watcher.continuation.yield(.tick)
            }
            watch.cancel()
        }
        watch.watcher.continuation.onTermination = { _ in ticker.cancel() }
        return APIResponse(status: 200, headers: headers, body: .stream(output))
    }
}
