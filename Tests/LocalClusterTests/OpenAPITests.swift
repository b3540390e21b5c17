import Foundation
@testable import LocalCluster
import Resources
import Testing

/// `/openapi/v2` and `/openapi/v3` for built-in kinds and CRDs, driven by kubectl 1.37.1: `explain` (v3 and
/// `--output plaintext-openapiv2`, which reads the protobuf v2), strict field validation of a misspelt field, and
/// client-side apply computing its strategic merge patch from v3, and from v2 on a server without v3.
@Suite(.serialized)
struct OpenAPITests {
    @Test func explainBuiltinAndCustomFields() async throws {
        try await withServer(crds: true) { server in
            let spec = try await server.kubectl("explain", "deployment.spec")
            #expect(spec.ok, "\(spec.stderr)")
            #expect(spec.stdout.contains("FIELD: spec <DeploymentSpec>"), "\(spec.stdout.prefix(600))")
            #expect(spec.stdout.contains("template\t<PodTemplateSpec> -required-"), "\(spec.stdout)")
            #expect(spec.stdout.contains("Number of desired pods."), "\(spec.stdout)")
            let resources = try await server.kubectl("explain", "pod.spec.containers.resources")
            #expect(resources.ok, "\(resources.stderr)")
            #expect(resources.stdout.contains("FIELD: resources <ResourceRequirements>"), "\(resources.stdout.prefix(600))")
            #expect(resources.stdout.contains("limits\t<map[string]Quantity>"), "\(resources.stdout)")
            let ports = try await server.kubectl("explain", "service.spec.ports.targetPort")
            #expect(ports.ok && ports.stdout.contains("IntOrString"), "\(ports.stdout) \(ports.stderr)")
            let crd = try await server.kubectl("explain", "pytorchjob.spec.runPolicy.cleanPodPolicy")
            #expect(crd.ok, "\(crd.stderr)")
            #expect(crd.stdout.contains("FIELD: cleanPodPolicy <string>"), "\(crd.stdout)")
            let meta = try await server.kubectl("explain", "pytorchjob.metadata.labels")
            #expect(meta.ok && meta.stdout.contains("map[string]string"), "\(meta.stdout) \(meta.stderr)")
            let missing = try await server.kubectl("explain", "deployment.spec.replicaz")
            #expect(!missing.ok && missing.stderr.contains("replicaz"), "\(missing.stdout) \(missing.stderr)")
        }
    }

    @Test func explainWithPlaintextOpenAPIv2ReadsTheProtobufDocument() async throws {
        try await withServer(crds: true) { server in
            let spec = try await server.kubectl("explain", "--output", "plaintext-openapiv2", "deployment.spec")
            #expect(spec.ok, "\(spec.stderr)")
            #expect(spec.stdout.contains("RESOURCE: spec <Object>"), "\(spec.stdout.prefix(600))")
            #expect(spec.stdout.contains("replicas\t<integer>"), "\(spec.stdout)")
            #expect(spec.stdout.contains("template\t<Object> -required-"), "\(spec.stdout)")
            let containers = try await server.kubectl("explain", "--output", "plaintext-openapiv2", "pod.spec.containers.ports")
            #expect(containers.ok && containers.stdout.contains("containerPort\t<integer> -required-"), "\(containers.stdout) \(containers.stderr)")
            let crd = try await server.kubectl("explain", "--output", "plaintext-openapiv2", "pytorchjob.spec.runPolicy")
            #expect(crd.ok, "\(crd.stderr)")
            #expect(crd.stdout.contains("cleanPodPolicy\t<string>"), "\(crd.stdout)")
            // The JSON form carries the same definitions.
            let json = try await server.request("GET", "/openapi/v2", headers: [("Accept", "application/json")])
            #expect(json.status == 200)
            let document = try JSON.parse(json.body)
            #expect(document.string(at: "swagger") == "2.0")
            #expect(document[path: ["definitions", "io.k8s.api.apps.v1.Deployment"]] != nil)
            #expect(document[path: ["definitions", "org.kubeflow.v1.PyTorchJob"]] != nil)
            let refused = try await server.request("GET", "/openapi/v2", headers: [("Accept", "text/html")])
            #expect(refused.status == 406, "\(refused.body)")
        }
    }

