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
        let handle = stream == .output ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(text.utf8))
    }

    func writeBytes(_ bytes: [UInt8]) {
        let handle = stream == .output ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(bytes))
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
