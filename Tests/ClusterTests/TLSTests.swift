import Foundation
import Testing
import Resources
@testable import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// TLS against `openssl s_server` with a CA, a server certificate and client certificates made by openssl here.
@Suite(.serialized) struct TLSTests {
    final class PKI: @unchecked Sendable {
        let folder: TemporaryFolder
        let openssl: String

        init?() throws {
            guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            }) else {
                print("skipping TLS tests: openssl is not installed")
                return nil
            }
            self.openssl = openssl
            folder = try TemporaryFolder()
            try folder.write("server.ext", "subjectAltName=DNS:kf-test.local\n")
            try folder.write("client.ext", "extendedKeyUsage=clientAuth\n")
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
                     "-subj", "/CN=kf-test-ca"])
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt",
                     "-days", "1", "-subj", "/CN=kf-other-ca"])
            for (name, subject) in [("server", "/CN=kf-test.local"), ("client", "/CN=kf-user/O=kf-team")] {
                try run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr",
                         "-subj", subject])
                try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", "1", "-extfile", "\(name).ext"])
            }
        }

        func run(_ arguments: [String]) throws {
            let result = try runProcess(openssl, arguments, directory: folder.path)
            guard result.status == 0 else {
                throw ClusterError.invalidObject(reason: "openssl \(arguments.joined(separator: " ")): \(result.stderr)")
            }
        }

        func bytes(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path + "/" + name)))
        }
    }

    /// openssl s_server answering GET / with its status page; requires a client certificate when asked to.
    final class TLSServer: @unchecked Sendable {
        let process: Process
        let port: Int

        /// Starts s_server on a free port and waits until it listens. The port is free when chosen but s_server
        /// binds it a moment later, when something else may have taken it: s_server then exits, and another port is
        /// tried.
        init(pki: PKI, requireClientCertificate: Bool) throws {
            var attempts: [String] = []
            for _ in 0..<5 {
                let port = try Self.freePort()
                let process = Process()
                process.executableURL = URL(fileURLWithPath: pki.openssl)
                var arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", "server.crt", "-key", "server.key",
                                 "-www", "-quiet"]
                if requireClientCertificate { arguments += ["-CAfile", "ca.crt", "-Verify", "1"] }
                process.arguments = arguments
                process.currentDirectoryURL = URL(fileURLWithPath: pki.folder.path)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                process.standardInput = FileHandle.nullDevice
                try process.run()
                // Wait until it listens (20 s: openssl starts in well under a second alone, CI's cores are shared),
                // or exits because it could not bind.
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && !Self.canConnect(port) && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                if process.isRunning && Self.canConnect(port) {
                    (self.process, self.port) = (process, port)
                    return
                }
                attempts.append("port \(port): " + (process.isRunning ? "not listening after 20 s" : "exited with \(process.terminationStatus)"))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
            throw ClusterError.invalidObject(reason: "openssl s_server did not start: \(attempts.joined(separator: "; "))")
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard ok else { throw POSIXError(.EADDRINUSE) }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func canConnect(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }

    func get(_ config: ClusterConfig) async throws(ClusterError) -> HTTPResponse {
        let transport = Transport(config: config, retry: .none, connectTimeout: .seconds(5))
        return try await transport.send(HTTPRequest(method: "GET", url: config.server + "/", timeout: .seconds(10)))
    }

    @Test func clientCertificateCAAndServerName() async throws {
        guard let pki = try PKI() else { return }
        let server = try TLSServer(pki: pki, requireClientCertificate: true)
        var config = ClusterConfig(server: "https://127.0.0.1:\(server.port)")
        config.tls.certificateAuthorityData = try pki.bytes("ca.crt")
        config.tls.serverName = "kf-test.local"
        config.tls.clientCertificateData = try pki.bytes("client.crt")
        config.tls.clientKeyData = try pki.bytes("client.key")
        let response = try await get(config)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Ciphers"))

        // Without the client certificate the server refuses the handshake.
        var anonymous = config
        anonymous.tls.clientCertificateData = nil
        anonymous.tls.clientKeyData = nil
        await #expect(throws: ClusterError.self) { try await get(anonymous) }
    }

    @Test func verificationIsOnByDefault() async throws {
        guard let pki = try PKI() else { return }
        let server = try TLSServer(pki: pki, requireClientCertificate: false)
        var config = ClusterConfig(server: "https://127.0.0.1:\(server.port)")
        config.tls.serverName = "kf-test.local"

        // A CA that did not sign the server's certificate.
        config.tls.certificateAuthorityData = try pki.bytes("other-ca.crt")
        do {
            _ = try await get(config)
            Issue.record("trusted a certificate from an unknown CA")
        } catch {
            guard case let .transport(_, _, kind, _, _) = error else { Issue.record("\(error)"); return }
            #expect(kind == .tls)
        }

        // The right CA, but the certificate does not name 127.0.0.1: without tls-server-name the check fails.
        config.tls.certificateAuthorityData = try pki.bytes("ca.crt")
        var noName = config
        noName.tls.serverName = nil
        await #expect(throws: ClusterError.self) { try await get(noName) }
        #expect(try await get(config).status == 200)

        // insecure-skip-tls-verify turns the checks off.
        var insecure = ClusterConfig(server: "https://127.0.0.1:\(server.port)")
        insecure.tls.insecureSkipVerify = true
        #expect(try await get(insecure).status == 200)
    }

    @Test func kubeconfigWithCertificateFilesReachesTheServer() async throws {
        guard let pki = try PKI() else { return }
        let server = try TLSServer(pki: pki, requireClientCertificate: true)
        let path = try pki.folder.write("kubeconfig", """
            current-context: tls
            clusters:
            - name: tls
              cluster:
                server: https://127.0.0.1:\(server.port)
                certificate-authority: ca.crt
                tls-server-name: kf-test.local
            users:
            - name: cert-user
              user: {client-certificate: client.crt, client-key: client.key}
            contexts:
            - name: tls
              context: {cluster: tls, user: cert-user}
            """)
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: path), environment: [:])
        #expect(try await get(config).status == 200)
    }
}
