import Cluster
import Foundation
import Resources
import Git
import Templates
import Yams

/// kf's own version.
public enum KfVersion {
    public static let current = "0.1.0"
}

/// `kf version` with no arguments: what the client is and what it was built with, like `kubectl version --client`.
public struct ClientVersion: Sendable, Equatable {
    public let gitVersion: String
    public let gitCommit: String
    public let gitTreeState: String
    public let buildDate: String
    public let swiftVersion: String
    public let libgit2Version: String
    public let libcurlVersion: String
    public let platform: String

    public static func current() -> ClientVersion {
        ClientVersion(gitVersion: "v" + KfVersion.current, gitCommit: BuildInfo.gitCommit,
                      gitTreeState: BuildInfo.gitTreeState, buildDate: BuildInfo.buildDate,
                      swiftVersion: BuildInfo.swiftVersion, libgit2Version: Libgit2.version,
                      libcurlVersion: Libcurl.version, platform: platformName)
    }

    /// The fields in kubectl's order, with kubectl's JSON names.
    public var fields: [(String, String)] {
        let parts = KfVersion.current.split(separator: ".")
        return [("major", String(parts[0])), ("minor", String(parts[1])), ("gitVersion", gitVersion),
                ("gitCommit", gitCommit), ("gitTreeState", gitTreeState), ("buildDate", buildDate),
                ("swiftVersion", swiftVersion), ("libgit2Version", libgit2Version),
                ("libcurlVersion", libcurlVersion), ("platform", platform)]
    }

    /// The `-o yaml|json` document: {clientVersion: {...}}.
    public var node: Node {
        Node([(Node("clientVersion"), Node(fields.map { (Node($0.0), Node($0.1, Tag(.str), .doubleQuoted)) }))])
    }

    /// The human-readable lines.
    public var lines: [String] {
        ["Client Version: \(gitVersion)", "Git Commit: \(gitCommit) (\(gitTreeState))", "Build Date: \(buildDate)",
         "Swift Version: \(swiftVersion)", "libgit2 Version: \(libgit2Version)", "libcurl Version: \(libcurlVersion)",
         "Platform: \(platform)"]
    }

    static var platformName: String {
        #if os(Linux)
        let system = "linux"
        #elseif os(macOS)
        let system = "darwin"
        #else
        let system = "unknown"
        #endif
        #if arch(x86_64)
        return system + "/amd64"
        #elseif arch(arm64)
        return system + "/arm64"
        #else
        return system + "/unknown"
        #endif
    }
}

/// The server half of `kf version`: the current context's /version, when it can be reached quickly.
public enum ServerVersionQuery {
    /// The server's version, or why it could not be read. A stopped kf-local is not started for this.
    public static func fetch(_ connection: ClusterConnection, logger: RequestLogger? = nil,
                             timeout: Duration = .seconds(3)) async -> Result<ServerVersion, Error> {
        do {
            let client = try await connection.client(startLocal: false, logger: logger)
            return .success(try await client.serverVersion(timeout: timeout))
        } catch {
            return .failure(error)
        }
    }

    /// `serverVersion` for -o json|yaml, from the server's own answer (string fields, in its order).
    public static func node(_ version: ServerVersion) -> Node {
        var pairs: [(Node, Node)] = []
        for (key, value) in version.raw.mapping?.pairs ?? Mapping().pairs {
            if let text = value.text { pairs.append((Node(key), Node(text, Tag(.str), .doubleQuoted))) }
        }
        return Node(pairs)
    }
}
