import Foundation
import Resources
@testable import Cluster

/// A temporary folder removed when the value is released.
final class TemporaryFolder: @unchecked Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kf-cluster-tests-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int? = nil) throws -> String {
        let full = (path as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full) }
        return full
    }
}

/// The package root (two levels above this file's folder).
let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}()

/// A peer tool from .tools/venv, or nil with the reason printed.
func peerTool(_ name: String) -> String? {
    let path = packageRoot + "/.tools/venv/bin/" + name
    if FileManager.default.isExecutableFile(atPath: path) { return path }
    print("skipping: \(path) is absent (run scripts/install-tools.sh)")
    return nil
}

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errData = DispatchQueue.global()
    nonisolated(unsafe) var errBytes = Data()
    let group = DispatchGroup()
    group.enter()
    errData.async {
        errBytes = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outBytes = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outBytes, as: UTF8.self),
                         stderr: String(decoding: errBytes, as: UTF8.self))
}

/// A canonical text of a value with mapping keys sorted, for order-insensitive comparison.
func canonical(_ value: Value) -> String {
    switch value {
    case let .mapping(mapping):
        let keys = mapping.keys.sorted()
        return "{" + keys.map { ValueJSON.encode(.string($0)) + ":" + canonical(mapping[$0] ?? .null) }.joined(separator: ",") + "}"
    case let .sequence(items):
        return "[" + items.map(canonical).joined(separator: ",") + "]"
    case .scalar:
        return ValueJSON.encode(value)
    }
}
