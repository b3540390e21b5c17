import Foundation
import Testing

/// Every script of both examples, run by a python that has none of their packages (`-S`: no site-packages), says
/// in one line how to create the project's venv instead of a traceback.
struct ExampleScriptsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../..").standardized

    @Test(arguments: ["digits", "recommender"])
    func aMissingPackageSaysHowToCreateTheVenv(_ example: String) throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            print("skipping: no python3 on this machine")
            return
        }
        let source = Self.root.appending(path: "templates/examples/\(example)/src")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".py") }.sorted()
        #expect(!scripts.isEmpty)
        for script in scripts {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-S", script, "--help"]
            process.currentDirectoryURL = source
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(example)/\(script): \(text)")
            #expect(text.contains("is not installed for") && text.contains("pip install -r requirements.txt"), "\(example)/\(script): \(text)")
            #expect(!text.contains("Traceback"), "\(example)/\(script): \(text)")
        }
    }
}
