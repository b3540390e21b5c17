import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few TCP operations the node agent needs (port checks, tcpSocket and httpGet probes), over BSD sockets
/// owned here.
enum Sockets {
    private static func address(_ host: String, _ port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }

    private static func makeSocket() -> Int32 {
        #if canImport(Glibc)
        return socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        return socket(AF_INET, SOCK_STREAM, 0)
        #endif
    }

    /// Binds `host`:`port` (0: any free port) and returns the bound port, or nil when it is taken.
    private static func bindPort(host: String, port: Int) -> Int? {
        guard var address = address(host, port) else { return nil }
        let fd = makeSocket()
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // As servers bind (uvicorn, Python's http.server, Go's net/http all set SO_REUSEADDR): a port whose last
        // user is gone but whose connections linger in TIME_WAIT is free for them, so it is free here too; a
        // listening socket still makes it taken.
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: actual.sin_port))
    }

    static func isFree(port: Int, host: String) -> Bool { bindPort(host: host, port: port) != nil }

    static func freePort(host: String) -> Int? { bindPort(host: host, port: 0) }

    /// Connects within `timeout` seconds; the connected descriptor, or nil.
    static func open(host: String, port: Int, timeout: Double) -> Int32? {
        guard var address = address(host, port) else { return nil }
        let fd = makeSocket()
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            guard errno == EINPROGRESS else { close(fd); return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { close(fd); return nil }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { close(fd); return nil }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int32((timeout - Double(Int(timeout))) * 1e6).toSuseconds)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// A tcpSocket probe: whether a connection opens.
    static func probeTCP(host: String, port: Int, timeout: Double) -> Bool {
        guard let fd = open(host: host, port: port, timeout: timeout) else { return false }
        close(fd)
        return true
    }

    /// An httpGet probe: success when the status is 200-399.
    static func probeHTTP(host: String, port: Int, path: String, headers: [(String, String)], timeout: Double) -> Bool {
        guard let fd = open(host: host, port: port, timeout: timeout) else { return false }
        defer { close(fd) }
        var request = "GET \(path.isEmpty ? "/" : path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: kube-probe/1.37\r\nAccept: */*\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 512)
        var received: [UInt8] = []
        while received.count < 12 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        let line = String(decoding: received.prefix(64), as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else { return false }
        return (200..<400).contains(code)
    }
}

private extension Int32 {
    #if canImport(Glibc)
    var toSuseconds: Int { Int(self) }
    #else
    var toSuseconds: Int32 { self }
    #endif
}
