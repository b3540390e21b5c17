import Foundation
import Resources
import Testing
@testable import Manifests

struct MergeSchemaTests {
    let k8s = MergeSchema.kubernetes

    func node(_ apiVersion: String, _ kind: String, _ path: String...) -> MergeSchemaNode? {
        guard var index = k8s.root(apiVersion: apiVersion, kind: kind) else { return nil }
        for part in path {
            guard let next = part == "[]" ? k8s.elements(index) : k8s.field(index, part) else { return nil }
            index = next
        }
        return k8s[index]
    }

    @Test func committedTableMatchesTheGenerator() throws {
        let bundle = TestPaths.shared.appendingPathComponent("openapi/kubernetes-v1.21.2.json.gz")
        guard FileManager.default.fileExists(atPath: bundle.path) else {
            print("skipped: \(bundle.path) is absent (the shared schema bundle)")
            return
        }
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            print("skipped: python3 is not installed")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestPaths.packageRoot.appendingPathComponent("scripts/gen-merge-facts.py").path,
                             bundle.path, "-"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let generated = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let committed = try String(contentsOf: TestPaths.packageRoot
            .appendingPathComponent("Sources/Manifests/MergeFacts.generated.swift"), encoding: .utf8)
        #expect(generated == committed, "run scripts/gen-merge-facts.py and commit the result")
    }

    @Test func builtinKindsAndStrategies() throws {
        #expect(k8s.knownKinds.count == 269)
        let containers = try #require(node("apps/v1", "Deployment", "spec", "template", "spec", "containers"))
        #expect(containers.strategy == "merge" && containers.mergeKeys == ["name"] && containers.isArray)
        let ports = try #require(node("apps/v1", "Deployment", "spec", "template", "spec", "containers", "[]", "ports"))
        #expect(ports.mergeKeys == ["containerPort", "protocol"])
        let servicePorts = try #require(node("v1", "Service", "spec", "ports"))
        #expect(servicePorts.mergeKeys == ["port", "protocol"])
        let volumes = try #require(node("batch/v1", "Job", "spec", "template", "spec", "volumes"))
        #expect(volumes.strategy == "merge,retainKeys" && volumes.merges && volumes.retainsKeys)
        let finalizers = try #require(node("v1", "ConfigMap", "metadata", "finalizers"))
        #expect(finalizers.strategy == "merge" && finalizers.mergeKeys.isEmpty)
        let tolerations = try #require(node("v1", "Pod", "spec", "tolerations"))
        #expect(tolerations.strategy == nil)
        let spec = try #require(node("policy/v1", "PodDisruptionBudget", "spec"))
        #expect(spec.strategiesBesideRef["selector"] == "replace")
        let deploymentSpec = try #require(node("apps/v1", "Deployment", "spec"))
        #expect(deploymentSpec.strategiesBesideRef["strategy"] == "retainKeys")
        // Any label key has a (leaf) schema through additionalProperties.
        #expect(node("v1", "Pod", "metadata", "labels", "anything") != nil)
        #expect(node("v1", "Pod", "spec", "noSuchField") == nil)
        #expect(k8s.root(apiVersion: "example.com/v1", kind: "Thing") == nil)
    }

    @Test func builtinVersion() throws {
        #expect(try MergeSchema.builtin(version: "v1.21.2").knownKinds.count == k8s.knownKinds.count)
        #expect(throws: MergeError.unknownOpenAPIVersion("v1.27.0")) { try MergeSchema.builtin(version: "v1.27.0") }
        #expect("\(MergeError.unknownOpenAPIVersion("x"))".contains("the specified OpenAPI version is not built in"))
    }

