import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for the transport tests. Each request goes to a handler that answers,
/// streams, resets the connection or stalls, so faults can be injected exactly.
final class TestHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let target: String
        let headers: [String: [String]]
        let body: [UInt8]

        var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        var query: [String: String] {
            guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            var out: [String: String] = [:]
            for part in q.split(separator: "&") {
                let kv = part.split(separator: "=", maxSplits: 1)
                out[String(kv[0])] = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            }
            return out
        }
        func header(_ name: String) -> String? { headers[name.lowercased()]?.last }
    }

    enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// A chunked 200 answer: each chunk after its delay; then the stream ends (or the connection is cut).
        case stream(status: Int, chunks: [(TimeInterval, [UInt8])], cut: Bool = false)
        /// A chunked answer whose chunks come from `next` (blocking) until it returns nil.
        case pull(status: Int, headers: [(String, String)], next: @Sendable () -> [UInt8]?)
        /// Close the connection with a TCP reset, answering nothing.
        case reset
        /// Answer nothing for this long, then close.
        case stall(TimeInterval)

        static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Action {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
    }

    typealias Handler = @Sendable (Request) -> Action

    let port: Int
    private let listener: Int32
    private let handler: Handler
    private let log = Mutex<[Request]>([])
    private let stopped = Mutex(false)
    private let clients = Mutex<Set<Int32>>([])

    var requests: [Request] { log.withLock { $0 } }
    var url: String { "http://127.0.0.1:\(port)" }

    init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    func stop() {
        let already = stopped.withLock { value -> Bool in defer { value = true }; return value }
        guard !already else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        // Also end kept-alive connections, so a stopped server is unreachable.
        for fd in clients.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if stopped.withLock({ $0 }) { return }
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        clients.withLock { _ = $0.insert(fd) }
        defer {
            clients.withLock { _ = $0.remove(fd) }
            close(fd)
        }
        while true {
            guard let request = readRequest(fd, &buffer) else { return }
            log.withLock { $0.append(request) }
            switch handler(request) {
            case let .respond(status, headers, body):
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                guard send(fd, Array(head.utf8) + body) else { return }
            case let .stream(status, chunks, cut):
                let head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                guard send(fd, Array(head.utf8)) else { return }
                for (delay, chunk) in chunks {
                    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                    guard send(fd, Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8))
                    else { return }
                }
                if cut { Self.reset(fd); return }
                guard send(fd, Array("0\r\n\r\n".utf8)) else { return }
            case let .pull(status, headers, next):
                var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nTransfer-Encoding: chunked\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                guard send(fd, Array((head + "\r\n").utf8)) else { return }
                while let chunk = next() {
                    if chunk.isEmpty { continue }
                    guard send(fd, Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8))
                    else { return }
                }
                guard send(fd, Array("0\r\n\r\n".utf8)) else { return }
            case .reset:
                Self.reset(fd)
                return
            case let .stall(seconds):
                Thread.sleep(forTimeInterval: seconds)
                return
            }
        }
    }

    private static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4) where Array(buffer[index..<index + 4]) == separator {
                    headEnd = index
                    break
                }
            }
            if headEnd == nil, !fill(fd, &buffer) { return nil }
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: [String]] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased(), default: []].append(line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers["content-length"]?.last ?? "0") ?? 0
        while buffer.count < length { if !fill(fd, &buffer) { return nil } }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
