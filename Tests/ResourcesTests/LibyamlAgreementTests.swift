import Foundation
import Testing
import Yams
@testable import Resources

/// The parser reads every real input (the Kubeflow manifests tree and the corpus's inputs) to the same structure and
/// scalar text as libyaml (through Yams), the parser behind kubectl's own YAML reading.
@Suite struct LibyamlAgreementTests {
    static func inputFiles() -> [URL] {
        let roots = [
            TestPaths.shared.appendingPathComponent("benchmarks/kubeflow-manifests/tree"),
            TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures"),
        ]
        var files: [URL] = []
        for root in roots {
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker {
                let ext = url.pathExtension
                if ext == "yaml" || ext == "yml" || ext == "json" { files.append(url) }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    @Test func sameTreesAsLibyaml() throws {
        let files = Self.inputFiles()
        guard !files.isEmpty else {
            print("skipping: ../shared is absent")
            return
        }
        var compared = 0
        var skipped = 0
        var failures: [String] = []
        for url in files {
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            // Merge keys and kustomize's separator rules are checked elsewhere; libyaml keeps `<<` as a key.
            // libyaml's own errors (duplicate keys, invalid fixtures) are skipped: agreement is about what it reads.
            guard !text.contains("<<"), let yams = try? Self.libyamlDocuments(text) else {
                skipped += 1
                continue
            }
            let expected = yams.filter { !Self.isNullDocument($0) }
            do {
                let ours = try YAMLParser(duplicateKeys: .lastWins).parse([UInt8](data), file: url.path)
                compared += 1
                if ours.count != expected.count {
                    failures.append("\(url.path): \(ours.count) documents, libyaml reads \(expected.count)")
                    continue
                }
                for (a, b) in zip(ours, expected) {
                    if let difference = Self.difference(a, b, path: "") {
                        failures.append("\(url.path): \(difference)")
                        break
                    }
                }
            } catch {
                failures.append("\(url.path): \(error)")
            }
        }
        print("libyaml agreement: \(compared - failures.count) of \(compared) files agree (\(skipped) skipped)")
        #expect(compared > 1900)
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(20).joined(separator: "\n"))")
    }

    static func libyamlDocuments(_ text: String) throws -> [Node] {
        let parser = try Parser(yaml: text)
        var nodes: [Node] = []
        while let node = try parser.nextRoot() { nodes.append(node) }
        return nodes
    }

    static func isNullDocument(_ node: Node) -> Bool {
        guard case let .scalar(s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    static func difference(_ ours: Value, _ theirs: Node, path: String) -> String? {
        switch (ours, theirs) {
        case let (.mapping(m), .mapping(n)):
            // libyaml keeps duplicate keys; the last one wins for us.
            var last: [String: Node] = [:]
            var order: [String] = []
            for (k, v) in n {
                let key = k.scalar?.string ?? "?"
                if last[key] == nil { order.append(key) }
                last[key] = v
            }
            if m.keys != order { return "\(path): keys \(m.keys) vs \(order)" }
            for (k, v) in m.pairs {
                if let d = difference(v, last[k]!, path: path + "." + k) { return d }
            }
            return nil
        case let (.sequence(a), .sequence(b)):
            if a.count != b.count { return "\(path): \(a.count) items vs \(b.count)" }
            for (i, (x, y)) in zip(a, b).enumerated() {
                if let d = difference(x, y, path: path + "[\(i)]") { return d }
            }
            return nil
        case let (.scalar(s), .scalar(t)):
            if s.text != t.string { return "\(path): \(String(reflecting: s.text)) vs \(String(reflecting: t.string))" }
            if t.style != .plain && t.style != .any && t.tag.description == "tag:yaml.org,2002:str" && s.tag != .string {
                return "\(path): quoted scalar typed \(s.tag)"
            }
            return nil
        case let (.scalar(s), .alias), let (.scalar(s), _) where s.tag == .null:
            return nil
        default:
            return "\(path): \(ours) vs \(theirs)"
        }
    }
}
