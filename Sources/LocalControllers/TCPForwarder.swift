import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
/// Writes to a closed peer fail with EPIPE instead of raising SIGPIPE, which would stop kf-local.
private let noSignal = Int32(MSG_NOSIGNAL)
private func connectSocket(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Glibc.connect(fd, address, length) }
#else
private let noSignal: Int32 = 0
private func connectSocket(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Darwin.connect(fd, address, length) }
#endif

/// A TCP listener on 127.0.0.1 that forwards each connection to a backend chosen when it arrives (blocking
/// sockets, a thread per direction: a development proxy, not a data plane). The file descriptors never leave it.
final class TCPForwarder: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let pick: @Sendable () -> (host: String, port: Int)?
    /// How long a connection waits for a ready backend before it is closed.
    private let patience: TimeInterval
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var closed = false

    /// Listens on 127.0.0.1:`port` (0: any free port); nil when that port cannot be bound.
    init?(port: Int, patience: TimeInterval = 1, pick: @escaping @Sendable () -> (host: String, port: Int)?) {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = TCPForwarder.address("127.0.0.1", port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            return nil
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = fd
        self.pick = pick
        self.patience = patience
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "kf-local proxy :\(self.port)"
        thread.start()
    }

    static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // shut down
            }
            Thread.detachNewThread { [self] in forward(client) }
        }
    }

    /// Connects a client to a backend (waiting up to `patience` for one to become ready), then copies both ways.
    private func forward(_ client: Int32) {
        var backend: Int32?
        let deadline = Date().addingTimeInterval(patience)
        while backend == nil {
            if let (host, port) = pick() { backend = TCPForwarder.connect(host, port) }
            if backend != nil || Date() >= deadline || lock.withLock({ closed }) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let backend else {
            close(client)
            return
        }
        let accepted = lock.withLock { () -> Bool in
            if closed { return false }
            connections.insert(client)
            connections.insert(backend)
            return true
        }
        guard accepted else { close(client); close(backend); return }
        let finished = Finished(count: 2) { [self] in
            lock.withLock {
                connections.remove(client)
                connections.remove(backend)
            }
            close(client)
            close(backend)
        }
        Thread.detachNewThread { TCPForwarder.pump(from: client, to: backend); finished.one() }
        TCPForwarder.pump(from: backend, to: client)
        finished.one()
    }

    static func connect(_ host: String, _ port: Int) -> Int32? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var address = address(host, port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connectSocket(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); return nil }
        return fd
    }

    /// Copies bytes until end of file or an error, then half-closes the other side.
    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        loop: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { bytes in
                    bytes.baseAddress.map { send(destination, $0 + offset, count - offset, noSignal) } ?? -1
                }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break loop }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }

    /// Stops listening and cuts open connections.
    func stop() {
        let open = lock.withLock { () -> Set<Int32> in
            closed = true
            return connections
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Counts down the two directions of a connection; the last one closes it.
    private final class Finished: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        private let action: () -> Void

        init(count: Int, action: @escaping () -> Void) {
            remaining = count
            self.action = action
        }

        func one() {
            let last = lock.withLock { () -> Bool in
                remaining -= 1
                return remaining == 0
            }
            if last { action() }
        }
    }
}
