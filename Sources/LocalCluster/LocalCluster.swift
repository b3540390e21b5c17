import Foundation
import Synchronization
import AsyncHTTPClient
import NIOSSL
import Resources
import Templates

/// How to reach a running kf-local.
public struct LocalEndpoint: Sendable, Equatable {
    public let url: String
    public let token: String
    public let kubeconfigPath: String
}

/// What `kf local status` shows.
public struct LocalStatus: Sendable {
    public let endpoint: LocalEndpoint
    public let pid: Int32
    public let version: String
    public let uptimeSeconds: Int
    public let resourceVersion: String
    public let objectCounts: [(resource: String, count: Int)]
}

/// kf-local's life for one project: its state in `.kf/`, the background server, and the kubeconfig for it.
///
/// Other commands call `ensureRunning(projectRoot:)` and talk to the returned endpoint through the Kubernetes API.
public enum LocalCluster {
    public static let contextName = "kf-local"

    public static func stateDirectory(projectRoot: URL) -> URL { projectRoot.appendingPathComponent(".kf") }
    static func storeDirectory(_ state: URL) -> URL { state.appendingPathComponent("local") }
    static func runFile(_ state: URL) -> URL { state.appendingPathComponent("local.json") }
    /// Written first thing by `kf local serve` (before the store opens) and removed last: how `down` finds a server
    /// that is still starting.
    static func pidFile(_ state: URL) -> URL { state.appendingPathComponent("local.pid") }
    static func tokenFile(_ state: URL) -> URL { state.appendingPathComponent("token") }
    static func portFile(_ state: URL) -> URL { state.appendingPathComponent("port") }
    public static func kubeconfigFile(_ state: URL) -> URL { state.appendingPathComponent("kubeconfig") }
    public static func logFile(_ state: URL) -> URL { state.appendingPathComponent("local.log") }
    public static func auditFile(_ state: URL) -> URL { state.appendingPathComponent("audit.log") }

