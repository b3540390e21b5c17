import Foundation
import Testing

/// `kf ... | head -1`: when the reader of kf's output goes away, kf ends quietly with 141 (128 + SIGPIPE), as a
/// program that SIGPIPE ends does. It used to trap in FileHandle.write and print a crash report with a backtrace.
struct ClosedOutputTests {
    @Test func aReaderThatLeftEndsKfQuietly() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-closed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // Enough output that no pipe buffer holds it: a pipeline of many steps compiled to IR.
        let steps = (0..<400).map { "  s\($0): {image: busybox, command: [echo, \($0)]}" }.joined(separator: "\n")
        try "name: many\nsteps:\n\(steps)\n".write(toFile: base + "/many.yaml", atomically: true, encoding: .utf8)

        let process = Process()
        // SIGPIPE ignored, as many parents leave it (CI runners, this tool's own shell): only kf's handling of the
        // failed write stands between the user and a crash report.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' PIPE; exec \"$0\" pipeline compile many.yaml", KfBinary.path]
        process.currentDirectoryURL = URL(fileURLWithPath: base)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read one line, then leave, as `head -1` does.
        let reader = out.fileHandleForReading
        var first = Data()
        while !first.contains(0x0A) {
            let chunk = reader.readData(ofLength: 1)
            if chunk.isEmpty { break }
            first.append(chunk)
        }
        try reader.close()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: first, as: UTF8.self) == "# PIPELINE DEFINITION\n")
        #expect(process.terminationReason == .exit && process.terminationStatus == 141)
        #expect(errors.isEmpty, "\(String(decoding: errors, as: UTF8.self))")
    }
}
