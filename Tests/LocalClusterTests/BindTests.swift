import Foundation
@testable import LocalCluster
import LocalTestSupport
import Testing

/// A port that is taken is said plainly: the system's reason and errno, nothing of NIO's internal call.
struct BindTests {
    @Test func aTakenPortIsOneClearMessage() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-bind-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await InProcessServer.start(stateDirectory: folder, storeDirectory: folder.appendingPathComponent("store"),
                                                    kubeconfig: folder.appendingPathComponent("kubeconfig"))
        let port = try #require(URL(string: first.http.url)?.port)
        var message = ""
        do {
            let second = try await HTTPServer.start(api: first.api, port: port, certificateDirectory: nil)
            await second.stop()
        } catch {
            message = "\(error)"
        }
        await first.http.stop()
        #expect(message == "kf-local cannot listen on 127.0.0.1:\(port): Address already in use (errno \(EADDRINUSE)). Free the port or let kf pick one (port 0).")
    }
}
