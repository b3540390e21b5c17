import Testing
import Resources

@Suite struct YAMLDocumentTests {
    @Test func setKeepsOrderQuotingAndHeader() throws {
        let text = "# head\n# more\n\nkind: Kustomization\nnamespace: old\nname: \"quoted\"\nlist:\n- a\n"
        var document = try YAMLDocument(text: text, file: "k.yaml")
        try document.set(["namespace"], to: "new", file: "k.yaml")
        try document.set(["metadata", "name"], to: "yes", file: "k.yaml")
        let out = try document.text()
        #expect(out == "# head\n# more\n\nkind: Kustomization\nnamespace: new\nname: \"quoted\"\nlist:\n- a\nmetadata:\n  name: 'yes'\n")
    }

    @Test func userValuesCannotInjectYAML() throws {
        var document = try YAMLDocument(text: "a: b\n", file: "f.yaml")
        try document.set(["a"], to: "x\nevil: true", file: "f.yaml")
        let reparsed = try YAMLDocument(text: try document.text(), file: "f.yaml")
        #expect(reparsed.root["a"]?.string == "x\nevil: true")
        #expect(reparsed.root["evil"] == nil)
    }

    @Test func errorsNameFileLineAndPath() throws {
        let error = try #require(throws: ResourceError.self) { try YAMLDocument(text: "a: [\n", file: "bad.yaml") }
        #expect(error.description.hasPrefix("bad.yaml:"))
        var document = try YAMLDocument(text: "a: [1]\n", file: "f.yaml")
        #expect(throws: ResourceError.notAMapping(file: "f.yaml", path: "a")) {
            try document.set(["a", "b"], to: "c", file: "f.yaml")
        }
    }
}
