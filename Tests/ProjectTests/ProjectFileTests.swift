import Testing
@testable import Project

@Suite struct ProjectFileTests {
    let valid = """
    apiVersion: kf.dev/v1alpha1
    kind: Project
    name: digits
    namespace: ml
    context: prod-cluster
    registry:
      remote: origin
      stages: [dev, staging, prod]
    defaults:
      train:
        framework: pytorch
        workers: 3
        cpu: 500m
        memory: 2Gi
      pipeline:
        cache: false

    """

    @Test func parsesEveryField() throws {
        let project = try ProjectFile.parse(valid, file: "kf.yaml")
        #expect(project.name == "digits")
        #expect(project.namespace == "ml")
        #expect(project.context == "prod-cluster")
        #expect(project.environment == "local")
        #expect(project.registryRemote == "origin")
        #expect(project.stages == ["dev", "staging", "prod"])
        #expect(project.defaults["train"]?["workers"] == "3")
        #expect(project.defaults["pipeline"]?["cache"] == "false")
    }

    @Test func localImagesAreReadInOrderAndChecked() throws {
        let text = """
        apiVersion: kf.dev/v1alpha1
        kind: Project
        name: a1
        local:
          images:
          - match: "ghcr.io/acme/*"
            venv: .venv
            workingDir: src
            entrypoint: [python3, -m, trainer]
          - match: busybox
            cmd: [sh]

        """
        let project = try ProjectFile.parse(text, file: "kf.yaml")
        #expect(project.localImages == [
            ImageMapping(match: "ghcr.io/acme/*", venv: ".venv", workingDir: "src", entrypoint: ["python3", "-m", "trainer"]),
            ImageMapping(match: "busybox", cmd: ["sh"]),
        ])
        #expect(try ProjectFile.parse(try project.rendered(), file: "kf.yaml") == project)
        let bad = "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: a1\nlocal:\n  images:\n  - venv: .venv\n    cmd: sh\n"
        #expect {
            try ProjectFile.parse(bad, file: "kf.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("local.images[0].match: is required")
                && text.contains("local.images[0].cmd: expected a list of strings")
        }
    }

    @Test func defaultsFollowTheName() throws {
        let project = try ProjectFile.parse("apiVersion: kf.dev/v1alpha1\nkind: Project\nname: a1\n", file: "kf.yaml")
        #expect(project.namespace == "a1")
        #expect(project.context == "kf-local")
        #expect(project.stages == ProjectFile.defaultStages)
    }

    @Test func reportsEveryProblemAtOnceWithPositions() throws {
        let text = """
        apiVersion: kf.dev/v1alpha1
        kind: Project
        name: Bad_Name
        namspace: ml
        defaults:
          train:
            workers: many
            memory: lots
          tune:
            algorithm: annealing

        """
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse(text, file: "/p/kf.yaml") }
        guard case let .invalid(file, diagnostics) = error else { Issue.record("wrong error \(error)"); return }
        #expect(file == "/p/kf.yaml")
        #expect(diagnostics.count == 5)
        let byField = Dictionary(uniqueKeysWithValues: diagnostics.map { ($0.field, $0) })
        #expect(byField["name"]?.line == 3)
        #expect(byField["name"]?.message.contains("DNS-1123") == true)
        #expect(byField["namspace"]?.message == "unknown field; did you mean \"namespace\"?")
        #expect(byField["namspace"]?.line == 4)
        #expect(byField["defaults.train.workers"]?.message.contains("an integer of at least 1") == true)
        #expect(byField["defaults.train.workers"]?.line == 7)
        #expect(byField["defaults.train.memory"]?.message.contains("quantity") == true)
        #expect(byField["defaults.tune.algorithm"]?.message.contains("one of random, grid") == true)
        #expect(error.description.contains("/p/kf.yaml:4:1: namspace: unknown field"))
    }

    @Test func missingRequiredAndWrongShapes() throws {
        let text = "kind: Project\nregistry: [a]\ndefaults:\n  serve:\n    protocol: v3\n"
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse(text, file: "kf.yaml") }
        let fields = error.diagnostics.map(\.field).sorted()
        #expect(fields == ["apiVersion", "defaults.serve.protocol", "name", "registry"])
        #expect(error.diagnostics.first { $0.field == "registry" }?.message == "expected a mapping, found a list")
    }

    @Test func unknownKeyFarFromAnyFieldListsTheValidOnes() throws {
        let text = "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: a1\nregistry:\n  zzzzzzzz: 1\n"
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse(text, file: "kf.yaml") }
        #expect(error.diagnostics.first?.message == "unknown field; valid fields here are remote, stages")
    }

    @Test func duplicateKeysAreRefused() throws {
        let text = "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: a1\nname: a2\n"
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse(text, file: "kf.yaml") }
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics[0].message.contains("duplicated key(s): 'name'"))
    }

    @Test func quotedIntegersAreNotIntegers() throws {
        let text = "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: a1\ndefaults:\n  tune:\n    parallel: \"2\"\n"
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse(text, file: "kf.yaml") }
        #expect(error.diagnostics.map(\.field) == ["defaults.tune.parallel"])
        #expect(error.diagnostics[0].message == "expected an integer of at least 1, found \"2\"")
    }

    @Test func invalidYAMLNamesTheLine() throws {
        let error = try #require(throws: ProjectError.self) {
            try ProjectFile.parse("name: a\n  bad: [\n", file: "kf.yaml")
        }
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics[0].message.hasPrefix("invalid YAML"))
        #expect(error.diagnostics[0].line == 2)
    }

    @Test func emptyFileIsAnError() throws {
        let error = try #require(throws: ProjectError.self) { try ProjectFile.parse("", file: "kf.yaml") }
        #expect(error.diagnostics[0].message.contains("empty"))
    }

    @Test func renderedFileLoadsBackEqual() throws {
        var project = ProjectFile(name: "p", namespace: "ns", context: "ctx", registryRemote: "git@example.com:a/b.git",
                                  stages: ["qa", "prod"])
        project.defaults = ["train": ["workers": "2", "image": "python:3.11"]]
        let text = try project.rendered()
        #expect(try ProjectFile.parse(text, file: "kf.yaml") == project)
        #expect(text.hasPrefix("# kf project file"))
    }
}

extension ProjectError {
    var diagnostics: [ProjectDiagnostic] {
        if case let .invalid(_, diagnostics) = self { return diagnostics }
        return []
    }
}
