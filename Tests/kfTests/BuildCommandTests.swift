import Foundation
import Testing

/// `kf build` driven as a user runs it: the built binary on a temporary kustomization.
struct BuildCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var binary: URL { packageRoot.appendingPathComponent(".build/debug/kf") }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    static func kustomization() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "commonLabels:\n  team: a\nresources:\n- cm.yaml\n"
            .write(to: dir.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  on: \"yes\"\n"
            .write(to: dir.appendingPathComponent("cm.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func printsTheYAMLStreamAndWarnings() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            print("skipping kf build tests: \(Self.binary.path) is not built")
            return
        }
        let dir = try Self.kustomization()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(["build", dir.path])
        #expect(run.status == 0)
        #expect(run.stdout == "apiVersion: v1\ndata:\n  \"on\": \"yes\"\nkind: ConfigMap\nmetadata:\n  labels:\n    team: a\n  name: settings\n")
        #expect(run.stderr.contains("# Warning: 'commonLabels' is deprecated."))
    }

    @Test func jsonAndOutputPath() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else { return }
        let dir = try Self.kustomization()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = try Self.run(["build", dir.path, "-o", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix("{\n    \"apiVersion\": \"v1\",\n    \"items\": ["))
        let folder = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = try Self.run(["build", dir.path, "--output-path", folder.path])
        #expect(files.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["v1_configmap_settings.yaml"])
    }

    @Test func failuresAreOneLineWithExitCodes() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else { return }
        let missing = try Self.run(["build", "/nonexistent/kf-build-test"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: "))
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let plugins = try Self.run(["build", ".", "--enable-alpha-plugins"])
        #expect(plugins.status == 2)
        #expect(plugins.stderr.contains("does not run plugins"))
        let restrictor = try Self.run(["build", ".", "--load-restrictor", "Sometimes"])
        #expect(restrictor.status == 2)
    }

    /// An --output-path that cannot be written names the file and why in a few words (it used to print NSError's
    /// domain, code and user info).
    @Test func anOutputPathThatCannotBeWrittenIsNamed() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else { return }
        let dir = try Self.kustomization()
        defer { try? FileManager.default.removeItem(at: dir) }
        let under = dir.appendingPathComponent("cm.yaml/out.yaml").path
        let run = try Self.run(["build", dir.path, "--output-path", under])
        #expect(run.status == 1)
        #expect(run.stderr.hasSuffix("\nerror: cannot write \(under): Not a directory; check --output-path (an existing folder gets one file per resource)\n"),
                "\(run.stderr)")
    }
}
