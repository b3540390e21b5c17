import Foundation
import Resources

extension SHA256 {
    /// The digest of a file: coreutils' sha256sum when present (fast even in debug builds), else computed here.
    static func hexOfFile(_ url: URL) -> String? {
        let tool = "/usr/bin/sha256sum"
        if FileManager.default.isExecutableFile(atPath: tool) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [url.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            if (try? process.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                if process.terminationStatus == 0, let line = String(data: data, encoding: .utf8) {
                    return line.split(separator: " ").first.map(String.init)
                }
            }
        }
        return FileManager.default.contents(atPath: url.path).map { hex([UInt8]($0)) }
    }
}
