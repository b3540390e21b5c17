import Actions
import Cluster
import Foundation
import Pipelines
import Resources
import Testing

/// kf's requests to a KFP API server (v2beta1), against a fake that parses every body with kfp_server_api's models,
/// compared with the requests the real kfp.Client makes for the same operations.
@Suite struct KFPPipelineActionTests {
    /// The one request with this method whose path matches.
    static func request(_ records: [Value], _ method: String, _ path: String) throws -> Value {
        let found = records.filter { $0["method"]?.text == method && $0["path"]?.text == path }
        #expect(found.count == 1, "\(method) \(path) in \(records.map { ($0["method"]?.text ?? "") + " " + ($0["path"]?.text ?? "") })")
        return try #require(found.first)
    }

    static func keys(_ value: Value?) -> [String] { value?.mapping?.keys.sorted() ?? [] }

    /// Every recorded request parsed (the fake records a parse error as `error`).
    static func expectParsed(_ records: [Value]) {
        for record in records {
            #expect(record["error"] == nil, "\(record["method"]?.text ?? "") \(record["path"]?.text ?? ""): \(record["error"]?.text ?? "")")
        }
    }

    @Test func uploadMatchesKfpClient() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let path = try files.write("linear.yaml", PipelineFiles.ir)

        let uploaded = try await fake.action().upload(path, name: "from-kf")
        #expect(uploaded.created && !uploaded.unchanged)
        #expect(uploaded.versionID != nil)
        let mine = try await fake.requests()
        try await fake.reset()
        _ = try fake.kfpClient(["upload", path, "from-kfp"])
        let theirs = try await fake.requests()
        Self.expectParsed(mine + theirs)

        let kf = try Self.request(mine, "POST", "/apis/v2beta1/pipelines/upload")
        let kfp = try Self.request(theirs, "POST", "/apis/v2beta1/pipelines/upload")
        #expect(Self.keys(kf["query"]) == Self.keys(kfp["query"]))
        #expect(kf[path: ["query", "name"]]?.text == "from-kf")
        #expect(kf["content_type"] == kfp["content_type"])
        #expect(kf[path: ["body", "fields"]] == kfp[path: ["body", "fields"]])
        #expect(kf[path: ["body", "filename"]]?.text == "linear.yaml")
        #expect(kf[path: ["body", "pipeline_spec"]] == kfp[path: ["body", "pipeline_spec"]])
        #expect(kf["authorization"]?.text == "Bearer test-token")