    /// The bearer token, generated (mode 0600) at first start.
    public static func token(stateDirectory state: URL) throws -> String {
        let file = tokenFile(state)
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count >= 32 { return token }
        }
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try writePrivate(token + "\n", to: file)
        return token
    }

    public static func writePrivate(_ text: String, to file: URL) throws {
        let path = file.path
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The kubeconfig for an endpoint: one cluster, user and context named kf-local.
    public static func kubeconfig(url: String, token: String, caPEM: String?, namespace: String = "default") -> String {
        kubeconfig(url: url, user: "    token: \(token)", caPEM: caPEM, namespace: namespace)
    }

    /// The kubeconfig for an endpoint whose user authenticates with kf-local's admin client certificate
    /// (client-certificate-data and client-key-data) instead of the bearer token.
    public static func kubeconfig(url: String, clientCertificate: ClientCertificate, caPEM: String?, namespace: String = "default") -> String {
        let user = "    client-certificate-data: " + Data(clientCertificate.certificatePEM.utf8).base64EncodedString()
            + "\n    client-key-data: " + Data(clientCertificate.keyPEM.utf8).base64EncodedString()
        return kubeconfig(url: url, user: user, caPEM: caPEM, namespace: namespace)
    }

    private static func kubeconfig(url: String, user: String, caPEM: String?, namespace: String) -> String {
        let authority = caPEM.map { "\n    certificate-authority-data: " + Data($0.utf8).base64EncodedString() } ?? ""
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: \(contextName)
          cluster:
            server: \(url)\(authority)
        users:
        - name: \(contextName)
          user:
        \(user)
        contexts:
        - name: \(contextName)
          context:
            cluster: \(contextName)
            user: \(contextName)
            namespace: \(namespace)
        current-context: \(contextName)

        """
    }

    /// kf's own CRDs (templates/crds), embedded in the binary.
    public static func builtinCRDs() throws -> [String: String] {
        var result: [String: String] = [:]
        let store = TemplateStore(projectRoot: nil)
        for path in TemplateStore.embeddedPaths where path.hasPrefix("crds/") && path.hasSuffix(".yaml") {
            result[path] = try store.template(path).text
        }
        return result
    }

    // MARK: Serving (the background process)

    struct RunState: Codable {
        var pid: Int32
        var port: Int
        var url: String
        var startedAt: String
        /// The process's start time (clock ticks after boot, Linux), so a reused pid is never taken for it.
        var startTime: UInt64?
    }

    /// The serving process as `.kf/local.pid` names it.
    struct ServerProcess: Codable {
        var pid: Int32
        var startTime: UInt64?
    }

    /// Runs kf-local in the foreground until SIGTERM or SIGINT: opens the store, installs kf's CRDs, listens on
    /// 127.0.0.1, writes `.kf/local.json` and `.kf/kubeconfig`, then runs `agents` (the node agent, the
    /// controllers) as clients of the server. On stop the agents are cancelled and awaited before the server closes.
    ///
    /// SIGTERM is handled from the first moment (before the store opens), and `.kf/local.pid` names the process
    /// from then on: a stop that comes while the server is still starting ends it as soon as the start finishes,
    /// without starting the agents.
    public static func serve(projectRoot: URL, port requestedPort: Int? = nil, agents: [any LocalAgent] = []) async throws {
        let state = stateDirectory(projectRoot: projectRoot)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        signal(SIGHUP, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let (stopped, stop) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let requested = Mutex(false)
        let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                requested.withLock { $0 = true }
                stop.yield()
                stop.finish()
            }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        let me = ServerProcess(pid: getpid(), startTime: ProcessStat(pid: getpid())?.startTime)
        try JSONEncoder().encode(me).write(to: pidFile(state), options: .atomic)
        defer { removeIfOurs(pidFile(state), pid: me.pid) }
        try await serveStarted(projectRoot: projectRoot, state: state, port: requestedPort, agents: agents, me: me,
                               stopped: stopped, requested: { requested.withLock { $0 } })
    }

    private static func serveStarted(projectRoot: URL, state: URL, port requestedPort: Int?, agents: [any LocalAgent],
                                     me: ServerProcess, stopped: AsyncStream<Void>, requested: () -> Bool) async throws {
        let token = try token(stateDirectory: state)
        let api = try APIServer(stateDirectory: storeDirectory(state), token: token, auditLog: auditFile(state))
        try api.installCRDs(try builtinCRDs())
        let preferred = requestedPort ?? (try? String(contentsOf: portFile(state), encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        let server: HTTPServer
        do {
            server = try await HTTPServer.start(api: api, port: preferred, certificateDirectory: state)
        } catch where preferred != 0 && requestedPort == nil {
            server = try await HTTPServer.start(api: api, port: 0, certificateDirectory: state)
        }
        if requested() {
            // Stopped while starting: nothing was announced, no agent started.
            await server.stop()
            FileHandle.standardError.write(Data("kf-local: stopped while starting\n".utf8))
            return
        }
        try String(server.port).write(to: portFile(state), atomically: true, encoding: .utf8)
        try writePrivate(kubeconfig(url: server.url, token: token, caPEM: server.caPEM), to: kubeconfigFile(state))
        let run = RunState(pid: me.pid, port: server.port, url: server.url, startedAt: APIServer.timestamp(),
                           startTime: me.startTime)
        try JSONEncoder().encode(run).write(to: runFile(state), options: .atomic)
        FileHandle.standardError.write(Data("kf-local: serving \(server.url) for \(projectRoot.path)\n".utf8))
        let context = LocalAgentContext(projectRoot: projectRoot, stateDirectory: state,
                                        kubeconfigPath: kubeconfigFile(state).path,
                                        endpoint: LocalEndpoint(url: server.url, token: token, kubeconfigPath: kubeconfigFile(state).path))
        let agentsTask = Task { await runAgents(agents, context: context) }
        // Events expire as the real API server's do (--event-ttl): at start, then every minute.
        let eventExpiry = Task {
            while !Task.isCancelled {
                api.expireEvents()
                try? await Task.sleep(for: .seconds(60))
            }
        }
        for await _ in stopped { break }
        eventExpiry.cancel()
        agentsTask.cancel()
        await agentsTask.value
        try? FileManager.default.removeItem(at: runFile(state))
        // Clients still connected (a burst of requests, open watches) hold the graceful stop for 5 s at most. A task
        // group would wait for its stopping child whatever the sleep said (the stop does not answer cancellation),
        // so the two race on one continuation and the loser is left behind: the process exits right after.
        await firstOf({ await server.stop() }, { try? await Task.sleep(for: .seconds(5)) })
        FileHandle.standardError.write(Data("kf-local: stopped\n".utf8))
    }

    /// Waits for whichever of two operations finishes first and returns without waiting for the other.
    static func firstOf(_ first: @escaping @Sendable () async -> Void, _ second: @escaping @Sendable () async -> Void) async {
        final class Once: Sendable {
            let resumed = Mutex(false)
            /// True for the first caller only.
            func claim() -> Bool { resumed.withLock { done in defer { done = true }; return !done } }
        }
        let once = Once()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            for operation in [first, second] {
                Task {
                    await operation()
                    if once.claim() { continuation.resume() }
                }
            }
        }
    }

    static func removeIfOurs(_ file: URL, pid: Int32) {
        guard let data = try? Data(contentsOf: file), let named = try? JSONDecoder().decode(ServerProcess.self, from: data),
              named.pid == pid else { return }
        try? FileManager.default.removeItem(at: file)
    }

    // MARK: Controlling it from other commands

    static func readRunState(_ state: URL) -> RunState? {
        guard let data = try? Data(contentsOf: runFile(state)) else { return nil }
        return try? JSONDecoder().decode(RunState.self, from: data)
    }

    static func isAlive(_ pid: Int32) -> Bool { ProcessStat.isRunning(pid) }

    /// The serving process of this project, running or starting: the run file's, else the pid file's.
    static func serverProcess(_ state: URL) -> ServerProcess? {
        if let run = readRunState(state), ProcessStat.isRunning(run.pid, startTime: run.startTime) {
            return ServerProcess(pid: run.pid, startTime: run.startTime)
        }
        if let data = try? Data(contentsOf: pidFile(state)), let named = try? JSONDecoder().decode(ServerProcess.self, from: data),
           ProcessStat.isRunning(named.pid, startTime: named.startTime) {
            return named
        }
        return nil
    }

    /// How a stop went.
    public enum StopOutcome: Sendable, Equatable {
        /// Nothing was running.
        case notRunning
        /// It exited after SIGTERM within the grace period.
        case stopped
        /// It was still running after the grace period and was killed (SIGKILL): its container processes may
        /// have outlived it (the caller kills what the node agent recorded).
        case killed
    }

    /// SIGTERM, then waits up to `grace` seconds for the process to exit; SIGKILL after that, and waits up to 5 s
    /// more. Throws when even SIGKILL did not end it.
    static func stopProcess(_ server: ServerProcess, grace: TimeInterval) async throws -> StopOutcome {
        func running() -> Bool { ProcessStat.isRunning(server.pid, startTime: server.startTime) }
        guard running() else { return .notRunning }
        kill(server.pid, SIGTERM)
        if await waitForExit(running, seconds: grace) { return .stopped }
        kill(server.pid, SIGKILL)
        if await waitForExit(running, seconds: 5) { return .killed }
        throw LocalClusterError.stopFailed(pid: server.pid, detail: "still running \(Int(grace)) seconds after SIGTERM and 5 seconds after SIGKILL")
    }

    private static func waitForExit(_ running: () -> Bool, seconds: TimeInterval) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while running() {
            if Date() >= deadline { return false }
            // Never cut short: a cancelled caller still waits the bounded time out.
            do { try await Task.sleep(for: .milliseconds(20)) } catch { usleep(20_000) }
        }
        return true
    }

    /// GET a path on a running kf-local, trusting only its CA; nil when it does not answer.
    static func get(_ url: String, path: String, token: String, caPEM: String?, timeout: TimeInterval = 2) async -> (Int, [UInt8])? {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caPEM, let ca = try? NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem) {
            tls.trustRoots = .certificates([ca])
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .milliseconds(Int64(timeout * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var request = HTTPClientRequest(url: url + path)
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        var result: (Int, [UInt8])?
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            result = (Int(response.status.code), Array(body.readableBytesView))
        } catch {
            result = nil
        }
        try? await client.shutdown()
        return result
    }

    static func caPEM(_ state: URL) -> String? {
        try? String(contentsOf: state.appendingPathComponent("ca.crt"), encoding: .utf8)
    }

    /// The endpoint kf-local recorded when it started, when its process is alive (not asked whether it is ready).
    public static func recordedEndpoint(projectRoot: URL) -> LocalEndpoint? {
        let state = stateDirectory(projectRoot: projectRoot)
        guard let run = readRunState(state), isAlive(run.pid), let token = try? token(stateDirectory: state) else { return nil }
        return LocalEndpoint(url: run.url, token: token, kubeconfigPath: kubeconfigFile(state).path)
    }

    /// The endpoint when kf-local is running and ready for this project.
    public static func runningEndpoint(projectRoot: URL) async -> LocalEndpoint? {
        let state = stateDirectory(projectRoot: projectRoot)
        guard let run = readRunState(state), isAlive(run.pid), let token = try? token(stateDirectory: state) else { return nil }
        guard let (code, _) = await get(run.url, path: "/readyz", token: token, caPEM: caPEM(state)), code == 200 else { return nil }
        return LocalEndpoint(url: run.url, token: token, kubeconfigPath: kubeconfigFile(state).path)
    }

    /// This process's executable, to start `kf local serve` from.
    public static func currentExecutable() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }

    /// Starts kf-local in the background (unless it runs already) and waits until it is ready.
    @discardableResult
    public static func ensureRunning(projectRoot: URL, executable: URL = currentExecutable(), timeout: TimeInterval = 30) async throws -> LocalEndpoint {
        if let endpoint = await runningEndpoint(projectRoot: projectRoot) { return endpoint }
        let state = stateDirectory(projectRoot: projectRoot)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        if let stale = readRunState(state), !isAlive(stale.pid) { try? FileManager.default.removeItem(at: runFile(state)) }
        let log = logFile(state)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["local", "serve", "--project", projectRoot.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        do { try process.run() } catch {
            throw LocalClusterError.startFailed(detail: "cannot run \(executable.path): \(error)", log: log.path)
        }
        let deadline = Date().addingTimeInterval(timeout)
        var failure: LocalClusterError?
        while Date() < deadline {
            if !process.isRunning {
                failure = .startFailed(detail: "the server exited with status \(process.terminationStatus)", log: log.path)
                break
            }
            if let endpoint = await runningEndpoint(projectRoot: projectRoot) { return endpoint }
            do { try await Task.sleep(for: .milliseconds(50)) } catch { break }
        }
        // Not ready in time (or the caller gave up): the server started here is stopped, never left behind.
        if process.isRunning {
            _ = try? await stopProcess(ServerProcess(pid: process.processIdentifier,
                                                     startTime: ProcessStat(pid: process.processIdentifier)?.startTime),
                                       grace: 10)
        }
        if Task.isCancelled { throw CancellationError() }
        throw failure ?? .startFailed(detail: "not ready after \(Int(timeout)) seconds", log: log.path)
    }

    /// Stops the background server, also while it is still starting: SIGTERM, then SIGKILL when it has not exited
    /// after `grace` seconds. It returns once the process is gone; `leftovers` is then called with the state folder
    /// to kill any container process the server recorded and could not stop (the node agent's registry).
    @discardableResult
    public static func down(projectRoot: URL, grace: TimeInterval = 30,
                            leftovers: @Sendable (URL) -> Void = { _ in }) async throws -> StopOutcome {
        let state = stateDirectory(projectRoot: projectRoot)
        var outcome = StopOutcome.notRunning
        if let server = serverProcess(state) {
            outcome = try await stopProcess(server, grace: grace)
        }
        try? FileManager.default.removeItem(at: runFile(state))
        try? FileManager.default.removeItem(at: pidFile(state))
        leftovers(state)
        return outcome
    }

    /// Stops the server and deletes its store (the token and port stay, so kubeconfigs keep working).
    public static func reset(projectRoot: URL, leftovers: @Sendable (URL) -> Void = { _ in }) async throws {
        _ = try await down(projectRoot: projectRoot, leftovers: leftovers)
        let state = stateDirectory(projectRoot: projectRoot)
        let store = storeDirectory(state)
        if FileManager.default.fileExists(atPath: store.path) { try FileManager.default.removeItem(at: store) }
    }

    /// Status of the running server, or nil when it is not running.
    public static func status(projectRoot: URL) async -> LocalStatus? {
        let state = stateDirectory(projectRoot: projectRoot)
        guard let endpoint = await runningEndpoint(projectRoot: projectRoot), let run = readRunState(state) else { return nil }
        guard let (code, data) = await get(endpoint.url, path: "/kf/status", token: endpoint.token, caPEM: caPEM(state)), code == 200,
              let document = try? JSON.parse(data).value else { return nil }
        var counts: [(String, Int)] = []
        for (key, value) in document["objects"]?.mapping?.pairs ?? Mapping().pairs { counts.append((key, value.intValue ?? 0)) }
        return LocalStatus(endpoint: endpoint, pid: run.pid, version: document.string(at: "version") ?? "",
                           uptimeSeconds: document["uptimeSeconds"]?.intValue ?? 0,
                           resourceVersion: document.string(at: "resourceVersion") ?? "", objectCounts: counts)
    }

    /// A kubeconfig for this project's running kf-local whose user authenticates with the admin client
    /// certificate (`kf local kubeconfig --client-cert`).
    public static func clientCertificateKubeconfigText(projectRoot: URL) throws -> String {
        let state = stateDirectory(projectRoot: projectRoot)
        guard let run = readRunState(state), let certificate = ServerCertificates.clientCertificate(in: state) else {
            throw LocalClusterError.notRunning(stateDirectory: state.path)
        }
        return kubeconfig(url: run.url, clientCertificate: certificate, caPEM: caPEM(state))
    }

    /// The kubeconfig text for this project's kf-local (starting nothing): from `.kf/kubeconfig` when written.
    public static func kubeconfigText(projectRoot: URL) throws -> String {
        let file = kubeconfigFile(stateDirectory(projectRoot: projectRoot))
        do { return try String(contentsOf: file, encoding: .utf8) } catch {
            throw LocalClusterError.notRunning(stateDirectory: stateDirectory(projectRoot: projectRoot).path)
        }
    }
}
