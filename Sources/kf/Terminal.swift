import Foundation

/// Where kf prints, and whether it may colour: only on a terminal, never with --no-color or NO_COLOR.
struct Terminal {
    enum Stream { case output, error }
    enum Color: String { case red = "31", green = "32", yellow = "33", bold = "1", dim = "2" }

    let stream: Stream
    let colored: Bool

    init(colorAllowed: Bool = true, stream: Stream = .output) {
        self.stream = stream
        let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        colored = colorAllowed && !noColor && isatty(descriptor) == 1
    }

    static var standardError: Terminal { Terminal(stream: .error) }

    func paint(_ text: String, _ color: Color) -> String {
        colored ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    func write(_ text: String) {
        writeBytes(Array(text.utf8))
    }

    /// Writes all of `bytes`. When the reader has gone (`kf pipeline list | head -1`), kf ends at once and quietly
    /// with 141 (128 + SIGPIPE), as a program that SIGPIPE ends does, rather than trapping in FileHandle.write.
    func writeBytes(_ bytes: [UInt8]) {
        let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = writeToDescriptor(descriptor, base + offset, buffer.count - offset)
                if written >= 0 {
                    offset += written
                } else if errno == EPIPE {
                    exit(141)
                } else if errno != EINTR {
                    return
                }
            }
        }
    }

    func line(_ text: String) {
        write(text + "\n")
    }

    /// "error: MESSAGE" on this stream, as kubectl prints it.
    func error(_ message: String) {
        line(paint("error:", .red) + " " + message)
    }

    func warning(_ message: String) {
        line(paint("warning:", .yellow) + " " + message)
    }
}

/// write(2), out of reach of Terminal's own `write` inside the type.
private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