        // The same name again: a new version, named by the content's digest, through upload_version; the same
        // content a third time: nothing sent.
        try await fake.reset()
        let changed = try files.write("linear2.yaml", PipelineFiles.ir.replacingOccurrences(of: "constant: 3", with: "constant: 4"))
        let second = try await fake.action().upload(changed, name: "from-kf")
        #expect(!second.created && second.versionName.hasPrefix("sha-"))
        let versionRequest = try Self.request(try await fake.requests(), "POST", "/apis/v2beta1/pipelines/upload_version")
        #expect(versionRequest[path: ["query", "pipelineid"]]?.text == uploaded.pipelineID)
        #expect(versionRequest[path: ["query", "name"]]?.text == second.versionName)
        #expect(versionRequest[path: ["body", "fields"]] == .sequence([.string("uploadfile")]))
        let third = try await fake.action().upload(changed, name: "from-kf")
        #expect(third.unchanged && third.versionID == second.versionID)
        // A version name that is taken is refused before anything is sent.
        await #expect(throws: ActionError.kfpVersionExists(pipeline: "from-kf", version: second.versionName, endpoint: fake.url)) {
            try await fake.action().upload(path, name: "from-kf", version: second.versionName)
        }
        let named = try await fake.action().upload(path, name: "from-kf", version: "v2")
        #expect(named.versionName == "v2" && !named.created && !named.unchanged)
    }

    @Test func kfPipelineYAMLIsCompiledAndArgoRefused() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let result = try await fake.action().upload(try files.write("words.yaml", PipelineFiles.kfYAML))
        #expect(result.pipelineName == "words" && result.created)
        let upload = try Self.request(try await fake.requests(), "POST", "/apis/v2beta1/pipelines/upload")
        #expect(upload["error"] == nil)
        #expect(upload[path: ["body", "pipeline_spec", "pipelineInfo", "name"]]?.text == "words")
        #expect(upload[path: ["body", "pipeline_spec", "root", "dag", "tasks", "split"]] != nil)

        let argo = try files.write("wf.yaml", PipelineFiles.argo)
        await #expect(throws: ActionError.kfpUploadRefusesArgo(file: argo)) { try await fake.action().upload(argo) }
        await #expect(throws: ActionError.kfpUploadRefusesArgo(file: argo)) {
            _ = try await fake.action().run(.file(argo), parameters: [], name: nil, experiment: nil, cache: true)
        }
        // The message fits `run` as well as `upload` (it said "cannot be uploaded" to a run).
        #expect("\(ActionError.kfpUploadRefusesArgo(file: "wf.yaml"))" == "wf.yaml: an Argo Workflow cannot go to a KFP v2 API server, which takes "
                + "pipeline IR only; give the KFP IR (`kfp dsl compile`) or kf pipeline YAML, or run the Workflow without --endpoint (on kf-local or a cluster with Argo)")
        let missing = files.folder.appendingPathComponent("none.yaml").path
        do {
            _ = try await fake.action().upload(missing)
            Issue.record("a missing file was uploaded")
        } catch {
            #expect("\(error)".contains(missing))
        }
        let notPipeline = try files.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        do {
            _ = try await fake.action().upload(notPipeline)
            Issue.record("a ConfigMap was uploaded")
        } catch {
            #expect("\(error)".contains("cm.yaml") && "\(error)".contains("schemaVersion"), "\(error)")
        }
        let badParameter = try files.write("linear.yaml", PipelineFiles.ir)
        do {
            _ = try await fake.action().run(.file(badParameter), parameters: ["x=five"], name: nil, experiment: nil, cache: true)
            Issue.record("x=five was sent for an integer")
        } catch {
            #expect("\(error)".contains("five"), "\(error)")
        }
    }

    @Test func runFromAVersionMatchesKfpClient() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let path = try files.write("linear.yaml", PipelineFiles.ir)
        let uploaded = try await fake.action().upload(path)
        try await fake.reset()

        let run = try await fake.action().run(.uploaded(pipeline: "linear", version: nil), parameters: [], name: "by-kf",
                                              experiment: "exp-kf", cache: true)
        #expect(run.name == "by-kf" && !run.id.isEmpty)
        let mine = try await fake.requests()
        try await fake.reset()
        _ = try fake.kfpClient(["run-version", "exp-kfp", uploaded.pipelineID, try #require(uploaded.versionID), "by-kfp"])
        let theirs = try await fake.requests()
        Self.expectParsed(mine + theirs)

        let kfExperiment = try Self.request(mine, "POST", "/apis/v2beta1/experiments")
        let kfpExperiment = try Self.request(theirs, "POST", "/apis/v2beta1/experiments")
        #expect(kfExperiment[path: ["body", "display_name"]]?.text == "exp-kf")
        #expect(Set(Self.keys(kfExperiment["body"])).isSubset(of: Set(Self.keys(kfpExperiment["body"]))))
        let kfLookup = try Self.request(mine, "GET", "/apis/v2beta1/experiments")
        #expect(kfLookup[path: ["query", "filter"]]?.text?.contains("\"stringValue\":\"exp-kf\"") == true)

        let kf = try Self.request(mine, "POST", "/apis/v2beta1/runs")
        let kfp = try Self.request(theirs, "POST", "/apis/v2beta1/runs")
        #expect(Self.keys(kf["body"]) == Self.keys(kfp["body"]))
        #expect(kf[path: ["body", "pipeline_version_reference"]] == kfp[path: ["body", "pipeline_version_reference"]])
        #expect(kf[path: ["body", "runtime_config"]] == kfp[path: ["body", "runtime_config"]])
        #expect(kf[path: ["body", "display_name"]]?.text == "by-kf")
    }

    @Test func runWithParametersMatchesKfpClient() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let path = try files.write("linear.yaml", PipelineFiles.ir)

        _ = try await fake.action().run(.file(path), parameters: ["x=5", "label=yo"], name: "p-kf", experiment: "e-kf", cache: true)
        let mine = try await fake.requests()
        try await fake.reset()
        _ = try fake.kfpClient(["run-file", path, "p-kfp", "e-kfp", #"{"x": 5, "label": "yo"}"#])
        let theirs = try await fake.requests()
        Self.expectParsed(mine + theirs)

        let kf = try Self.request(mine, "POST", "/apis/v2beta1/runs")
        let kfp = try Self.request(theirs, "POST", "/apis/v2beta1/runs")
        #expect(Self.keys(kf["body"]) == Self.keys(kfp["body"]))
        #expect(Self.keys(kf["body"]) == ["display_name", "experiment_id", "pipeline_spec", "runtime_config"])
        #expect(kf[path: ["body", "runtime_config"]] == kfp[path: ["body", "runtime_config"]])
        #expect(kf[path: ["body", "runtime_config", "parameters", "x"]] == .int(5))
        #expect(kf[path: ["body", "pipeline_spec"]] == kfp[path: ["body", "pipeline_spec"]])
        #expect(kf[path: ["query"]] == kfp[path: ["query"]])

        // --no-cache switches off the root tasks' caches, as kfp.Client's enable_caching=False does.
        try await fake.reset()
        _ = try await fake.action().run(.file(path), parameters: [], name: "nc", experiment: nil, cache: false)
        let noCache = try Self.request(try await fake.requests(), "POST", "/apis/v2beta1/runs")
        #expect(noCache[path: ["body", "pipeline_spec", "root", "dag", "tasks", "add", "cachingOptions"]] == .mapping(Mapping()))
        #expect(noCache[path: ["body", "experiment_id"]] == nil)
    }

    @Test func listGetAndDeleteMatchKfpClient() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let path = try files.write("linear.yaml", PipelineFiles.ir)
        let action = try fake.action()
        let first = try await action.run(.file(path), parameters: [], name: "one", experiment: "e", cache: true)
        let second = try await action.run(.file(path), parameters: [], name: "two", experiment: "e", cache: true)
        try await fake.reset()

        let listed = try await action.list()
        #expect(listed.map(\.run.name) == ["one", "two"])
        #expect(listed.first?.experiment == "e")
        let status = KFPRunView(try await action.get("one"))
        #expect(status.id == first.id)
        try await action.delete(first.id)
        let mine = try await fake.requests()
        try await fake.reset()
        #expect(try fake.kfpClient(["list-get-delete", second.id]).hasSuffix(" deleted"))
        let theirs = try await fake.requests()
        Self.expectParsed(mine + theirs)

        let runsList = { (records: [Value]) in records.filter { $0["method"]?.text == "GET" && $0["path"]?.text == "/apis/v2beta1/runs" } }
        #expect(!runsList(mine).isEmpty && !runsList(theirs).isEmpty)
        #expect(try Self.request(mine, "GET", "/apis/v2beta1/runs/" + first.id)["body"]?.isNull == true)
        _ = try Self.request(theirs, "GET", "/apis/v2beta1/runs/" + second.id)
        _ = try Self.request(mine, "DELETE", "/apis/v2beta1/runs/" + first.id)
        _ = try Self.request(theirs, "DELETE", "/apis/v2beta1/runs/" + second.id)
        #expect(try await action.list().map(\.run.name).isEmpty)
    }

    @Test func watchPollsUntilTheRunEndsAndRetryRunsItAgain() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let action = try fake.action()
        let run = try await action.run(.file(try files.write("linear.yaml", PipelineFiles.ir)), parameters: [], name: "will fail",
                                       experiment: nil, cache: true)
        let seen = SeenStates()
        let failed = try await action.watch(run.id, firstDelay: .milliseconds(20)) { seen.add($0.state) }
        #expect(failed.state == "FAILED")
        #expect(seen.states == ["RUNNING", "FAILED"])
        let tree = failed.tree()
        #expect(tree.first?.hasPrefix("STEP") == true)
        #expect(tree.contains { $0.contains("✖ root") })
        #expect(tree.contains { $0.contains("├─✔ add ") && $0.contains("Succeeded") })
        #expect(tree.contains { $0.contains("└─✖ add-2") && $0.contains("task add-2 exited with 1") })

        try await action.retry("will fail")
        let retried = try await action.watch("will fail", firstDelay: .milliseconds(20)) { _ in }
        #expect(retried.succeeded)
        await #expect(throws: ActionError.pipelineRunNotRetryable(name: "will fail", phase: "Succeeded")) { try await action.retry("will fail") }
        try await action.terminate(run.id)
        #expect(KFPRunView(try await fake.client().run(id: run.id)).state == "CANCELED")
    }

    @Test func serverErrorsAreOneLineNamingTheEndpoint() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let path = try files.write("linear.yaml", PipelineFiles.ir)
        // grpc-gateway's error JSON, as KFP answers a run it cannot create.
        let message = "Failed to create a new run.: InternalServerError: failed to generate the ExecutionSpec"
        try await fake.failNext(method: "POST", path: "/apis/v2beta1/runs", status: 500, body: .mapping(Mapping([
            ("error", .string(message)), ("code", .int(13)), ("message", .string(message)), ("details", .sequence([])),
        ])))
        do {
            _ = try await fake.action().run(.file(path), parameters: [], name: nil, experiment: nil, cache: true)
            Issue.record("the 500 was not reported")
        } catch {
            let text = "\(error)"
            #expect(text == "KFP API server \(fake.url): POST /apis/v2beta1/runs: 500: \(message)")
            #expect(!text.contains("\n"))
        }
        // A 200 without the run's ID is not taken for a run (kf printed "run  created (id )").
        try await fake.failNext(method: "POST", path: "/apis/v2beta1/runs", status: 200, body: .mapping(Mapping([("display_name", .string("x"))])))
        await #expect(throws: ActionError.kfpBadAnswer(endpoint: fake.url, what: "POST /apis/v2beta1/runs", reason: "the created run has no run_id")) {
            _ = try await fake.action().run(.file(path), parameters: [], name: nil, experiment: nil, cache: true)
        }
        // The upload handler's {error_message, error_details}.
        try await fake.failNext(method: "POST", path: "/apis/v2beta1/pipelines/upload", status: 400, body: .mapping(Mapping([
            ("error_message", .string("Invalid input error: unsupported file type")), ("error_details", .string("file.txt")),
        ])))
        do {
            _ = try await fake.action().upload(path)
            Issue.record("the 400 was not reported")
        } catch {
            #expect("\(error)" == "KFP API server \(fake.url): POST /apis/v2beta1/pipelines/upload: 400: Invalid input error: unsupported file type: file.txt")
        }
        // The fake's own 404 for an unknown run, and a 401 with its hint.
        await #expect(throws: ActionError.self) { _ = try await fake.client().run(id: UUID().uuidString) }
        try await fake.failNext(method: "GET", path: "/apis/v2beta1/runs", status: 401, body: .mapping(Mapping([("message", .string("Unauthenticated"))])))
        do {
            _ = try await fake.action().list()
            Issue.record("the 401 was not reported")
        } catch {
            #expect("\(error)".contains("401: Unauthenticated; the token was rejected: give one with --token or KF_PIPELINE_TOKEN"))
        }
        // A run name the server does not know.
        await #expect(throws: ActionError.kfpNotFound(kind: "run", name: "nope", endpoint: fake.url)) { _ = try await fake.action().get("nope") }
    }

    @Test func theTokenGoesOnlyWhereGiven() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        _ = try await fake.action(token: nil).list()
        _ = try await fake.action(token: "t0ken").list()
        let records = try await fake.requests()
        let auth = records.filter { $0["path"]?.text == "/apis/v2beta1/runs" }.map { $0["authorization"] }
        #expect(auth.count == 2 && auth.first??.isNull == true)
        #expect(auth.last??.text == "Bearer t0ken")
        // -v's lines never hold the token.
        let lines = LoggedLines()
        let endpoint = KFPEndpoint(url: fake.url, source: "--endpoint")
        let client = KFPClient(endpoint: endpoint, config: try KFPClient.config(endpoint: endpoint, token: "t0ken", connection: nil, environment: [:]),
                               logger: { lines.add($0.description + " " + $0.headers.map { "\($0.0): \($0.1)" }.joined(separator: ", ")) })
        _ = try await client.runs()
        #expect(!lines.text.isEmpty && !lines.text.contains("t0ken") && lines.text.contains("Bearer REDACTED"), "\(lines.text)")
    }

    /// Credentials go over https or to this machine only: a given token for another plain-http host is refused
    /// before anything is sent, and the kubeconfig's credentials are left out there.
    @Test func credentialsNeverTravelOverPlainHTTPToAnotherHost() throws {
        let remote = KFPEndpoint(url: "http://kfp.example.com:8888", source: "--endpoint")
        #expect(throws: ActionError.kfpTokenOverPlainHTTP(endpoint: remote.url, source: "--token")) {
            try KFPClient.config(endpoint: remote, token: "t0ken", connection: nil, environment: [:])
        }
        #expect(throws: ActionError.kfpTokenOverPlainHTTP(endpoint: remote.url, source: KFPEndpoint.tokenVariable)) {
            try KFPClient.config(endpoint: remote, token: nil, connection: nil, environment: [KFPEndpoint.tokenVariable: "t0ken"])
        }
        for url in ["https://kfp.example.com", "http://127.0.0.1:8888", "http://localhost:8888/pipeline", "http://[::1]:8888"] {
            let config = try KFPClient.config(endpoint: KFPEndpoint(url: url, source: "--endpoint"), token: "t0ken", connection: nil, environment: [:])
            #expect(config.credentials == .token("t0ken"), "\(url)")
        }
        for url in ["http://127.example.com", "http://10.0.0.5:8888", "ftp://localhost"] {
            #expect(!KFPEndpoint(url: url, source: "--endpoint").carriesCredentials, "\(url)")
        }
        let files = try PipelineFiles()
        let kubeconfig = try files.write("kubeconfig", """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://api.example.com"}}]
        users: [{name: u, user: {token: kube-token}}]
        contexts: [{name: ctx, context: {cluster: c, user: u}}]
        current-context: ctx

        """)
        let connection = try ClusterConnection(flags: ClusterFlags(kubeconfig: kubeconfig), environment: [:], project: nil)
        let plain = try KFPClient.config(endpoint: remote, token: nil, connection: connection, environment: [:])
        #expect(plain.credentials != .token("kube-token"))
        let secure = try KFPClient.config(endpoint: KFPEndpoint(url: "https://kfp.example.com", source: "--endpoint"), token: nil,
                                          connection: connection, environment: [:])
        #expect(secure.credentials == .token("kube-token"))
    }

    @Test func anUnreachableEndpointIsNamed() async throws {
        // Port 1: nothing listens there.
        let endpoint = KFPEndpoint(url: "http://127.0.0.1:1", source: "KF_PIPELINE_ENDPOINT")
        let client = KFPClient(endpoint: endpoint, config: ClusterConfig(server: endpoint.url), retry: .none)
        do {
            _ = try await client.runs()
            Issue.record("an unreachable endpoint answered")
        } catch let error as ActionError {
            guard case let .kfpUnreachable(url, source, _) = error else { Issue.record("\(error)"); return }
            #expect(url == "http://127.0.0.1:1" && source == "KF_PIPELINE_ENDPOINT")
            #expect("\(error)".hasPrefix("cannot reach the KFP API server http://127.0.0.1:1 (from KF_PIPELINE_ENDPOINT)"))
        }
    }

    @Test func endpointsResolveFlagThenEnvironmentThenKfYAML() throws {
        #expect(try KFPEndpoint.resolve(flag: nil, environment: [:], project: nil) == nil)
        #expect(try KFPEndpoint.resolve(flag: "https://k.example.com/pipeline/", environment: ["KF_PIPELINE_ENDPOINT": "http://x:1"], project: nil)
            == KFPEndpoint(url: "https://k.example.com/pipeline", source: "--endpoint"))
        #expect(try KFPEndpoint.resolve(flag: nil, environment: ["KF_PIPELINE_ENDPOINT": "http://x:1"], project: nil)?.source == "KF_PIPELINE_ENDPOINT")
        #expect(throws: ActionError.kfpBadEndpoint(url: "kfp.example.com", source: "--endpoint")) {
            try KFPEndpoint.resolve(flag: "kfp.example.com", environment: [:], project: nil)
        }
        #expect(throws: ActionError.kfpBadEndpoint(url: "ftp://x", source: "KF_PIPELINE_ENDPOINT")) {
            try KFPEndpoint.resolve(flag: nil, environment: ["KF_PIPELINE_ENDPOINT": "ftp://x"], project: nil)
        }
    }

    @Test func logsSayWhatIsPossible() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let action = try fake.action()
        let run = try await action.run(.file(try files.write("linear.yaml", PipelineFiles.ir)), parameters: [], name: "r", experiment: nil, cache: true)
        _ = try await action.watch(run.id, firstDelay: .milliseconds(20)) { _ in }
        do {
            try await action.logs("r", task: nil) { _, _ in }
            Issue.record("logs without a cluster")
        } catch {
            #expect("\(error)".hasPrefix("KFP's API serves no logs; kf reads run r's task Pods through the cluster, but no cluster is configured"))
        }
        await #expect(throws: ActionError.pipelineTaskNotFound(run: "r", task: "nope", known: ["add", "add-2"])) {
            try await action.logs("r", task: "nope") { _, _ in }
        }
    }
}

