import Testing
@testable import Resources

/// Parses one document.
func parse1(_ yaml: String, _ parser: YAMLParser = YAMLParser()) throws -> Value {
    let documents = try parser.parse(yaml, file: "test.yaml")
    try #require(documents.count == 1, "expected one document, got \(documents.count)")
    return documents[0]
}

func s(_ text: String) -> Value { .string(text) }
func m(_ pairs: KeyValuePairs<String, Value>) -> Value { .mapping(Mapping(pairs.map { ($0.key, $0.value) })) }
func scalar(_ text: String, _ tag: Scalar.Tag) -> Value { .scalar(Scalar(text, tag: tag)) }

/// The error's message, or nil when parsing succeeds.
func parseError(_ yaml: String, _ parser: YAMLParser = YAMLParser()) -> String? {
    do {
        _ = try parser.parse(yaml, file: "bad.yaml")
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite struct BlockCollectionTests {
    @Test func mappingsAndSequences() throws {
        let v = try parse1("""
        a: 1
        b:
          c: x
          d:
          - p
          - q
        e:
        - r
        - s: t
          u: v
        - - w
          - z
        """)
        #expect(v == m([
            "a": .int(1),
            "b": m(["c": s("x"), "d": .sequence([s("p"), s("q")])]),
            "e": .sequence([s("r"), m(["s": s("t"), "u": s("v")]), .sequence([s("w"), s("z")])]),
        ]))
        #expect(v.mapping?.keys == ["a", "b", "e"], "order is kept")
    }

    @Test func sequenceIndentedUnderItsKeyAndEntriesOnTheirOwnLine() throws {
        let v = try parse1("""
        list:
            -   a
            -
              b
            -   k: 1
                l: 2
        """)
        #expect(v == m(["list": .sequence([s("a"), s("b"), m(["k": .int(1), "l": .int(2)])])]))
    }

    @Test func emptyValuesAreNull() throws {
        let v = try parse1("a:\nb: ~\nc: null\nd: ''\nlist:\n-\n- ~\n")
        #expect(v == m(["a": scalar("", .null), "b": scalar("~", .null), "c": .null, "d": s(""),
                        "list": .sequence([scalar("", .null), scalar("~", .null)])]))
    }

    @Test func explicitKeys() throws {
        let v = try parse1("? a\n: 1\n? b\nc: 2\n")
        #expect(v == m(["a": .int(1), "b": scalar("", .null), "c": .int(2)]))
    }

    @Test func comments() throws {
        let v = try parse1("""
        # head
        a: 1 # after
          # indented comment
        b: 'q' # after quoted
        c: a#b
        d: [1, 2] # after flow
        e: |  # after header
          text # kept
        # between
        f: x
        """)
        #expect(v == m(["a": .int(1), "b": s("q"), "c": s("a#b"), "d": .sequence([.int(1), .int(2)]),
                        "e": s("text # kept\n"), "f": s("x")]))
    }
}

@Suite struct FlowCollectionTests {
    @Test func jsonDocument() throws {
        let v = try parse1(#"{"a": 1, "b": [true, null, 2.5, "x"], "c": {}, "d": [], "e": "\u00e9\n"}"#)
        #expect(v == m(["a": .int(1), "b": .sequence([.bool(true), .null, scalar("2.5", .float), s("x")]),
                        "c": .mapping(Mapping()), "d": .sequence([]), "e": s("é\n")]))
    }

    @Test func yamlFlowForms() throws {
        let v = try parse1("""
        a: {x: 1, y: [p, q: r, {s: t}], z: http://h/p}
        b: [
          multi
          line, 'two'
          ,
        ]
        c: {k}
        d: [a b, c:d]
        """)
        #expect(v == m([
            "a": m(["x": .int(1), "y": .sequence([s("p"), m(["q": s("r")]), m(["s": s("t")])]), "z": s("http://h/p")]),
            "b": .sequence([s("multi line"), s("two")]),
            // kustomize re-encodes an empty flow scalar as '': it comes out as an empty string.
            "c": m(["k": s("")]),
            "d": .sequence([s("a b"), s("c:d")]),
        ]))
    }
}

@Suite struct ScalarTests {
    @Test func plainMultiLine() throws {
        let v = try parse1("a: first\n  second\n\n  third\nb: x - y\n")
        #expect(v == m(["a": s("first second\nthird"), "b": s("x - y")]))
    }

