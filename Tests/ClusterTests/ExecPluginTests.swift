import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

@Suite(.serialized) struct ExecPluginTests {
    /// Writes a plugin script that counts its runs, saves KUBERNETES_EXEC_INFO and prints a token that expires
    /// at `expiry` (an RFC 3339 time, or empty for none).
    func plugin(in folder: TemporaryFolder, apiVersion: String = "client.authentication.k8s.io/v1",
                expiry: String, output: String? = nil, exitCode: Int = 0) throws -> String {
        let status = expiry.isEmpty ? #"{"token":"tok-$n"}"# : #"{"token":"tok-$n","expirationTimestamp":"\#(expiry)"}"#
        let body = output ?? #"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","status":\#(status)}"#
        return try folder.write("plugin.sh", """
            #!/bin/sh
            n=$(( $(cat "\(folder.path)/runs" 2>/dev/null || echo 0) + 1 ))
            echo $n > "\(folder.path)/runs"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(folder.path)/exec-info.json"
            printf '%s' "$PLUGIN_GREETING" > "\(folder.path)/env"
            cat <<EOF
            \(body)
            EOF
            exit \(exitCode)
            """, mode: 0o755)
    }

    func runs(_ folder: TemporaryFolder) -> Int {
        Int((try? String(contentsOfFile: folder.path + "/runs", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    func stamp(_ offset: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date().addingTimeInterval(offset))
    }

    @Test func cachesTheCredentialUntilItExpires() async throws {
        let folder = try TemporaryFolder()
        let command = try plugin(in: folder, expiry: stamp(3600))
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let configuration = ExecCredentialPlugin.Configuration(command: command, env: [("PLUGIN_GREETING", "hi")],
                                                               clusterInfo: .mapping(Mapping([("server", .string(server.url))])),
                                                               userName: "robot")
        let client = ClusterClient(config: ClusterConfig(server: server.url, credentials: .exec(configuration)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await client.request("GET", "/api") } }
            try await group.waitForAll()
        }
        _ = try await client.request("GET", "/api")
        #expect(runs(folder) == 1)
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Bearer tok-1" })
        let info = try ValueJSON.decode(String(contentsOfFile: folder.path + "/exec-info.json", encoding: .utf8))
        #expect(info["kind"] == .string("ExecCredential"))
        #expect(info["apiVersion"] == .string("client.authentication.k8s.io/v1"))
        #expect(info["spec"]?["interactive"] == .bool(false))
        #expect(info["spec"]?["cluster"]?["server"] == .string(server.url))
        #expect(try String(contentsOfFile: folder.path + "/env", encoding: .utf8) == "hi")
    }

    @Test func anExpiredCredentialIsFetchedAgain() async throws {
        let folder = try TemporaryFolder()
        let command = try plugin(in: folder, apiVersion: "client.authentication.k8s.io/v1beta1", expiry: stamp(-60))
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let configuration = ExecCredentialPlugin.Configuration(command: command,
                                                               apiVersion: "client.authentication.k8s.io/v1beta1")
        let client = ClusterClient(config: ClusterConfig(server: server.url, credentials: .exec(configuration)))
        _ = try await client.request("GET", "/api")
        _ = try await client.request("GET", "/api")
        #expect(runs(folder) == 2)
        #expect(server.requests.map { $0.header("Authorization") } == ["Bearer tok-1", "Bearer tok-2"])
    }

    @Test func a401AsksThePluginAgainOnce() async throws {
        let folder = try TemporaryFolder()
        let command = try plugin(in: folder, expiry: "")
        let server = try TestHTTPServer { request in
            request.header("Authorization") == "Bearer tok-1"
                ? .json(401, #"{"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"}"#)
                : .json(200, #"{"ok":true}"#)
        }
        let client = ClusterClient(config: ClusterConfig(server: server.url,
                                                         credentials: .exec(.init(command: command, userName: "robot"))))
        #expect(try await client.request("GET", "/api")["ok"] == .bool(true))
        #expect(runs(folder) == 2)
    }

    @Test func pluginFailuresAreClear() async throws {
        let folder = try TemporaryFolder()
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let failing = try plugin(in: folder, expiry: "", exitCode: 3)
        let client = ClusterClient(config: ClusterConfig(server: server.url, credentials: .exec(
            .init(command: failing, installHint: "install it with: brew install thing", userName: "robot"))))
        do {
            _ = try await client.request("GET", "/api")
            Issue.record("a failing plugin was accepted")
        } catch {
            #expect(error.description.contains("exec credential plugin \(failing) for user \"robot\" failed"))
            #expect(error.description.contains("exited with status 3"))
            #expect(error.description.contains("brew install thing"))
        }
        // A plugin path that does not exist says so in a few words (it was Foundation's "The operation could not be
        // completed. The file doesn't exist.").
        let absent = ClusterClient(config: ClusterConfig(server: server.url, credentials: .exec(.init(command: folder.path + "/none"))))
        do {
            _ = try await absent.request("GET", "/api")
            Issue.record("a missing plugin was accepted")
        } catch {
            #expect(error.description.contains("cannot start it (no such file or folder)"), "\(error.description)")
        }
        let wrongKind = try plugin(in: folder, expiry: "", output: #"{"kind":"Nope","apiVersion":"client.authentication.k8s.io/v1"}"#)
        let second = ClusterClient(config: ClusterConfig(server: server.url, credentials: .exec(.init(command: wrongKind))))
        await #expect(throws: ClusterError.self) { try await second.request("GET", "/api") }
        #expect(server.requests.isEmpty)

        let always = ExecPluginTestsAlways()
        await always.check(command: wrongKind)
    }

    @Test func provideClusterInfoSendsTheClusterAndItsExecExtension() async throws {
        let folder = try TemporaryFolder()
        _ = try plugin(in: folder, expiry: "")
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let path = try folder.write("config", """
            current-context: c
            clusters:
            - name: c
              cluster:
                server: \(server.url)
                tls-server-name: api.internal
                extensions:
                - name: client.authentication.k8s.io/exec
                  extension: {audience: kf, retries: 3}
            contexts: [{name: c, context: {cluster: c, user: u}}]
            users:
            - name: u
              user:
                exec:
                  command: ./plugin.sh
                  apiVersion: client.authentication.k8s.io/v1
                  interactiveMode: Never
                  provideClusterInfo: true
            """)
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: path), environment: [:])
        _ = try await ClusterClient(config: config).request("GET", "/api")
        let info = try ValueJSON.decode(String(contentsOfFile: folder.path + "/exec-info.json", encoding: .utf8))
        let cluster = try #require(info["spec"]?["cluster"])
        #expect(cluster["server"] == .string(server.url))
        #expect(cluster["tls-server-name"] == .string("api.internal"))
        #expect(cluster["config"]?["audience"] == .string("kf"))
        #expect(cluster["config"]?["retries"] == .int(3))
        #expect(server.requests.first?.header("Authorization") == "Bearer tok-1")
    }

    @Test func kubeconfigExecEntriesAreValidated() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("config", """
            current-context: c
            clusters: [{name: c, cluster: {server: "https://k"}}]
            contexts: [{name: c, context: {cluster: c, user: u}}]
            users:
            - name: u
              user:
                exec: {command: plugin, apiVersion: client.authentication.k8s.io/v1}
            """)
        do {
            _ = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: path), environment: [:])
            Issue.record("accepted a v1 exec entry without interactiveMode")
        } catch {
            #expect(error.description.contains("users[u]"))
            #expect(error.description.contains("exec.interactiveMode"))
        }
    }
}

/// interactiveMode Always refuses to run without a terminal.
struct ExecPluginTestsAlways {
    func check(command: String) async {
        let plugin = ExecCredentialPlugin(.init(command: command, interactiveMode: "Always", userName: "robot"),
                                          stdinIsTerminal: { false })
        do {
            _ = try await plugin.credential()
            Issue.record("ran an Always-interactive plugin without a terminal")
        } catch {
            #expect(error.description.contains("not a terminal"))
        }
        #expect(await plugin.runs == 0)
    }
}
