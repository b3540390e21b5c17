import Dispatch
import Foundation
import LocalCluster

/// Copies a container's stdout and stderr into its log file, one timestamped line at a time (the CRI format of
/// `PodLogFiles`), rotating the file at `PodLogFiles.rotateBytes`.
final class LogPump: @unchecked Sendable {
    private let queue: DispatchQueue
    private let file: URL
    private let rotated: URL
    private var handle: FileHandle?
    private var size = 0
    private var sources: [DispatchSourceRead] = []
    private var pending: [String: [UInt8]] = [:]
    private var open = 2
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private static let maxLine = 16 * 1024

    init(file: URL, rotated: URL) throws(RuntimeError) {
        self.file = file
        self.rotated = rotated
        queue = DispatchQueue(label: "kf-local.log")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: file.path) else {
            throw .filesystem(path: file.path, reason: "cannot open the log file")
        }
        handle.seekToEndOfFile()
        size = Int(handle.offsetInFile)
        self.handle = handle
    }

    /// Starts reading the two pipes; closes them at end of file.
    func start(stdout: Int32, stderr: Int32) {
        for (fd, stream) in [(stdout, "stdout"), (stderr, "stderr")] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { self.drain(fd, stream: stream, source: source) }
            source.setCancelHandler { closeDescriptor(fd) }
            sources.append(source)
            source.resume()
        }
    }

    private func drain(_ fd: Int32, stream: String, source: DispatchSourceRead) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                append(Array(buffer[..<count]), stream: stream)
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EINTR) {
                if let rest = pending[stream], !rest.isEmpty { write(rest, stream: stream, partial: false) }
                pending[stream] = nil
                source.cancel()
                open -= 1
                if open == 0 { resumeWaiters() }
            }
            return
        }
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

    /// Waits until both pipes reached end of file, at most `timeout` seconds; afterwards the pump keeps copying
    /// whatever processes left behind still write (until they are killed).
    func finish(timeout: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if self.open == 0 { continuation.resume(); return }
                let id = self.nextWaiter
                self.nextWaiter += 1
                self.waiters[id] = continuation
                self.queue.asyncAfter(deadline: .now() + timeout) {
                    self.waiters.removeValue(forKey: id)?.resume()
                }
            }
        }
    }

    /// Stops reading and closes the file (after the process group was killed).
    func close() {
        queue.sync {
            for source in sources where !source.isCancelled { source.cancel() }
            try? handle?.close()
            handle = nil
            resumeWaiters()
        }
    }

    private func resumeWaiters() {
        let all = waiters.values
        waiters = [:]
        for waiter in all { waiter.resume() }
    }
}

/// `close(2)`, out of LogPump's scope (whose `close()` would shadow it).
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