    @Test func quotedScalars() throws {
        let v = try parse1(#"""
        a: 'it''s'
        b: "tab\there \u00e9 \x41 \U0001F600 \\ \" \/ \N \_ \L \P \0 \e"
        c: "folded
          line

          next"
        d: "escaped \
          break"
        e: 'single
          folded'
        f: "  spaces kept  "
        """#)
        #expect(v["a"] == s("it's"))
        #expect(v["b"] == s("tab\there é A 😀 \\ \" / \u{85} \u{a0} \u{2028} \u{2029} \u{0} \u{1b}"))
        #expect(v["c"] == s("folded line\nnext"))
        #expect(v["d"] == s("escaped break"))
        #expect(v["e"] == s("single folded"))
        #expect(v["f"] == s("  spaces kept  "))
    }

    @Test func literalBlocks() throws {
        let v = try parse1("""
        clip: |
          a
            b

        strip: |-
          a

        keep: |+
          a


        indented: |2
            x
          y
        leading: |

          after blank
        end: x
        """)
        #expect(v["clip"] == s("a\n  b\n"))
        #expect(v["strip"] == s("a"))
        #expect(v["keep"] == s("a\n\n\n"))
        #expect(v["indented"] == s("  x\ny\n"))
        #expect(v["leading"] == s("\nafter blank\n"))
    }

    @Test func foldedBlocks() throws {
        let v = try parse1("""
        f: >
          one
          two

          three
            more
          four
        g: >-
          x
          y
        """)
        #expect(v["f"] == s("one two\nthree\n  more\nfour\n"))
        #expect(v["f"]?.scalar?.style == .folded)
        #expect(v["g"] == s("x y"))
    }

    /// Plain scalars are typed as go-yaml v3 reads them (YAML 1.2 words, Go number syntax).
    @Test(arguments: [
        ("yes", Scalar.Tag.string), ("on", .string), ("y", .string), ("No", .string),
        ("true", .bool), ("True", .bool), ("FALSE", .bool),
        ("~", .null), ("null", .null), ("Null", .null),
        ("1", .int), ("-3", .int), ("+5", .int), ("0777", .int), ("0o17", .int), ("0x1F", .int), ("0b101", .int),
        ("1_000", .int), ("12345678901234567890", .int),
        ("1e3", .float), ("1.5", .float), (".5", .float), ("-.5", .float), ("1.", .float), ("08", .float),
        (".inf", .float), ("-.Inf", .float), (".NaN", .float),
        ("2021-01-01", .timestamp), ("2001-12-14t21:59:43.10-05:00", .timestamp), ("2021-13-01", .string),
        ("1e400", .string), ("0x", .string), ("1:20", .string), ("-x", .string), ("abc", .string), ("<<", .string),
    ])
    func plainTagResolution(text: String, tag: Scalar.Tag) throws {
        let v = try parse1("k: \(text)\n")
        #expect(v["k"]?.scalar?.tag == tag, "\(text)")
        #expect(v["k"]?.text == text)
    }

    @Test func quotedAndBlockScalarsAreStrings() throws {
        let v = try parse1("a: '1'\nb: \"true\"\nc: |\n  2\n")
        #expect(v["a"]?.scalar?.tag == .string)
        #expect(v["b"]?.scalar?.tag == .string)
        #expect(v["c"]?.scalar?.tag == .string)
    }

    @Test func explicitTags() throws {
        let v = try parse1("""
        a: !!str 123
        b: !!int "7"
        c: !!float 1
        d: !!binary aGVsbG8=
        e: !custom value
        f: !!str
        g: !<tag:yaml.org,2002:str> 5
        """)
        #expect(v["a"] == s("123"))
        #expect(v["b"] == scalar("7", .int))
        #expect(v["c"] == scalar("1", .float))
        #expect(v["d"] == scalar("aGVsbG8=", .other("!!binary")))
        #expect(v["e"] == scalar("value", .other("!custom")))
        #expect(v["f"] == s(""))
        #expect(v["g"] == s("5"))
    }

    @Test func nonSpecificTagResolvesAsUntagged() throws {
        let v = try parse1("a: !\nb: ! x\nc: ! 12\nl: [! 1, ! ]\n")
        #expect(v == m(["a": scalar("", .null), "b": s("x"), "c": .int(12), "l": .sequence([.int(1), s("")])]))
        #expect(try YAMLParser.parse("!\n", file: "x").isEmpty, "a document of `!` alone is null, and dropped")
    }

    @Test func tagHandlesFromDirectives() throws {
        let v = try parse1("%TAG !e! tag:example.com,2000:\n---\na: !e!thing x\n")
        #expect(v["a"] == scalar("x", .other("tag:example.com,2000:thing")))
    }
}

@Suite struct AnchorTests {
    @Test func aliasesCopyTheAnchoredNode() throws {
        let v = try parse1("a: &x {p: 1}\nb: *x\nc: &s text\nd: *s\n")
        #expect(v["b"] == m(["p": .int(1)]))
        #expect(v["d"] == s("text"))
    }

    @Test func mergeKeysAsKustomizeExpandsThem() throws {
        let v = try parse1("""
        base: &b {x: 1, y: 2}
        more: &m {y: 20, z: 30}
        one:
          <<: *b
          x: own
        many:
          <<: [*b, *m]
          w: 0
        """)
        #expect(v["one"] == m(["x": s("own"), "y": .int(2)]))
        // Keys written in the mapping win, then earlier merge sources over later ones.
        #expect(v["many"] == m(["w": .int(0), "y": .int(2), "z": .int(30), "x": .int(1)]))
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let v = try parse1("\"<<\": 1\n")
        #expect(v == m(["<<": .int(1)]))
    }

    @Test func anchorOnAKey() throws {
        let v = try parse1("&k key: value\nother: *k\n")
        #expect(v == m(["key": s("value"), "other": s("key")]))
    }
}

@Suite struct StreamTests {
    @Test func documentsSeparatorsAndEmptyDocuments() throws {
        let docs = try YAMLParser.parse("""
        ---
        a: 1
        ---

        ---
        # only a comment
        ---
        null
        ---
        b: 2
        ...
        ignored: [until the next separator
        ---
        c: 3
        """, file: "stream.yaml")
        #expect(docs == [m(["a": .int(1)]), m(["b": .int(2)]), m(["c": .int(3)])])
    }

    @Test func byteOrderMarkCRLFAndDirective() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("%YAML 1.1\r\n---\r\na: |\r\n  x\r\n  y\r\nb: 'p\r\n\r\n  q'\r\n".utf8)
        let docs = try YAMLParser.parse(bytes, file: "crlf.yaml")
        #expect(docs == [m(["a": s("x\ny\n"), "b": s("p\nq")])])
    }

    @Test func separatorCommentsAndContentAfterTheFirstLine() throws {
        #expect(try YAMLParser.parse("--- {a: 1}\n--- # fine\nb: 2\n", file: "x").count == 2)
        let message = parseError("a: 1\n--- b: 2\n")
        #expect(message?.contains("bad.yaml:2:1: invalid YAML: invalid document separator: --- b: 2") == true,
                "\(message ?? "no error")")
    }

    @Test func dashesStartingTheFirstLineAreContent() throws {
        // kustomize splits on "\n---", so the first line is read as YAML: `---x` is a plain scalar there.
        #expect(try parse1("---apiVersion: v1\n") == m(["---apiVersion": s("v1")]))
        #expect(parseError("a: 1\n---apiVersion: v1\n")?.contains("invalid document separator") == true)
    }

    @Test func duplicateKeys() throws {
        let message = parseError("a: 1\nb: 2\na: 3\n")
        #expect(message == "bad.yaml:3:1: invalid YAML: mapping key \"a\" already defined at line 1")
        let v = try parse1("a: 1\nb: 2\na: 3\n", YAMLParser(duplicateKeys: .lastWins))
        #expect(v == m(["a": .int(3), "b": .int(2)]))
        // Large mappings check duplicates through a hash index.
        let many = (0..<40).map { "k\($0): \($0)" }.joined(separator: "\n") + "\nk7: again\n"
        #expect(parseError(many)?.contains("mapping key \"k7\" already defined at line 8") == true)
    }
}

/// Every error names the file, the line and the column, and says what was expected.
@Suite struct ParserErrorTests {
    @Test(arguments: [(String, String)]([
        ("a: b: c\n", "bad.yaml:1:5: invalid YAML: mapping values are not allowed in this context"),
        ("a: 1\n  b: 2\n", "bad.yaml:2:4: invalid YAML: mapping values are not allowed in this context"),
        ("a: - b\n", "bad.yaml:1:4: invalid YAML: block sequence entries are not allowed in this context"),
        ("a: 1\nfoo\n", "bad.yaml:2:4: invalid YAML: could not find expected ':' after a mapping key"),
        ("a: 1\n- b\n", "bad.yaml:2:1: invalid YAML: did not find expected key; a sequence entry cannot follow a mapping entry at the same indentation"),
        ("a:\n    b: 1\n  c: 2\n", "bad.yaml:3:3: invalid YAML: did not find expected key (bad indentation of a mapping entry)"),
        ("a: \"open\n", "bad.yaml:1:4: invalid YAML: found unexpected end of stream while scanning a quoted scalar"),
        ("a: 'x\n---\n'\n", "bad.yaml:2:1: invalid YAML: found unexpected document indicator while scanning a quoted scalar"),
        ("a: \"\\q\"\n", "bad.yaml:1:6: invalid YAML: found unknown escape character while parsing a quoted scalar"),
        ("a: [1, 2\n", "bad.yaml:1:4: invalid YAML: did not find expected ',' or ']' before the end of the input"),
        ("a: {x: 1 y: 2}\n", "bad.yaml:1:11: invalid YAML: did not find expected ',' or '}'"),
        ("a: -\n", "bad.yaml:1:4: invalid YAML: block sequence entries are not allowed in this context"),
        ("a: *nope\n", "bad.yaml:1:4: invalid YAML: unknown anchor 'nope' referenced"),
        ("a: @x\n", "bad.yaml:1:4: invalid YAML: found character '@' that cannot start any token"),
        ("a: |0\n  x\n", "bad.yaml:1:5: invalid YAML: found an indentation indicator equal to 0"),
        ("a: |x\n", "bad.yaml:1:5: invalid YAML: did not find expected comment or line break after a block scalar header"),
        ("a:\n\tb: 1\n", "bad.yaml:2:1: invalid YAML: found a tab character where an indentation space is expected"),
        ("a: !e!x 1\n", "bad.yaml:1:4: invalid YAML: found undefined tag handle !e!"),
        ("a: !!int abc\n", "bad.yaml:1:13: invalid YAML: cannot decode !!str `abc` as a !!int"),
        ("%YAML 2.0\n---\na: 1\n", "bad.yaml:1:1: invalid YAML: found incompatible YAML document (go-yaml reads only %YAML 1.1)"),
        ("a: 1\n----\n", "bad.yaml:2:1: invalid YAML: invalid document separator: ----; only a comment may follow '---' on its line"),
        ("a: 1\nb: [x]y\n", "bad.yaml:2:7: invalid YAML: unexpected content after a mapping value; expected a comment or a line break"),
        ("<<: 5\n", "bad.yaml:1:1: invalid YAML: map merge requires map or sequence of maps as the value"),
        ("[a]: 1\n", "bad.yaml:1:1: invalid YAML: a mapping key must be a scalar; kustomize cannot use a collection as a key"),
        ("a: 1\u{01}\n", "bad.yaml:1:5: invalid YAML: control characters are not allowed (byte 0x1)"),
        ("a: {: v}\n", "bad.yaml:1:5: invalid YAML: did not find expected node content in a flow collection"),
        // Tabs, as strictly as go-yaml v3 (checked against kubectl).
        ("a: 1\n\t\nb: 2\n", "bad.yaml:2:1: invalid YAML: found a tab character that violates indentation"),
        ("a: '1'\n  \t# c\nb: 2\n", "bad.yaml:2:3: invalid YAML: found a tab character where an indentation space is expected"),
        ("- \tx\n", "bad.yaml:1:3: invalid YAML: found character that cannot start any token (a tab)"),
        ("? a\n:\tb\n", "bad.yaml:2:2: invalid YAML: found character that cannot start any token (a tab)"),
        ("a: |\n  x\n\t\n  y\n", "bad.yaml:3:1: invalid YAML: found a tab character where an indentation space is expected"),
        ("...\na: 1\n", "bad.yaml:1:1: invalid YAML: did not find expected node content"),
        ("a: 1\n: 2\n", "bad.yaml:2:1: invalid YAML: did not find expected key"),
    ]))
    func errorMessages(input: String, message: String) {
        #expect(parseError(input) == message)
    }

    @Test func tabsWhereGoYAMLAcceptsThem() throws {
        let v = try parse1("a:\tb\nc: d\t# comment\ne: \"x\n\ty\"\nf: {g:\th,\ti: j}\nk: l\n   \tm\n")
        #expect(v == m(["a": s("b"), "c": s("d"), "e": s("x y"), "f": m(["g": s("h"), "i": s("j")]), "k": s("l m")]))
    }

    @Test func invalidUTF8() {
        let bytes: [UInt8] = Array("a: ".utf8) + [0xC3, 0x28] + [0x0A]
        #expect(throws: ResourceError.invalidYAML(file: "u.yaml", line: 1, column: 4,
                                                  problem: "invalid UTF-8 byte sequence; the file must be UTF-8 text")) {
            try YAMLParser.parse(bytes, file: "u.yaml")
        }
    }

    @Test func deepBlockNestingParsesAndEmits() throws {
        var yaml = ""
        for level in 0..<250 { yaml += String(repeating: " ", count: level * 2) + "k:\n" }
        yaml += String(repeating: " ", count: 500) + "- - - leaf\n"
        let value = try parse1(yaml)
        let out = try KustomizeEmitter.string(value)
        #expect(try KustomizeEmitter.string(parse1(out)) == out)
        let sequences = String(repeating: "- ", count: 250) + "x\n"
        #expect(try KustomizeEmitter.string(parse1(sequences)) == sequences)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(parseError(deep)?.contains("exceeded max depth") == true)
    }
}