    static let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: app
            image: nginx:1
            ports: [{containerPort: 80}]
            env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
          - name: sidecar
            image: busybox:1
    """

    @Test func strictValidationCatchesAMisspeltFieldInABuiltinKind() async throws {
        try await withServer(crds: true) { server in
            let misspelt = Self.deployment.replacingOccurrences(of: "    image: nginx:1", with: "    imagee: nginx:1")
            let path = try KubectlPatchTests.file(server, "bad.yaml", misspelt)
            for verb in [["apply"], ["create"], ["apply", "--server-side"]] {
                let strict = try await server.kubectl(verb + ["--validate=strict", "-f", path])
                #expect(!strict.ok, "\(verb) accepted a misspelt field: \(strict.stdout)")
                #expect(strict.stderr.contains(#"unknown field "spec.template.spec.containers[0].imagee""#), "\(verb): \(strict.stderr)")
            }
            #expect(try await server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").status == 404)
            // Warn stores it and says why; the kinds kf writes pass strict validation untouched.
            let warned = try await server.kubectl("apply", "--validate=warn", "-f", path)
            #expect(warned.ok, "\(warned.stderr)")
            #expect(warned.stderr.contains("unknown field"), "\(warned.stderr)")
            let good = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {a: "1"}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{name: http, port: 80, targetPort: http}]
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: train}
            spec:
              backoffLimit: 2
              podFailurePolicy: {rules: []}
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: train
                    image: python:3.12
                    command: [python3, -c, "print(1)"]
                    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1"}}
                    readinessProbe: {grpc: {port: 9000}}
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes: [{name: data, emptyDir: {}}]
            ---
            apiVersion: kubeflow.org/v1
            kind: PyTorchJob
            metadata: {name: pt}
            spec:
              pytorchReplicaSpecs:
                Master:
                  replicas: 1
                  template:
                    spec:
                      containers: [{name: pytorch, image: trainer:1}]
            """
            let applied = try await server.kubectl("apply", "--validate=strict", "-f", try KubectlPatchTests.file(server, "good.yaml", good))
            #expect(applied.ok, "\(applied.stderr)")
            #expect(!applied.stderr.contains("unknown field"), "\(applied.stderr)")
        }
    }

    /// Client-side apply against kf-local: the second apply drops an env entry and the sidecar and changes the
    /// image, while a label another writer added stays. With v3 kubectl computes the strategic merge patch from
    /// the v3 document; on a server without v3 it reads `/openapi/v2` (protobuf) instead.
    @Test(arguments: [true, false])
    func clientSideApplyIsAThreeWayMergeFromTheOpenAPISchemas(v3: Bool) async throws {
        try await withServer { server in
            server.api.openAPIV3Served = v3
            let path = try KubectlPatchTests.file(server, "web.yaml", Self.deployment)
            let first = try await server.kubectl("apply", "-f", path)
            #expect(first.ok, "\(first.stderr)")
            let label = try await server.kubectl("label", "deployment", "web", "owner=ops")
            #expect(label.ok, "\(label.stderr)")
            let changed = Self.deployment
                .replacingOccurrences(of: "        - {name: B, value: \"2\"}\n", with: "")
                .replacingOccurrences(of: "      - name: sidecar\n        image: busybox:1", with: "")
                .replacingOccurrences(of: "nginx:1", with: "nginx:2")
            try changed.write(toFile: path, atomically: true, encoding: .utf8)
            let second = try await server.kubectl("apply", "-f", path, "-v=6")
            #expect(second.ok, "\(second.stderr.suffix(2000))")
            let asked = second.stderr.split(separator: "\n").filter { $0.contains("/openapi/") }.map { String($0.suffix(120)) }
            if v3 {
                #expect(asked.contains { $0.contains("/openapi/v3/apis/apps/v1") }, "\(asked)")
            } else {
                #expect(asked.contains { $0.contains("GET") && $0.contains("/openapi/v2") && $0.contains("200") }, "\(asked)")
            }
            let live = try JSON.parse(try await server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").body)
            let containers = live[path: ["spec", "template", "spec", "containers"]]?.sequence ?? []
            #expect(containers.count == 1, "\(containers)")
            #expect(containers.first?.string(at: "image") == "nginx:2")
            #expect(containers.first?["env"]?.sequence?.compactMap { $0.string(at: "name") } == ["A"])
            #expect(containers.first?[path: ["ports"]]?.sequence?.count == 1)
            #expect(live.string(at: "metadata", "labels", "owner") == "ops", "the other writer's label must stay")
        }
    }

    /// The protobuf v2 document read back field by field (gnostic's numbers), without kubectl.
    @Test func theProtobufDocumentCarriesGnosticFieldNumbers() async throws {
        try await withServer(needsKubectl: false, crds: true) { server in
            let bytes = OpenAPIv2Protobuf.encode(server.api.openAPIv2Document())
            /// The fields of one message: number -> the values (length-delimited bytes, or a varint as bytes).
            func fields(_ slice: ArraySlice<UInt8>) throws -> [Int: [ArraySlice<UInt8>]] {
                var reader = WireReader(slice)
                var result: [Int: [ArraySlice<UInt8>]] = [:]
                while !reader.atEnd {
                    let (number, wire) = try reader.tag(in: "test")
                    switch wire {
                    case 0: result[number, default: []].append(ArraySlice([UInt8(truncatingIfNeeded: try reader.varint(in: "test"))]))
                    case 1: _ = try reader.fixed64(in: "test")
                    default: result[number, default: []].append(try reader.lengthDelimited(in: "test"))
                    }
                }
                return result
            }
            func text(_ slice: ArraySlice<UInt8>?) -> String { String(decoding: slice ?? [], as: UTF8.self) }
            let document = try fields(bytes[...])
            #expect(text(document[1]?.first) == "2.0", "Document.swagger")
            #expect(text(try fields(try #require(document[2]?.first))[2]?.first) == APIServer.kubernetesVersion.git, "Info.version")
            var schemas: [String: ArraySlice<UInt8>] = [:]
            for named in try fields(try #require(document[9]?.first))[1] ?? [] {
                let entry = try fields(named)
                schemas[text(entry[1]?.first)] = entry[2]?.first
            }
            #expect(schemas.count > 300, "\(schemas.count) definitions")
            let deployment = try fields(try #require(schemas["io.k8s.api.apps.v1.Deployment"]))
            #expect(text(try fields(try #require(deployment[22]?.first))[1]?.first) == "object", "Schema.type")
            let extensions = try (deployment[31] ?? []).map { try fields($0) }
            let gvk = try #require(extensions.first { text($0[1]?.first) == "x-kubernetes-group-version-kind" })
            let yaml = text(try fields(try #require(gvk[2]?.first))[2]?.first)
            #expect(yaml.contains("\"kind\":\"Deployment\"") && yaml.contains("\"group\":\"apps\""), "\(yaml)")
            var properties: [String: ArraySlice<UInt8>] = [:]
            for named in try fields(try #require(deployment[25]?.first))[1] ?? [] {
                let entry = try fields(named)
                properties[text(entry[1]?.first)] = entry[2]?.first
            }
            #expect(text(try fields(try #require(properties["spec"]))[1]?.first) == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec", "Schema._ref")
            let podSpec = try fields(try #require(schemas["io.k8s.api.core.v1.PodSpec"]))
            var containers: [Int: [ArraySlice<UInt8>]] = [:]
            for named in try fields(try #require(podSpec[25]?.first))[1] ?? [] {
                let entry = try fields(named)
                if text(entry[1]?.first) == "containers" { containers = try fields(try #require(entry[2]?.first)) }
            }
            let names = try (containers[31] ?? []).map { text(try fields($0)[1]?.first) }
            #expect(names.contains("x-kubernetes-patch-merge-key") && names.contains("x-kubernetes-patch-strategy"), "\(names)")
            #expect(schemas["org.kubeflow.v1.PyTorchJob"] != nil)
            #expect(document[8] != nil, "Document.paths")
        }
    }

    @Test func documentsNameEveryServedKind() async throws {
        try await withServer(needsKubectl: false, crds: true) { server in
            let index = try JSON.parse(try await server.request("GET", "/openapi/v3").body)
            let paths = index["paths"]?.mapping?.keys ?? []
            #expect(paths.contains("apis/apps/v1") && paths.contains("api/v1") && paths.contains("apis/kubeflow.org/v1"))
            for type in BuiltinResources.all {
                let path = type.group.isEmpty ? "/openapi/v3/api/\(type.version)" : "/openapi/v3/apis/\(type.group)/\(type.version)"
                let document = try JSON.parse(try await server.request("GET", path).body)
                let schemas = document[path: ["components", "schemas"]]?.mapping
                let kinds = schemas?.values.flatMap { $0["x-kubernetes-group-version-kind"]?.sequence ?? [] } ?? []
                #expect(kinds.contains { $0.string(at: "kind") == type.kind && $0.string(at: "version") == type.version },
                        "\(type.kind) has no schema in \(path)")
                // Every reference resolves inside the document.
                var references: [String] = []
                func collect(_ value: Value) {
                    switch value {
                    case let .mapping(mapping):
                        for (key, child) in mapping.pairs {
                            if key == "$ref", let target = child.string { references.append(target) } else { collect(child) }
                        }
                    case let .sequence(items): items.forEach(collect)
                    case .scalar: break
                    }
                }
                collect(document)
                for reference in references {
                    let name = String(reference.dropFirst("#/components/schemas/".count))
                    #expect(schemas?[name] != nil, "\(path): \(reference) does not resolve")
                }
            }
            let v2 = try await server.request("GET", "/openapi/v2", headers: [("Accept", APIServer.openAPIv2Protobuf)])
            #expect(v2.status == 200)
            #expect(v2.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == APIServer.openAPIv2ProtobufAnswer })
        }
    }
}
