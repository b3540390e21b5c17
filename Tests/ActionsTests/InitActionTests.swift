import Foundation
import Testing
@testable import Actions
import Git
import Project

@Suite struct InitActionTests {
    func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appending(path: "kf-init-\(UUID().uuidString)").path
    }

    func files(under root: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: root)
        var out: [String] = []
        while let path = walker?.nextObject() as? String {
            if path == ".git" { walker?.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out.append(path) }
        }
        return out.sorted()
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func createsTheExpectedTree() throws {
        let base = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let root = base + "/My Model"
        let result = try InitAction(directory: root, namespace: "team-a").run()
        #expect(result.project.name == "my-model")
        #expect(files(under: root) == [
            ".gitignore", "kf.yaml", "manifests/base/kustomization.yaml", "manifests/base/namespace.yaml",
            "manifests/overlays/dev/kustomization.yaml", "manifests/overlays/local/kustomization.yaml",
            "manifests/overlays/prod/kustomization.yaml",
        ])
        #expect(result.entries.allSatisfy { $0.outcome == .created })
        let project = try ProjectFile.load(path: root + "/kf.yaml")
        var expected = ProjectFile(name: "my-model", namespace: "team-a")
        expected.localImages = [
            ImageMapping(match: "python", cmd: ["python3"]), ImageMapping(match: "busybox", cmd: ["sh"]),
            ImageMapping(match: "alpine", cmd: ["/bin/sh"]), ImageMapping(match: "debian", cmd: ["bash"]),
            ImageMapping(match: "ubuntu", cmd: ["bash"]), ImageMapping(match: "seldonio/mlserver"),
        ]
        #expect(project == expected)
        #expect(try read(root + "/manifests/base/namespace.yaml") == "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n")
        let dev = try read(root + "/manifests/overlays/dev/kustomization.yaml")
        #expect(dev.contains("namespace: team-a\n"))
        #expect(dev.contains("kf.dev/environment: dev"))
        #expect(try read(root + "/.gitignore").split(separator: "\n").contains(".kf/"))
        let repository = try Repository.open(at: root)
        #expect(try repository.currentBranch == "main")
    }

    @Test func pythonImagesUseTheProjectsVenvWhenItHasOne() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/.venv/bin", withIntermediateDirectories: true)
        let result = try InitAction(directory: root, name: "proj").run()
        #expect(result.project.localImages.first == ImageMapping(match: "python", venv: ".venv", cmd: ["python3"]))
        let text = try read(root + "/kf.yaml")
        #expect(text.contains("local:\n  images:\n  - match: python\n    venv: .venv\n    cmd: [python3]\n"), "\(text)")
        #expect(try ProjectFile.load(path: root + "/kf.yaml").localImages == result.project.localImages)
    }

    @Test func rerunKeepsUserFilesByteIdenticalAndAddsWhatIsMissing() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try InitAction(directory: root, name: "proj").run()
        let edited = root + "/manifests/overlays/prod/kustomization.yaml"
        let userText = "# mine\nresources: [../../base]\n"
        try userText.write(toFile: edited, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: root + "/manifests/overlays/dev/kustomization.yaml")
        try "build/\n".write(toFile: root + "/.gitignore", atomically: true, encoding: .utf8)

        let again = try InitAction(directory: root, namespace: "other").run()
        #expect(try read(edited) == userText)
        let outcome = Dictionary(uniqueKeysWithValues: again.entries.map { ($0.path, $0.outcome) })
        #expect(outcome["manifests/overlays/prod/kustomization.yaml"] == .skipped)
        #expect(outcome["manifests/overlays/dev/kustomization.yaml"] == .created)
        #expect(outcome["kf.yaml"] == .kept)
        #expect(outcome[".gitignore"] == .updated)
        #expect(outcome[".git"] == .kept)
        #expect(try read(root + "/.gitignore").hasPrefix("build/\n.kf/\n"))
        // The existing kf.yaml wins over a differing flag, and the user is told.
        #expect(again.project.namespace == "proj")
        #expect(again.warnings.count == 1 && again.warnings[0].contains("--namespace other"))
        // A third run changes nothing.
        let third = try InitAction(directory: root).run()
        #expect(third.entries.allSatisfy { $0.outcome == .kept || $0.outcome == .skipped })
    }

    @Test func invalidProjectFileStopsBeforeWritingAnything() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: x\nnamespce: y\n"
            .write(toFile: root + "/kf.yaml", atomically: true, encoding: .utf8)
        #expect(throws: ProjectError.self) { try InitAction(directory: root).run() }
        #expect(files(under: root) == ["kf.yaml"])
        #expect(!FileManager.default.fileExists(atPath: root + "/.git"))
    }

    @Test func insideAnExistingRepositoryNoNewOneIsMade() throws {
        let outer = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: outer) }
        _ = try Repository.create(at: outer)
        let result = try InitAction(directory: outer + "/sub/proj").run()
        #expect(!FileManager.default.fileExists(atPath: outer + "/sub/proj/.git"))
        #expect(result.entries.last?.outcome == .kept)
    }

    @Test(arguments: ["Bad_Name", "-x", String(repeating: "a", count: 64)])
    func rejectsInvalidNames(name: String) throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: ActionError.self) { try InitAction(directory: root, name: name).run() }
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    @Test func aFileInTheWayIsAnError() throws {
        let path = temporaryFolder()
        try "x".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ActionError.notADirectory(path: path)) { try InitAction(directory: path).run() }
    }

    /// A file where the example needs a folder (src), or a folder where kf writes a file, stops init before it
    /// writes anything: it used to write kf.yaml, manifests/ and half the example, then fail at src/.
    @Test func aConflictInTheFolderStopsBeforeAnythingIsWritten() throws {
        let root = temporaryFolder()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "mine".write(toFile: root + "/src", atomically: true, encoding: .utf8)
        #expect(throws: ActionError.cannotWrite(path: root + "/src/digits_data.py",
                                                reason: "\(root)/src is a file, where kf needs a folder; move it away and run kf init again")) {
            try InitAction(directory: root, example: "digits").run()
        }
        #expect(files(under: root) == ["src"])
        try FileManager.default.removeItem(atPath: root + "/src")
        try FileManager.default.createDirectory(atPath: root + "/kf.yaml", withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try InitAction(directory: root).run() }
        #expect(files(under: root).isEmpty)
    }

    @Test func derivedNames() throws {
        #expect(try InitAction.derivedName(from: "/x/My Cool_Model!") == "my-cool-model")
        #expect(try InitAction.derivedName(from: "/x/--a--") == "a")
    }
}
