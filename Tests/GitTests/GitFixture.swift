import Foundation
@testable import Git

/// A repository made with the git CLI (fixtures only; kf itself never runs git).
final class GitFixture {
    let path: String

    init(commits: Int = 2, bare: Bool = false) throws {
        path = FileManager.default.temporaryDirectory.appending(path: "kf-git-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git(bare ? ["init", "-q", "--bare", "-b", "main"] : ["init", "-q", "-b", "main"])
        try git(["config", "user.name", "Git Tester"])
        try git(["config", "user.email", "git@example.com"])
        for index in 0..<commits {
            try "\(index)".write(toFile: path + "/f", atomically: true, encoding: .utf8)
            try git(["add", "f"])
            try git(["commit", "-q", "-m", "commit \(index)"],
                    environment: ["GIT_COMMITTER_DATE": "2026-01-0\(index + 1)T00:00:00+0200",
                                  "GIT_AUTHOR_DATE": "2026-01-0\(index + 1)T00:00:00+0200"])
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw GitError.failed(operation: "git \(arguments)", code: -1, message: "") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
