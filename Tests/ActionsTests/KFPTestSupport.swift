import Actions
import Cluster
import Foundation
import Resources

/// The fake KFP v2beta1 server (Fixtures/kfp_fake_server.py) run with .tools/kfp's python, which parses every
/// request body with the installed kfp_server_api models; and the real kfp.Client driven against it.
final class FakeKFPServer: @unchecked Sendable {
    static let python = Tools.packageRoot + "/.tools/kfp/bin/python"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    let process: Process
    let input: Pipe
    let url: String
    let home: URL
    private let control: Transport

    /// nil (with the reason printed) when .tools/kfp is absent.
    static func start() throws -> FakeKFPServer? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("skipping: \(python) is absent (scripts/install-tools.sh installs the kfp SDK into .tools/kfp)")
            return nil
        }
        return try FakeKFPServer()
    }

    private init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kf-kfp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-W", "ignore", Self.fixtures.appendingPathComponent("kfp_fake_server.py").path]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is "PORT <n>".
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { break }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw FakeError.noPort(text)
        }
        url = "http://127.0.0.1:\(port)"
        control = Transport(config: ClusterConfig(server: url), retry: .none)
    }

    enum FakeError: Error { case noPort(String), badAnswer(String), kfpClient(String) }

    deinit { stop() }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: home)
    }

    /// A client of the fake with this token.
    func client(token: String? = "test-token") throws -> KFPClient {
        let endpoint = KFPEndpoint(url: url, source: "--endpoint")
        return KFPClient(endpoint: endpoint, config: try KFPClient.config(endpoint: endpoint, token: token, connection: nil, environment: [:]))
    }

    func action(token: String? = "test-token") throws -> KFPPipelineAction {
        KFPPipelineAction(client: try client(token: token), connection: nil)
    }

    /// The requests recorded since the last reset (each: method, path, query, authorization, content_type, body).
    func requests() async throws -> [Value] {
        let response = try await control.send(HTTPRequest(method: "GET", url: url + "/_fake/requests"))
        guard let list = try ValueJSON.decode(response.body).sequence else { throw FakeError.badAnswer("requests") }
        return list
    }

    func reset() async throws {
        _ = try await control.send(HTTPRequest(method: "POST", url: url + "/_fake/reset", body: []))
    }

    /// The next request with this method and path gets this answer.
    func failNext(method: String, path: String, status: Int, body: Value) async throws {
        let rule = Value.mapping(Mapping([("method", .string(method)), ("path", .string(path)), ("status", .int(status)), ("body", body)]))
        _ = try await control.send(HTTPRequest(method: "POST", url: url + "/_fake/fail", body: ValueJSON.encodeBytes(rule)))
    }

    /// Runs Fixtures/kfp_client_ops.py (the real kfp.Client) against the fake; returns its last stdout line.
    func kfpClient(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-W", "ignore", Self.fixtures.appendingPathComponent("kfp_client_ops.py").path, url] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment.removeValue(forKey: "KF_PIPELINES_ENDPOINT")
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FakeError.kfpClient(text + String(decoding: errorData, as: UTF8.self))
        }
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }
}

/// Writes a pipeline file for a test; removed with the folder.
struct PipelineFiles {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-kfp-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// KFP IR as `kfp dsl compile` writes it (kfp 2.x): two chained container tasks and two inputs.
    static let ir = """
    # PIPELINE DEFINITION
    # Name: linear
    components:
      comp-add:
        executorLabel: exec-add
        inputDefinitions:
          parameters:
            a: {parameterType: NUMBER_INTEGER}
            b: {parameterType: NUMBER_INTEGER}
        outputDefinitions:
          parameters:
            Output: {parameterType: NUMBER_INTEGER}
    deploymentSpec:
      executors:
        exec-add:
          container:
            image: python:3.11
            command: [sh, -c, 'echo $(($0 + $1)) > "$2"', "{{$.inputs.parameters['a']}}", "{{$.inputs.parameters['b']}}", "{{$.outputs.parameters['Output'].output_file}}"]
    pipelineInfo:
      name: linear
    root:
      dag:
        tasks:
          add:
            cachingOptions: {enableCache: true}
            componentRef: {name: comp-add}
            inputs:
              parameters:
                a: {componentInputParameter: x}
                b: {runtimeValue: {constant: 2}}
            taskInfo: {name: add}
          add-2:
            cachingOptions: {enableCache: true}
            componentRef: {name: comp-add}
            dependentTasks: [add]
            inputs:
              parameters:
                a: {taskOutputParameter: {outputParameterKey: Output, producerTask: add}}
                b: {runtimeValue: {constant: 3}}
            taskInfo: {name: add-2}
      inputDefinitions:
        parameters:
          label: {defaultValue: hi, isOptional: true, parameterType: STRING}
          x: {defaultValue: 1, isOptional: true, parameterType: NUMBER_INTEGER}
    schemaVersion: 2.1.0
    sdkVersion: kfp-2.17.3

    """

    static let kfYAML = """
    name: words
    parameters:
      text: {type: string, default: "a b"}
    steps:
      split:
        image: busybox
        command: [sh, -c, 'echo "$0" > "$1"', "{{inputs.text}}", "{{outputs.words}}"]
        inputs: {text: "{{params.text}}"}
        outputs: {words: dataset}

    """

    static let argo = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {generateName: hello-}
    spec:
      entrypoint: main
      templates:
      - name: main
        container: {image: busybox, command: [echo, hi]}

    """
}
