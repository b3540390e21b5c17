import Foundation
import Testing
@testable import Registry

struct FormattingTests {
    @Test func timestampsPrintAsPythonIsoformat() {
        #expect(Timestamp(seconds: 0, offsetMinutes: 0).iso8601 == "1970-01-01T00:00:00+00:00")
        #expect(Timestamp(seconds: 1_795_920_605, offsetMinutes: 0).iso8601 == "2026-11-29T02:50:05+00:00")
        #expect(Timestamp(seconds: 1_795_920_605, offsetMinutes: 330).iso8601 == "2026-11-29T08:20:05+05:30")
        #expect(Timestamp(seconds: 1_795_920_605, offsetMinutes: -300).iso8601 == "2026-11-28T21:50:05-05:00")
        #expect(Timestamp(seconds: 951_782_400, offsetMinutes: 0).iso8601 == "2000-02-29T00:00:00+00:00")
        #expect(Timestamp(seconds: -1, offsetMinutes: 0).iso8601 == "1969-12-31T23:59:59+00:00")
    }

    @Test func jsonPrintsAsPythonJsonDumpsIndent4() {
        let value: JSONValue = .object([
            ("a", .array([.int(1), .bool(true), .null])), ("empty", .array([])), ("none", .object([])),
            ("text", .string("q\"b\\n\nt\té€😀\u{1}")),
        ])
        let expected = """
        {
            "a": [
                1,
                true,
                null
            ],
            "empty": [],
            "none": {},
            "text": "q\\"b\\\\n\\nt\\t\\u00e9\\u20ac\\ud83d\\ude00\\u0001"
        }
        """
        #expect(value.rendered() == expected)
    }

    @Test func metadataRoundTripsThroughItsNote() throws {
        let metadata = VersionMetadata(uri: "s3://b/m", digest: "sha256:abc", type: "model",
                                       metrics: [("acc", "0.93"), ("loss", "1e-3")], params: [("lr", "0.01")],
                                       lineage: [("job", "train-7")])
        #expect(try VersionMetadata.parse(note: metadata.noteText, tag: "m@v1.0.0") == metadata)
        #expect(throws: RegistryError.self) { try VersionMetadata.parse(note: "[1, 2]", tag: "m@v1.0.0") }
    }

    @Test func gtoConfigIsValidated() throws {
        let config = try RegistryConfig.parseGTO("stages: [dev, prod]\ntypes: [model]\nLOG_LEVEL: INFO\n", file: ".gto")
        #expect(config.gtoStages == ["dev", "prod"])
        #expect(config.gtoTypes == ["model"])
        #expect(throws: RegistryError.self) { try config.checkStage("qa") }
        #expect(throws: RegistryError.self) { try config.checkType("data") }
        #expect(throws: RegistryError.self) { try RegistryConfig.parseGTO("stages: [ok, bad.name]\n", file: ".gto") }
        #expect(throws: RegistryError.self) { try RegistryConfig.parseGTO("stages: prod\n", file: ".gto") }
        let project = RegistryConfig(projectStages: ["dev"])
        #expect(project.allowedStages?.source == "kf.yaml registry.stages")
        #expect(RegistryConfig().allowedStages == nil)
    }
}

struct HistoryWriterTests {
    /// The direct history writer prints exactly what rendering the JSON value prints.
    @Test func historyBytesEqualTheRenderedValue() throws {
        func event(_ kind: Event.Kind, _ seconds: Int64, tag: String, version: String?, stage: String?) -> Event {
            Event(kind: kind, artifact: "dir:m", createdAt: Timestamp(seconds: seconds, offsetMinutes: 60), author: "Zoë",
                  authorEmail: "z@x", message: "say \"hi\"\nthere", commit: String(repeating: "a", count: 40), tag: tag,
                  version: version, stage: stage)
        }
        let events = [event(.registration, 10, tag: "dir=m@v0.0.1", version: "v0.0.1", stage: nil),
                      event(.assignment, 11, tag: "dir=m#prod#1", version: "v0.0.1", stage: "prod"),
                      event(.deprecation, 12, tag: "dir=m@deprecated", version: nil, stage: nil)]
        #expect(RegistryViews.historyBytes(events) == RegistryViews.history(events).renderedBytes())
        #expect(RegistryViews.historyBytes([]) == RegistryViews.history([]).renderedBytes())
    }
}
