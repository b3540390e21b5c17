import Foundation
import LocalCluster

/// Copies a container's stdout and stderr into its log file, one timestamped line at a time (the CRI format of
/// `PodLogFiles`), rotating the file at `PodLogFiles.rotateBytes`. One thread per container polls both pipes.
final class LogPump: @unchecked Sendable {
    private let file: URL
    private let rotated: URL
    private var handle: FileHandle?
    private var size = 0
    private var pending: [String: [UInt8]] = [:]
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var done = false
    private var stopRequested = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private static let maxLine = 16 * 1024

    init(file: URL, rotated: URL) throws(RuntimeError) {
        self.file = file
        self.rotated = rotated
        FileManager.default.createFile(atPath: file.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: file.path) else {
            throw .filesystem(path: file.path, reason: "cannot open the log file")
        }
        handle.seekToEndOfFile()
        size = Int(handle.offsetInFile)
        self.handle = handle
    }

    /// Starts copying from the two pipes (closed at end of file or on `stop()`).
    func start(stdout: Int32, stderr: Int32) {
        let thread = Thread { self.run(stdout: stdout, stderr: stderr) }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    private func run(stdout: Int32, stderr: Int32) {
        var open: [(fd: Int32, stream: String)] = [(stdout, "stdout"), (stderr, "stderr")]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty && !lock.withLock({ stopRequested }) {
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polls, nfds_t(polls.count), 200)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            var closed: Set<Int32> = []
            for (index, entry) in polls.enumerated() where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    append(Array(buffer[..<count]), stream: open[index].stream)
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    closed.insert(entry.fd)
                }
            }
            for fd in closed {
                if let stream = open.first(where: { $0.fd == fd })?.stream, let rest = pending[stream], !rest.isEmpty {
                    write(rest, stream: stream, partial: false)
                    pending[stream] = nil
                }
                _ = close(fd)
            }
            open.removeAll { closed.contains($0.fd) }
        }
        for entry in open {
            if let rest = pending[entry.stream], !rest.isEmpty { write(rest, stream: entry.stream, partial: false) }
            _ = close(entry.fd)
        }
        let toResume = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            done = true
            try? handle?.close()
            handle = nil
            let all = Array(waiters.values)
            waiters = [:]
            return all
        }
        for waiter in toResume { waiter.resume() }
    }

    private func append(_ bytes: [UInt8], stream: String) {
        var data = pending[stream, default: []] + bytes
        var start = 0
        for index in data.indices where data[index] == 0x0A {
            write(Array(data[start..<index]), stream: stream, partial: false)
            start = index + 1
        }
        data.removeFirst(start)
        while data.count > Self.maxLine {
            write(Array(data.prefix(Self.maxLine)), stream: stream, partial: true)
            data.removeFirst(Self.maxLine)
        }
        pending[stream] = data
    }

    private func write(_ text: [UInt8], stream: String, partial: Bool) {
        let line = PodLogFiles.Line(time: PodLogFiles.timestamp(), stream: stream, partial: partial, text: text).encoded
        lock.withLock {
            if size + line.count > PodLogFiles.rotateBytes, size > 0 {
                try? handle?.close()
                try? FileManager.default.removeItem(at: rotated)
                try? FileManager.default.moveItem(at: file, to: rotated)
                FileManager.default.createFile(atPath: file.path, contents: nil)
                handle = FileHandle(forWritingAtPath: file.path)
                size = 0
            }
            handle?.write(Data(line))
            size += line.count
        }
    }

    /// Waits until both pipes reached end of file, at most `timeout` seconds; afterwards the pump keeps copying
    /// whatever processes left behind still write (until they are killed or `stop()`).
    func finish(timeout: Double) async {
        let id = lock.withLock { () -> Int in nextWaiter += 1; return nextWaiter }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = lock.withLock { () -> Bool in
                if done { return true }
                waiters[id] = continuation
                return false
            }
            if finished { continuation.resume(); return }
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                self.lock.withLock { self.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Stops copying (after the process group was killed); the thread ends within 200 ms.
    func stop() {
        lock.withLock { stopRequested = true }
    }
}
