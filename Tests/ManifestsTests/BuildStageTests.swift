import Foundation
import Resources
import Testing
@testable import Manifests

/// One test per stage and builtin transformer, on an in-memory filesystem. Expected outputs were checked against
/// kubectl v1.37.1 (kustomize v5.8.1).
struct BuildStageTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: app
                image: nginx:1.25
                envFrom:
                - configMapRef:
                    name: settings

        """

    // MARK: load

    @Test func unknownFieldNamesFileAndField() {
        let message = BuildHarness.failure(["/app/kustomization.yaml": "resourcez:\n- a.yaml\n"])
        #expect(message?.contains("unknown field \"resourcez\"") == true)
        #expect(message?.contains("/app/kustomization.yaml") == true)
    }

    @Test func missingKustomizationFile() {
        let message = BuildHarness.failure(["/app/deploy.yaml": Self.deployment])
        #expect(message?.contains("unable to find one of 'kustomization.yaml'") == true)
    }

    @Test func invalidYAMLNamesFileAndLine() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- d.yaml\n",
            "/app/d.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n bad: [\n",
        ])
        #expect(message?.contains("/app/d.yaml") == true)
    }

    @Test func deprecationWarningsGoToTheWarnCallback() throws {
        let box = WarningBox()
        let fs = MemoryFileSystem([
            "/app/kustomization.yaml": "bases:\n- ../base\ncommonLabels:\n  a: b\n",
            "/base/kustomization.yaml": "resources:\n- d.yaml\n",
            "/base/d.yaml": Self.deployment,
        ])
        _ = try Kustomizer(fileSystem: fs, options: BuildOptions(warn: { box.add($0) })).build("/app")
        #expect(box.lines == [
            "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
            "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ])
    }

    // MARK: accumulate resources

    @Test func duplicateIdsAreRejected() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- a.yaml\n- b.yaml\n",
            "/app/a.yaml": Self.deployment,
            "/app/b.yaml": Self.deployment,
        ])
        #expect(message?.contains("may not add resource with an already registered id: Deployment.v1.apps/web.[noNs]") == true)
    }

    @Test func cyclesBetweenBasesAreRejected() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- ../other\n",
            "/other/kustomization.yaml": "resources:\n- ../app\n",
        ])
        #expect(message?.contains("cycle detected") == true)
    }

    @Test func filesOutsideTheRootNeedLoadRestrictionsNone() throws {
        let files = [
            "/app/kustomization.yaml": "resources:\n- d.yaml\npatches:\n- path: ../shared/patch.yaml\n",
            "/app/d.yaml": Self.deployment,
            "/shared/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
        ]
        let message = BuildHarness.failure(files)
        #expect(message?.contains("security; file '/shared/patch.yaml' is not in or below '/app'") == true)
        let yaml = try BuildHarness.yaml(files, restriction: .none)
        #expect(yaml.contains("replicas: 3"))
    }

    @Test func unreachableRemoteBasesNameTheURLAndHowToVendor() {
        // `.invalid` never resolves (RFC 2606), so this fails the same way with or without a network.
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- https://kf-test.invalid/org/repo//deploy?ref=v1\n",
        ])
        #expect(message?.contains("https://kf-test.invalid/org/repo//deploy?ref=v1") == true, "\(message ?? "")")
        #expect(message?.contains("vendor") == true, "\(message ?? "")")
    }

    @Test func listKindIsExpanded() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "resources:\n- list.yaml\n",
            "/app/list.yaml": """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: ConfigMap
                  metadata:
                    name: a
                - apiVersion: v1
                  kind: ConfigMap
                  metadata:
                    name: b

                """,
        ])
        #expect(yaml == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
    }

    @Test func componentsMustBeComponents() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "components:\n- ../base\n",
            "/base/kustomization.yaml": "resources:\n- d.yaml\n",
            "/base/d.yaml": Self.deployment,
        ])
        #expect(message?.contains("expected kind 'Component' for path '/base' but got 'Kustomization'") == true)
    }

    // MARK: generators

    @Test func configMapGeneratorHashMatchesKustomize() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "configMapGenerator:\n- name: settings\n  literals:\n  - a=1\n  - b=two\n",
        ])
        #expect(yaml == "apiVersion: v1\ndata:\n  a: \"1\"\n  b: two\nkind: ConfigMap\nmetadata:\n  name: settings-5m9tg7g54f\n")
    }

    @Test func secretGeneratorEncodesAndHashes() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "secretGenerator:\n- name: creds\n  literals:\n  - user=admin\n",
        ])
        #expect(yaml == "apiVersion: v1\ndata:\n  user: YWRtaW4=\nkind: Secret\nmetadata:\n  name: creds-hmbb7mfmdf\ntype: Opaque\n")
    }

    @Test func generatorOptionsDisableTheHash() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "generatorOptions:\n  disableNameSuffixHash: true\n  labels:\n    gen: \"yes\"\nconfigMapGenerator:\n- name: settings\n  envs:\n  - app.env\n",
            "/app/app.env": "# comment\nMODE=prod\n\nLEVEL=3\n",
        ])
        #expect(yaml == "apiVersion: v1\ndata:\n  LEVEL: \"3\"\n  MODE: prod\nkind: ConfigMap\nmetadata:\n  labels:\n    gen: \"yes\"\n  name: settings\n")
    }

    @Test func generatorMergeBehaviorExtendsTheBase() throws {
        let resources = try BuildHarness.resources([
            "/base/kustomization.yaml": "configMapGenerator:\n- name: settings\n  literals:\n  - a=1\n",
            "/app/kustomization.yaml": "resources:\n- ../base\nconfigMapGenerator:\n- name: settings\n  behavior: merge\n  literals:\n  - b=2\n",
        ])
        #expect(resources.count == 1)
        #expect(resources[0].value["data"]?["a"]?.text == "1")
        #expect(resources[0].value["data"]?["b"]?.text == "2")
        #expect(resources[0].name.hasPrefix("settings-"))
    }

    @Test func createBehaviorOnAnExistingIdFails() {
        let message = BuildHarness.failure([
            "/base/kustomization.yaml": "configMapGenerator:\n- name: settings\n  literals:\n  - a=1\n",
            "/app/kustomization.yaml": "resources:\n- ../base\nconfigMapGenerator:\n- name: settings\n  literals:\n  - b=2\n",
        ])
        #expect(message?.contains("behavior must be merge or replace") == true)
    }

    // MARK: transformers

    @Test func namespacePrefixSuffixAndNameReferences() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": """
                namespace: prod
                namePrefix: p-
                nameSuffix: -s
                resources:
                - d.yaml
                configMapGenerator:
                - name: settings
                  literals:
                  - a=1

                """,
            "/app/d.yaml": Self.deployment,
        ])
        // Checked against kubectl: the generated name, with its hash, is what the Deployment refers to.
        #expect(yaml.contains("  name: p-web-s\n  namespace: prod\n"))
        #expect(yaml.contains("  name: p-settings-s-h29d89cmmt\n  namespace: prod\n"))
        #expect(yaml.contains("        - configMapRef:\n            name: p-settings-s-h29d89cmmt\n"))
    }

    @Test func labelsWithAndWithoutSelectors() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                resources:
                - d.yaml
                labels:
                - pairs:
                    team: a
                - pairs:
                    app: web
                  includeSelectors: true

                """,
            "/app/d.yaml": Self.deployment,
        ])
        let d = resources[0].value
        #expect(d[path: ["metadata", "labels", "team"]]?.text == "a")
        #expect(d[path: ["spec", "template", "metadata", "labels", "team"]] == nil)
        #expect(d[path: ["spec", "selector", "matchLabels", "app"]]?.text == "web")
        #expect(d[path: ["spec", "template", "metadata", "labels", "app"]]?.text == "web")
    }

    @Test func commonAnnotationsAreStrings() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "resources:\n- cm.yaml\ncommonAnnotations:\n  enabled: \"true\"\n",
            "/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        ])
        #expect(yaml == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    enabled: \"true\"\n  name: a\n")
    }

    @Test func imagesReplicasAndDigest() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                resources:
                - d.yaml
                images:
                - name: nginx
                  newName: registry.local/nginx
                  digest: sha256:abc
                replicas:
                - name: web
                  count: 4

                """,
            "/app/d.yaml": Self.deployment,
        ])
        let d = resources[0].value
        #expect(d[path: ["spec", "replicas"]]?.scalar == Scalar("4", tag: .int))
        let container = d[path: ["spec", "template", "spec", "containers"]]?.sequence?.first
        #expect(container?["image"]?.text == "registry.local/nginx@sha256:abc")
    }

    @Test func imageNameSplitting() {
        #expect(Transformers.splitImage("nginx") == ("nginx", "", ""))
        #expect(Transformers.splitImage("reg:5000/app:1.0") == ("reg:5000/app", "1.0", ""))
        #expect(Transformers.splitImage("app@sha256:ff") == ("app", "", "sha256:ff"))
        #expect(Transformers.splitImage("app:1@sha256:ff") == ("app", "1", "sha256:ff"))
    }

    @Test func replacementsCopyAFieldWithDelimiter() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                resources:
                - d.yaml
                - cm.yaml
                replacements:
                - source:
                    kind: ConfigMap
                    name: versions
                    fieldPath: data.tag
                  targets:
                  - select:
                      kind: Deployment
                    fieldPaths:
                    - spec.template.spec.containers.[name=app].image
                    options:
                      delimiter: ":"
                      index: 1

                """,
            "/app/d.yaml": Self.deployment,
            "/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: versions\ndata:\n  tag: \"1.26\"\n",
        ])
        let d = resources.first { $0.kind == "Deployment" }!.value
        #expect(d[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["image"]?.text == "nginx:1.26")
    }

    @Test func varsAreResolvedAfterRenames() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                namePrefix: x-
                resources:
                - svc.yaml
                - pod.yaml
                vars:
                - name: SVC
                  objref:
                    kind: Service
                    name: db
                    apiVersion: v1

                """,
            "/app/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n",
            "/app/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    command: [\"connect\", \"$(SVC)\"]\n",
        ])
        let pod = resources.first { $0.kind == "Pod" }!.value
        #expect(pod[path: ["spec", "containers"]]?.sequence?.first?["command"]?.sequence?.last?.text == "x-db")
    }

    @Test func duplicateVarsAreRejected() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- svc.yaml\nvars:\n- name: A\n  objref:\n    kind: Service\n    name: db\n    apiVersion: v1\n- name: A\n  objref:\n    kind: Service\n    name: db\n    apiVersion: v1\n",
            "/app/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n",
        ])
        #expect(message?.contains("var 'A' already encountered") == true)
    }

    @Test func patchTargetsByRegexAndLabelSelector() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                resources:
                - d.yaml
                patches:
                - target:
                    kind: Deploy.*
                    labelSelector: tier=front
                  patch: |-
                    - op: add
                      path: /spec/paused
                      value: true
                - target:
                    kind: Deployment
                    name: nothing-matches
                  patch: |-
                    - op: add
                      path: /spec/minReadySeconds
                      value: 5

                """,
            "/app/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    tier: front\nspec:\n  replicas: 1\n",
        ])
        #expect(resources[0].value[path: ["spec", "paused"]]?.text == "true")
        #expect(resources[0].value[path: ["spec", "minReadySeconds"]] == nil)
    }

    @Test func strategicMergePatchWithoutTargetMustMatch() {
        let message = BuildHarness.failure([
            "/app/kustomization.yaml": "resources:\n- d.yaml\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: other\n",
            "/app/d.yaml": Self.deployment,
        ])
        #expect(message?.contains("no resource matches strategic merge patch") == true)
    }

    // MARK: sort and emit

    @Test func legacyOrderPutsNamespacesFirstAndWebhooksLast() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": "resources:\n- all.yaml\n",
            "/app/all.yaml": """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata:
                  name: hook
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: ns

                """,
        ])
        #expect(resources.map(\.kind) == ["Namespace", "Deployment", "ValidatingWebhookConfiguration"])
    }

    @Test func fifoKeepsInputOrderAndLegacyOptionsAreChecked() throws {
        let files = [
            "/app/kustomization.yaml": "sortOptions:\n  order: fifo\nresources:\n- all.yaml\n",
            "/app/all.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n",
        ]
        #expect(try BuildHarness.resources(files).map(\.kind) == ["Deployment", "Namespace"])
        var bad = files
        bad["/app/kustomization.yaml"] = "sortOptions:\n  order: random\nresources:\n- all.yaml\n"
        #expect(BuildHarness.failure(bad)?.contains("the field 'sortOptions.order' must be one of [fifo, legacy]") == true)
    }

    @Test func orderFirstAndOrderLast() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": """
                sortOptions:
                  order: legacy
                  legacySortOptions:
                    orderFirst: [Service]
                    orderLast: [Namespace]
                resources:
                - all.yaml

                """,
            "/app/all.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
        ])
        #expect(resources.map(\.kind) == ["Service", "ConfigMap", "Namespace"])
    }

    @Test func buildMetadataOriginAnnotation() throws {
        let yaml = try BuildHarness.yaml([
            "/app/kustomization.yaml": "buildMetadata: [originAnnotations]\nresources:\n- cm.yaml\n",
            "/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        ])
        #expect(yaml == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: cm.yaml\n  name: a\n")
    }

    @Test func helmChartsAreRefused() {
        let message = BuildHarness.failure(["/app/kustomization.yaml": "helmCharts:\n- name: x\n"])
        #expect(message?.contains("helm") == true)
    }

    @Test func jsonAndFileRendering() throws {
        let resources = try BuildHarness.resources([
            "/app/kustomization.yaml": "resources:\n- cm.yaml\n",
            "/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: A\n",
        ])
        let json = try Rendering.json(resources)
        #expect(json.contains("\"kind\": \"List\""))
        #expect(try Rendering.files(resources).map(\.name) == ["v1_configmap_a.yaml"])
    }

    // MARK: pieces

    @Test func hashEncodingSwapsLetters() {
        #expect(Generators.encodeHash("0123aebcdef9") == "gh2kmtbcdt")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func pathsAreCleaned() {
        #expect(Paths.join("/a/b", "../c/./d") == "/a/c/d")
        #expect(Paths.isWithin("/a/bc", root: "/a/b") == false)
        #expect(Paths.isWithin("/a/b/c", root: "/a/b"))
    }
}

/// Collects warnings from a build.
final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    func add(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
}

/// The loader on the real filesystem: a symbolic link that leads out of the kustomization's root is refused.
struct DiskLoaderTests {
    @Test func symlinkEscapingTheRootIsRefused() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kf-loader-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let app = base.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        let outside = base.appendingPathComponent("secret.yaml")
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: app.appendingPathComponent("cm.yaml"), withDestinationURL: outside)
        try "resources:\n- cm.yaml\n".write(to: app.appendingPathComponent("kustomization.yaml"), atomically: true,
                                           encoding: .utf8)
        var message = ""
        do {
            _ = try Kustomizer().build(app.path)
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("is not in or below"))
        let relaxed = try Kustomizer(options: BuildOptions(loadRestriction: .none)).buildYAML(app.path)
        #expect(relaxed.contains("name: leaked"))
    }
}
