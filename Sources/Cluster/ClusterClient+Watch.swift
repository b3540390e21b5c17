import Foundation
import Resources
import Synchronization

/// One change seen by a watch.
public enum WatchEvent: Sendable, Equatable {
    case added(Value)
    case modified(Value)
    case deleted(Value)
    /// The server's progress mark: nothing changed up to this resourceVersion.
    case bookmark(resourceVersion: String)
    /// A full list, at the start and again after the server forgot the watch's resourceVersion (410 Gone):
    /// the current state, which replaces whatever the consumer built from earlier events.
    case relisted(ObjectList)

    public static func == (lhs: WatchEvent, rhs: WatchEvent) -> Bool {
        switch (lhs, rhs) {
        case let (.added(a), .added(b)), let (.modified(a), .modified(b)), let (.deleted(a), .deleted(b)): return a == b
        case let (.bookmark(a), .bookmark(b)): return a == b
        case let (.relisted(a), .relisted(b)): return a.items == b.items && a.resourceVersion == b.resourceVersion
        default: return false
        }
    }
}

/// Options of a pod log stream.
public struct LogOptions: Sendable {
    public var container: String?
    public var follow = false
    public var previous = false
    public var timestamps = false
    public var tailLines: Int?
    public var sinceSeconds: Int?

    public init(container: String? = nil, follow: Bool = false, previous: Bool = false, timestamps: Bool = false,
                tailLines: Int? = nil, sinceSeconds: Int? = nil) {
        self.container = container
        self.follow = follow
        self.previous = previous
        self.timestamps = timestamps
        self.tailLines = tailLines
        self.sinceSeconds = sinceSeconds
    }
}

/// Splits a byte stream into lines as it arrives.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var start = 0
        for index in pending.indices where pending[index] == 0x0A {
            lines.append(Array(pending[start..<index]))
            start = index + 1
        }
        pending.removeFirst(start)
        return lines
    }

    mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        return pending.isEmpty ? nil : pending
    }
}

extension ClusterClient {
    /// Watches a kind and never misses a change: it lists first (unless `resourceVersion` is given), then
    /// watches from the list's resourceVersion; after a disconnect it resumes from the last resourceVersion seen,
    /// and when the server answers 410 Gone it lists again (a `.relisted` event) and carries on. The stream ends
    /// when the consumer stops iterating, or with an error that retrying cannot fix.
    public func watch(apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil,
                      fieldSelector: String? = nil, resourceVersion: String? = nil,
                      timeoutSeconds: Int = 300, maxReconnects: Int = 100) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.runWatch(apiVersion: apiVersion, kind: kind, namespace: namespace,
                                            labelSelector: labelSelector, fieldSelector: fieldSelector,
                                            from: resourceVersion, timeoutSeconds: timeoutSeconds,
                                            maxReconnects: maxReconnects) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private enum WatchEnd { case disconnected(ClusterError?), gone }

