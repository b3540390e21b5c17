import Foundation
import Testing
import Templates
import Yams

@Suite struct TemplateStoreTests {
    @Test func embedsTheRepositoryTemplates() throws {
        let paths = TemplateStore.embeddedPaths
        #expect(paths.contains("init/manifests/base/kustomization.yaml"))
        #expect(paths.contains("init/gitignore"))
        // Every embedded file equals the file in templates/ (the build embeds the current tree).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../templates").standardized
        for path in paths {
            let onDisk = try String(contentsOf: root.appending(path: path), encoding: .utf8)
            #expect(try TemplateStore(projectRoot: nil).template(path).text == onDisk, "\(path)")
        }
    }

    @Test func everyYAMLTemplateIsValidYAML() throws {
        let store = TemplateStore(projectRoot: nil)
        for path in TemplateStore.embeddedPaths where path.hasSuffix(".yaml") {
            let text = try store.template(path).text
            #expect(try Yams.compose_all(yaml: text).map { $0 }.isEmpty == false, "\(path)")
        }
    }

    @Test func projectOverrideWins() throws {
        let project = FileManager.default.temporaryDirectory.appending(path: "kf-templates-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: project) }
        let override = project.appending(path: "templates/init/manifests/base/namespace.yaml")
        try FileManager.default.createDirectory(at: override.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "kind: Namespace\n".write(to: override, atomically: true, encoding: .utf8)
        let extra = project.appending(path: "templates/init/extra.txt")
        try "extra\n".write(to: extra, atomically: true, encoding: .utf8)

        let store = TemplateStore(projectRoot: project.path)
        let template = try store.template("init/manifests/base/namespace.yaml")
        #expect(template.text == "kind: Namespace\n")
        #expect(template.origin == .project(path: override.path))
        #expect(try store.template("init/manifests/base/kustomization.yaml").origin == .embedded)
        let all = try store.templates(under: "init").map(\.path)
        #expect(all.contains("init/extra.txt"))
        #expect(throws: TemplateError.notFound(path: "nope.yaml")) { try store.template("nope.yaml") }
    }
}