extension KFPPipelineActionTests {
    /// With a kubeconfig whose cluster is the endpoint itself (as with the API server's service proxy), the
    /// context's token goes to KFP and the task Pods' logs are read through the cluster.
    @Test func logsAreReadFromTheTaskPodsThroughTheCluster() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        let files = try PipelineFiles()
        defer { files.remove() }
        let kubeconfig = try files.write("kubeconfig", """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "\(fake.url)"}}]
        users: [{name: u, user: {token: kube-token}}]
        contexts: [{name: ctx, context: {cluster: c, user: u, namespace: kubeflow}}]
        current-context: ctx

        """)
        let connection = try ClusterConnection(flags: ClusterFlags(kubeconfig: kubeconfig), environment: [:], project: nil)
        let endpoint = KFPEndpoint(url: fake.url, source: "--endpoint")
        let client = KFPClient(endpoint: endpoint, config: try KFPClient.config(endpoint: endpoint, token: nil, connection: connection, environment: [:]))
        let action = KFPPipelineAction(client: client, connection: connection)
        let run = try await action.run(.file(try files.write("linear.yaml", PipelineFiles.ir)), parameters: [], name: "logged",
                                       experiment: nil, cache: true)
        _ = try await action.watch(run.id, firstDelay: .milliseconds(20)) { _ in }
        let lines = LoggedLines()
        try await action.logs("logged", task: nil) { task, line in lines.add("[\(task ?? "")] \(line)") }
        let pod = String(run.id.prefix(8))
        #expect(lines.text == """
        [add] hello from \(pod)-add in kubeflow (main)
        [add] bye from \(pod)-add
        [add-2] hello from \(pod)-add-2 in kubeflow (main)
        [add-2] bye from \(pod)-add-2
        """)
        let only = LoggedLines()
        try await action.logs(run.id, task: "add-2") { task, line in only.add("\(task ?? "-") \(line)") }
        #expect(only.text == "- hello from \(pod)-add-2 in kubeflow (main)\n- bye from \(pod)-add-2")
        let records = try await fake.requests()
        #expect(records.allSatisfy { $0["authorization"]?.text == "Bearer kube-token" })
        #expect(records.contains { $0["path"]?.text == "/api/v1/namespaces/kubeflow/pods/\(pod)-add/log" && $0[path: ["query", "container"]]?.text == "main" })
    }
}

extension KFPPipelineActionTests {
    /// The built kf against the fake, as a user runs it: upload, run --watch (a success and a failure), status,
    /// list, retry, delete; the token never printed under -v.
    @Test func theCommandLineOnAKFPServer() async throws {
        guard let fake = try FakeKFPServer.start() else { return }
        defer { fake.stop() }
        guard let kf = Tools.kf else {
            print("skipping: kf is not built (swift build --product kf)")
            return
        }
        let files = try PipelineFiles()
        defer { files.remove() }
        _ = try files.write("linear.yaml", PipelineFiles.ir)
        let environment = ["KF_PIPELINE_ENDPOINT": fake.url, "KF_PIPELINE_TOKEN": "tok-SECRET", "HOME": fake.home.path,
                           "KUBECONFIG": fake.home.path + "/none"]
        func kfRun(_ arguments: [String]) throws -> Run { try run(kf, arguments, in: files.folder.path, environment: environment) }

        let upload = try kfRun(["pipeline", "upload", "linear.yaml"])
        #expect(upload.status == 0 && upload.stdout.hasPrefix("pipeline linear uploaded (id "), "\(upload.stdout)\(upload.stderr)")
        let good = try kfRun(["pipeline", "run", "linear.yaml", "-p", "x=3", "--name", "cli-run", "--experiment", "cli", "--watch"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("created (id ") && good.stdout.contains("State: Succeeded") && good.stdout.contains("└─✔ add-2"), "\(good.stdout)")
        #expect(good.stderr.contains("✔ run cli-run: Succeeded"), "\(good.stderr)")
        let bad = try kfRun(["pipeline", "run", "--pipeline", "linear", "--name", "cli fail", "--watch"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("error: run cli fail failed: a task failed"), "\(bad.stderr)")
        let status = try kfRun(["pipeline", "status", "cli fail"])
        #expect(status.stdout.contains("└─✖ add-2") && status.stdout.contains("task add-2 exited with 1"), "\(status.stdout)")
        let json = try kfRun(["pipeline", "status", "cli fail", "-o", "json"])
        #expect(try JSON.parse(json.stdout)["display_name"]?.text == "cli fail")
        let list = try kfRun(["pipeline", "list", "-v"])
        let rows = list.stdout.split(separator: "\n").map(String.init)
        #expect(rows.count == 3 && rows[0].hasPrefix("NAME") && rows[1].hasPrefix("cli-run") && rows[1].contains(" cli ")
                && rows[2].hasPrefix("cli fail"), "\(list.stdout)")
        #expect(list.stderr.contains("GET \(fake.url)/apis/v2beta1/runs?") && !list.stderr.contains("SECRET"), "\(list.stderr)")
        #expect(try kfRun(["pipeline", "list", "--pipelines"]).stdout.contains("linear"))
        #expect(try kfRun(["pipeline", "retry", "cli fail"]).stdout == "run cli fail retried\n")
        #expect(try kfRun(["pipeline", "delete", "cli-run"]).stdout == "run cli-run deleted\n")
        #expect(try kfRun(["pipeline", "delete", "--pipeline", "linear"]).stdout == "pipeline linear deleted\n")
        let gone = try kfRun(["pipeline", "status", "cli-run"])
        #expect(gone.status == 1 && gone.stderr == "error: no run cli-run on the KFP API server \(fake.url); `kf pipeline list` shows the runs\n")
        let records = try await fake.requests()
        #expect(!records.isEmpty && records.allSatisfy { $0["authorization"]?.text == "Bearer tok-SECRET" })
    }
}

final class SeenStates: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ state: String) { lock.withLock { list.append(state) } }
    var states: [String] { lock.withLock { list } }
}

final class LoggedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}