    private func runWatch(apiVersion: String, kind: String, namespace: String?, labelSelector: String?,
                          fieldSelector: String?, from start: String?, timeoutSeconds: Int, maxReconnects: Int,
                          emit: @escaping @Sendable (WatchEvent) -> Void) async throws(ClusterError) {
        let resource = try await self.resource(apiVersion: apiVersion, kind: kind)
        let path = resource.path(namespace: resource.namespaced ? (namespace ?? config.namespace) : nil)
        let timeoutSeconds = min(max(timeoutSeconds, 1), 86_400)
        var resourceVersion = start
        var failures = 0
        while !Task.isCancelled {
            if resourceVersion == nil {
                let list = try await self.list(apiVersion: apiVersion, kind: kind, namespace: namespace,
                                               labelSelector: labelSelector, fieldSelector: fieldSelector)
                emit(.relisted(list))
                resourceVersion = list.resourceVersion
            }
            var query = [("watch", "1"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds))]
            if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            let url = self.url(path, query)
            let last = Mutex<String?>(resourceVersion)
            let sawGone = Mutex(false)
            let sawEvent = Mutex(false)
            let splitter = Mutex(LineSplitter())
            let handle = Mutex<Transport.StreamHandle?>(nil)
            let decode: @Sendable ([UInt8]) -> Void = { line in
                guard !line.isEmpty, let event = try? ValueJSON.decode(line), let type = event["type"]?.text,
                      let object = event["object"] else { return }
                let version = object[path: ["metadata", "resourceVersion"]]?.text
                switch type {
                case "ADDED": emit(.added(object))
                case "MODIFIED": emit(.modified(object))
                case "DELETED": emit(.deleted(object))
                case "BOOKMARK": emit(.bookmark(resourceVersion: version ?? ""))
                case "ERROR":
                    let status = APIStatus(httpCode: 500, body: ValueJSON.encodeBytes(object))
                    if status.isGone {
                        sawGone.withLock { $0 = true }
                        handle.withLock { $0 }?.cancel()
                    }
                    return
                default: return
                }
                sawEvent.withLock { $0 = true }
                if let version, !version.isEmpty { last.withLock { $0 = version } }
            }
            let end: WatchEnd
            do {
                let response = try await transport.stream(
                    HTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")],
                                timeout: .seconds(timeoutSeconds + 30)),
                    onData: { bytes in
                        for line in splitter.withLock({ $0.feed(bytes) }) { decode(line) }
                    },
                    started: { stream in handle.withLock { $0 = stream } })
                if let rest = splitter.withLock({ $0.finish() }) { decode(rest) }
                if response.status == 410 || (APIStatus(httpCode: response.status, body: response.body).isGone
                                              && !(200..<300).contains(response.status)) {
                    end = .gone
                } else if !(200..<300).contains(response.status) {
                    if [429, 500, 502, 503, 504].contains(response.status), failures < maxReconnects {
                        end = .disconnected(nil)
                    } else {
                        try check(response, method: "GET", url: url)
                        end = .disconnected(nil)
                    }
                } else {
                    end = sawGone.withLock { $0 } ? .gone : .disconnected(nil)
                }
            } catch {
                if Task.isCancelled { return }
                end = sawGone.withLock { $0 } ? .gone : .disconnected(error)
            }
            switch end {
            case .gone:
                resourceVersion = nil  // list again
            case let .disconnected(error):
                resourceVersion = last.withLock { $0 }
                if sawEvent.withLock({ $0 }) { failures = 0 } else { failures += 1 }
                if failures > maxReconnects {
                    throw error ?? .transport(method: "GET", url: Redaction.url(url), kind: .other,
                                              message: "the watch kept ending without events", attempts: failures)
                }
                if error != nil || failures > 0 {
                    let delay = transport.retry.backoff(attempt: min(failures, 6), random: Double.random(in: 0...1))
                    try? await Task.sleep(for: delay)
                }
            }
        }
    }

    /// Streams a pod's log, line by line (without the newline), as `kubectl logs` prints it.
    public func logs(pod: String, namespace: String? = nil, options: LogOptions = LogOptions())
        -> AsyncThrowingStream<String, any Error> {
        var query: [(String, String)] = []
        if let container = options.container { query.append(("container", container)) }
        if options.follow { query.append(("follow", "true")) }
        if options.previous { query.append(("previous", "true")) }
        if options.timestamps { query.append(("timestamps", "true")) }
        if let tail = options.tailLines { query.append(("tailLines", String(tail))) }
        if let since = options.sinceSeconds { query.append(("sinceSeconds", String(since))) }
        let path = "/api/v1/namespaces/\(Discovery.escape(namespace ?? config.namespace))/pods/\(Discovery.escape(pod))/log"
        let url = self.url(path, query)
        let follow = options.follow
        return AsyncThrowingStream { continuation in
            let task = Task {
                let splitter = Mutex(LineSplitter())
                do {
                    let response = try await self.transport.stream(
                        HTTPRequest(method: "GET", url: url, timeout: follow ? nil : .seconds(300)),
                        onData: { bytes in
                            for line in splitter.withLock({ $0.feed(bytes) }) {
                                continuation.yield(String(decoding: line, as: UTF8.self))
                            }
                        })
                    try self.check(response, method: "GET", url: url)
                    if let rest = splitter.withLock({ $0.finish() }) { continuation.yield(String(decoding: rest, as: UTF8.self)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
