import Foundation
import Testing

/// The result of running a program.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program with extra environment, capturing its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env["GTO_EMOJIS"] = "false"
    env["COLUMNS"] = "200"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
               stderr: String(decoding: errData, as: UTF8.self))
}

/// Paths of the tools the registry tests drive.
enum Tools {
    /// The package root (two levels above this file's folder).
    static let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The built kf binary, next to the test bundle (e.g. .build/debug/kf).
    static var kf: String? {
        var candidates: [String] = []
        if let bundle = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: bundle).deletingLastPathComponent().appending(path: "kf").path)
        }
        candidates.append(packageRoot + "/.build/debug/kf")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The real gto, installed by scripts/install-tools.sh.
    static var gto: String? {
        let path = packageRoot + "/.tools/venv/bin/gto"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static let git = "/usr/bin/git"
}

/// A throwaway git repository made with the git CLI (the tests' fixture tool), with fixed commit dates.
final class ScratchRepo {
    let path: String
    let cache: String

    init(commits: Int = 3, bare: Bool = false) throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-registry-\(UUID().uuidString)").path
        path = base + "/repo"
        cache = base + "/cache"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git(bare ? ["init", "-q", "--bare", "-b", "main"] : ["init", "-q", "-b", "main"])
        try git(["config", "user.name", "Reg Tester"])
        try git(["config", "user.email", "reg@example.com"])
        for index in 0..<commits { try commit("c\(index + 1)", day: index + 1) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    func commit(_ message: String, day: Int) throws {
        try message.write(toFile: path + "/file.txt", atomically: true, encoding: .utf8)
        try git(["add", "file.txt"])
        let date = String(format: "2026-01-%02dT12:00:00Z", min(day, 28))
        try git(["commit", "-q", "-m", message], environment: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
    }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(Tools.git, arguments, in: path, environment: environment)
        guard result.status == 0 else {
            throw ScratchError.failed("git \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return result.stdout
    }

    /// Runs the built kf in this repository, with its own cache folder.
    @discardableResult
    func kf(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        guard let kf = Tools.kf else { throw ScratchError.failed("the kf binary is not built; run `swift build` first") }
        var env = environment
        env["XDG_CACHE_HOME"] = cache
        return try run(kf, arguments, in: path, environment: env)
    }

    @discardableResult
    func gto(_ arguments: [String]) throws -> Run {
        guard let gto = Tools.gto else { throw ScratchError.failed("gto is not installed") }
        return try run(gto, arguments, in: path)
    }

    /// Every reference with its value (tags, notes, branches): what "nothing half-written" compares.
    func references() throws -> String {
        try git(["for-each-ref", "--format=%(refname) %(objectname)"])
    }

    /// Tag names with their object type and message, byte for byte.
    func tagDump() throws -> String {
        var out = ""
        for tag in try git(["tag", "--list"]).split(separator: "\n") {
            let raw = try git(["cat-file", "-p", "refs/tags/" + tag])
            let message = raw.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
            out += "\(tag) \(try git(["cat-file", "-t", "refs/tags/" + tag]).trimmingCharacters(in: .newlines)) "
            out += "\(try git(["rev-parse", "refs/tags/\(tag)^{commit}"]).trimmingCharacters(in: .newlines)) [\(message)]\n"
        }
        return out
    }
}

enum ScratchError: Error, CustomStringConvertible {
    case failed(String)
    var description: String { if case let .failed(text) = self { return text }; return "" }
}