    static let customSchema = """
        definitions:
          v1alpha1.MyCRD:
            type: object
            properties:
              spec:
                properties:
                  template:
                    $ref: "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"
                  items:
                    type: array
                    items:
                      $ref: "#/definitions/v1alpha1.Item"
                    x-kubernetes-patch-strategy: merge
                    x-kubernetes-patch-merge-key: id
                  alias:
                    $ref: "#/definitions/v1alpha1.Alias"
            x-kubernetes-group-version-kind:
            - {group: example.com, kind: MyCRD, version: v1alpha1}
            - {group: "", kind: MyCRD, version: v1alpha1}
          v1alpha1.Item:
            properties:
              id: {type: string}
          v1alpha1.Alias:
            $ref: "#/definitions/v1alpha1.Item"
        """

    @Test func customOpenAPISchema() throws {
        let schema = try k8s.adding(openAPI: YAMLTestInput.value(Self.customSchema), file: "schema.yaml")
        for apiVersion in ["example.com/v1alpha1", "v1alpha1"] {
            let root = try #require(schema.root(apiVersion: apiVersion, kind: "MyCRD"))
            let spec = try #require(schema.field(root, "spec"))
            let items = try #require(schema.field(spec, "items"))
            #expect(schema[items].mergeKeys == ["id"])
            // A reference to a built-in definition reaches the built-in facts.
            let template = try #require(schema.field(spec, "template"))
            let podSpec = try #require(schema.field(template, "spec"))
            let containers = try #require(schema.field(podSpec, "containers"))
            #expect(schema[containers].mergeKeys == ["name"])
            let alias = try #require(schema.field(spec, "alias"))
            #expect(schema[alias].properties["id"] != nil)
        }
        // Built-ins stay.
        #expect(schema.root(apiVersion: "apps/v1", kind: "Deployment") != nil)
        #expect(throws: MergeError.self) { try k8s.adding(openAPI: .sequence([]), file: "bad.json") }
        #expect(throws: MergeError.self) {
            try k8s.adding(openAPI: YAMLTestInput.value("definitions: [1]"), file: "bad.json")
        }
    }

    @Test func precedence() throws {
        let document = try YAMLTestInput.value("""
            definitions:
              io.k8s.api.core.v1.Volume:
                properties: {name: {type: string}}
              x.Kind:
                properties:
                  volumes:
                    type: array
                    items: {$ref: "#/definitions/io.k8s.api.core.v1.Volume"}
                x-kubernetes-group-version-kind: [{group: apps, version: v1, kind: Deployment}]
            """)
        let mine = try k8s.adding(openAPI: document, file: "s.yaml")
        let theirs = try k8s.adding(openAPI: document, file: "s.yaml", precedence: .base)
        let alone = try MergeSchema.empty.adding(openAPI: document, file: "s.yaml")
        let volume = { (s: MergeSchema) in s.definition("io.k8s.api.core.v1.Volume").map { s[$0].properties.count } }
        #expect(volume(mine) == 1 && volume(alone) == 1)
        #expect((volume(theirs) ?? 0) > 20)
        let deployment = { (s: MergeSchema) in s.root(apiVersion: "apps/v1", kind: "Deployment").map { s[$0].properties.keys.sorted() } }
        #expect(deployment(mine) == ["volumes"])
        #expect(deployment(theirs) == ["apiVersion", "kind", "metadata", "spec", "status"])
        #expect(alone.root(apiVersion: "v1", kind: "Pod") == nil)
    }

    /// kubectl 1.37.1: with `openapi: path:` in a base, a Deployment's containers merge by name only when a
    /// resource of another kind (`example.com/v1 Other`) was read before the base; a ConfigMap first does not count.
    @Test func kustomizeCustomSchemaState() throws {
        #expect(MergeSchema.precomputedScopes.count == 82)
        #expect(MergeSchema.kustomizeKnowsScope(apiVersion: "v1", kind: "ConfigMap"))
        #expect(MergeSchema.kustomizeKnowsScope(apiVersion: "apps/v1", kind: "Deployment"))
        #expect(!MergeSchema.kustomizeKnowsScope(apiVersion: "example.com/v1", kind: "Other"))
        #expect(!MergeSchema.kustomizeKnowsScope(apiVersion: "v1", kind: "List"))
        let document = try YAMLTestInput.value(Self.customSchema)
        let deployment = try YAMLTestInput.value("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}
            """)
        let patch = try YAMLTestInput.value("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {template: {spec: {containers: [{name: a, image: a2}]}}}
            """)
        let alone = try MergeSchema.kustomizeCustom(document, file: "s.yaml", afterOtherKinds: false)
        let loaded = try MergeSchema.kustomizeCustom(document, file: "s.yaml", afterOtherKinds: true)
        let containers = { (s: MergeSchema) in
            try StrategicMerge.apply(patch, to: deployment, schema: s)?[path: ["spec", "template", "spec", "containers"]]
                .map { Canonical.text($0) }
        }
        #expect(try containers(alone) == #"[{"image":"a2","name":"a"}]"#)
        #expect(try containers(loaded) == #"[{"image":"a2","name":"a"},{"image":"b","name":"b"}]"#)
        #expect(loaded.root(apiVersion: "example.com/v1alpha1", kind: "MyCRD") != nil)
    }

    /// The schema file of the conformance corpus's openapi fixtures, applied to its resource and patch.
    @Test func conformanceCustomSchema() throws {
        let dir = TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures/TestCustomOpenApiFieldBasicUsage")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            print("skipped: \(dir.path) is absent")
            return
        }
        let schemaText = try String(contentsOf: dir.appendingPathComponent("input/mycrd_schema.json"), encoding: .utf8)
        let schema = try k8s.adding(openAPI: YAMLTestInput.value(schemaText), file: "mycrd_schema.json")
        let resource = try YAMLTestInput.value(String(contentsOf: dir.appendingPathComponent("input/mycrd.yaml"),
                                                      encoding: .utf8))
        let patch = try YAMLTestInput.value("""
            apiVersion: example.com/v1alpha1
            kind: MyCRD
            metadata:
              name: service
            spec:
              template:
                spec:
                  containers:
                  - name: server
                    image: nginx
            """)
        let expected = try YAMLTestInput.value(String(contentsOf: dir.appendingPathComponent("expected.yaml"),
                                                      encoding: .utf8))
        let merged = try StrategicMerge.apply(patch, to: resource, schema: schema)
        #expect(Canonical.text(merged) == Canonical.text(expected))
        // Without the schema the containers list is replaced.
        let plain = try StrategicMerge.apply(patch, to: resource, schema: k8s)
        #expect(plain?["spec"]?["template"]?["spec"]?["containers"]?.sequence?.first?["command"] == nil)
    }

    @Test func crdSchema() throws {
        let crd = try YAMLTestInput.value("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              names: {kind: Widget, plural: widgets}
              versions:
              - name: v1
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          parts:
                            type: array
                            x-kubernetes-list-type: map
                            x-kubernetes-list-map-keys: [id]
                            items:
                              type: object
                              properties:
                                id: {type: string}
                                size: {type: integer}
                          tags:
                            type: array
                            items: {type: string}
                            x-kubernetes-patch-strategy: merge
            """)
        let schema = try MergeSchema.empty.adding(crd: crd, file: "widget-crd.yaml")
        let resource = try YAMLTestInput.value("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              parts: [{id: a, size: 1}, {id: b, size: 2}]
              tags: [x]
            """)
        let patch = try YAMLTestInput.value("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              parts: [{id: b, size: 3}]
              tags: [y]
            """)
        let merged = try StrategicMerge.apply(patch, to: resource, schema: schema)
        #expect(Canonical.text(merged?["spec"]) == #"{"parts":[{"id":"b","size":3},{"id":"a","size":1}],"tags":["y","x"]}"#)
        #expect(throws: MergeError.self) { try MergeSchema.empty.adding(crd: resource, file: "w.yaml") }
    }
}
