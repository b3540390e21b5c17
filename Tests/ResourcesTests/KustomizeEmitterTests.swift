import Testing
@testable import Resources

/// The YAML kustomize would print for a one-document input.
func emitted(_ yaml: String) throws -> String {
    try KustomizeEmitter.string(YAMLParser.parse(yaml, file: "in.yaml"))
}

/// Every expected text here was checked against `kubectl kustomize` v1.37.1 (kustomize v5.8.1).
@Suite struct KustomizeEmitterTests {
    /// How a plain input value comes out: YAML 1.1 words are double-quoted, numbers canonical, timestamps in
    /// RFC 3339, indicators single-quoted.
    @Test(arguments: [(String, String)]([
        ("yes", #""yes""#), ("no", #""no""#), ("on", #""on""#), ("off", #""off""#), ("y", #""y""#), ("N", #""N""#),
        ("True", "true"), ("FALSE", "false"), ("~", "null"), ("Null", "null"), ("", "null"),
        ("0777", "511"), ("0x1F", "31"), ("0o17", "15"), ("0b101", "5"), ("1e3", "1000"), ("1.5", "1.5"),
        ("-0", "0"), ("+1", "1"), ("1_000", "1000"), ("08", "8"), ("0128", "128"), (".5", "0.5"), ("-.5", "-0.5"),
        ("1.", "1"), ("3.0", "3"), ("1.10", "1.1"),
        ("2021-01-01", #""2021-01-01T00:00:00Z""#), ("2021-1-1", #""2021-01-01T00:00:00Z""#),
        ("2021-13-01", "2021-13-01"), ("2001-12-14t21:59:43.10-05:00", #""2001-12-14T21:59:43.1-05:00""#),
        ("2001-12-14 21:59:43.10", #""2001-12-14T21:59:43.1Z""#),
        ("12:30", #""12:30""#), ("1:20:30", #""1:20:30""#), ("1:60", "1:60"),
        ("<<", "<<"), ("=", "="), ("--", "--"), ("---", "'---'"), ("...", "'...'"), ("?a", "?a"), (":a", ":a"),
        ("a #b", "a"), ("a#b", "a#b"), ("a,b", "a,b"), ("1e400", "1e400"),
        ("12345678901234567890", "12345678901234567890"), ("123456789012345678901", "1.2345678901234568e+20"),
        ("9223372036854775808", "9223372036854775808"), ("-9223372036854775809", "-9.223372036854776e+18"),
        ("0.000001", "1e-06"), ("0.0000001", "1e-07"), ("1234567.5", "1.2345675e+06"), ("1e21", "1e+21"),
        ("1e20", "1e+20"), ("100000000000000000000.5", "1e+20"),
    ]))
    func plainValues(input: String, output: String) throws {
        #expect(try emitted("k: \(input)\n") == "k: \(output)\n")
    }

    /// How quoted input strings come out: plain when they read back as strings, single quotes around indicators
    /// and edge spaces, double quotes for what YAML 1.1 reads as another type and for escapes, literal blocks for
    /// line breaks.
    @Test(arguments: [(String, String)]([
        (#""yes""#, #""yes""#), ("'on'", #""on""#), (#""1""#, #""1""#), (#""0777""#, #""0777""#), (#""""#, #""""#),
        (#""a\tb""#, #""a\tb""#), (#""a\nb""#, "|-\n  a\n  b"), (#""a\n""#, "|\n  a"), (#""a\n\n""#, "|+\n  a\n"),
        (#""\na""#, "|2-\n\n  a"), (#"" a""#, "' a'"), (#""a ""#, "'a '"), (#""a \nb""#, #""a \nb""#),
        (#""\u00e9""#, "é"), (#""\U0001F600""#, #""\U0001F600""#), (#""\x85""#, "' '"), (#""\u00a0x""#, "\u{a0}x"),
        (#""\ufeffabc""#, #""\uFEFF\x61\x62\x63""#), (#""a\rb""#, #""a\rb""#), (#""\0""#, #""\0""#),
        (#""\e""#, #""\e""#), (#""\\""#, #"\"#), (#""\"""#, #"'"'"#), ("'it''s'", "it's"),
        (#""2021-01-01""#, #""2021-01-01""#), (#""1:20""#, #""1:20""#), (#""a: b""#, "'a: b'"), (#""a:b""#, "a:b"),
        (#""- a""#, "'- a'"), (#""-a""#, "-a"), ("'#'", "'#'"), (#""a #b""#, "'a #b'"),
        (#""x\n  y\n""#, "|\n  x\n    y"), (#""  lead\ntwo""#, "|2-\n    lead\n  two"),
        (#""line\n\n\nend""#, "|-\n  line\n\n\n  end"), (#""\n""#, "|2+\n"), (#""a\n ""#, #""a\n ""#),
        (#""é\nü""#, "|-\n  é\n  ü"), (#""😀\nx""#, #""\U0001F600\nx""#),
    ]))
    func quotedValues(input: String, output: String) throws {
        #expect(try emitted("k: \(input)\n") == "k: \(output)\n")
    }

    @Test func foldingNearColumnEighty() throws {
        let words = Array(repeating: "word", count: 30).joined(separator: " ")
        let input = """
        data:
          plain: \(words)
          quoted: "yes \(words)"
          single: '- \(words)'
          nospace: \(String(repeating: "x", count: 120))
          \(String(repeating: "k", count: 70)): \(words)
          dbl: "\(String(repeating: "a  b ", count: 30))"
          tabs: "\(String(repeating: "a\\tb ", count: 30))"
        """
        #expect(try emitted(input) == """
        data:
          dbl: 'a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b
            a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b a  b '
          kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: word word
            word word word word word word word word word word word word word word word word
            word word word word word word word word word word word word
          nospace: \(String(repeating: "x", count: 120))
          plain: word word word word word word word word word word word word word word word
            word word word word word word word word word word word word word word word
          quoted: yes word word word word word word word word word word word word word word
            word word word word word word word word word word word word word word word word
          single: '- word word word word word word word word word word word word word word
            word word word word word word word word word word word word word word word word'
          tabs: "a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb
            a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb "

        """)
    }

    @Test func doubleQuotedFoldKeepsALeadingSpaceWithABackslash() throws {
        let text = String(repeating: "abcdefghi ", count: 8) + " two spaces\t"
        #expect(try emitted("k: \"\(text)\"\n") == """
        k: "abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi
          \\ two spaces\\t"

        """)
    }

    @Test func collectionsAndIndentation() throws {
        let input = """
        items:
        - - a
          - b
        - []
        - {}
        - a: 1
          b: [1, 2, {c: d}]
        -
          - x
        empty:
        nested:
          - - - deep
        """
        #expect(try emitted(input) == """
        empty: null
        items:
        - - a
          - b
        - []
        - {}
        - a: 1
          b:
          - 1
          - 2
          - c: d
        - - x
        nested:
        - - - deep

        """)
    }

    @Test func keysSortedAsGoYAMLv2Does() throws {
        let input = """
        é: ü
        ä1: b
        a2: c
        a10: d
        a-b: e
        a_b: f
        aB: g
        ab: h
        a.b: i
        A: j
        a01: k
        a1: l
        a001: m
        _x: n
        '0': o
        '10': p
        '9': q
        日本: r
        """
        #expect(try emitted(input) == """
        _x: "n"
        "0": o
        "9": q
        "10": p
        A: j
        a-b: e
        a.b: i
        a_b: f
        a1: l
        a01: k
        a001: m
        a2: c
        a10: d
        aB: g
        ab: h
        ä1: b
        é: ü
        日本: r

        """)
    }

    @Test func longAndSpecialKeys() throws {
        let long129 = String(repeating: "k", count: 129)
        let long128 = String(repeating: "k", count: 128)
        let input = "\(long129): v\n\(long128): v\n\"multi\\nline\": v\n'yes': x\n'1': x\n'': empty\na b: c\n"
        #expect(try emitted(input) == """
        "": empty
        "1": x
        a b: c
        \(long128): v
        ? \(long129)
        : v
        ? |-
          multi
          line
        : v
        "yes": x

        """)
    }

    @Test func literalBlocksUnderSequencesAndNestedMappings() throws {
        let input = "a:\n  b:\n  - |\n    x\n    y\n  - c: |-\n      z\n"
        #expect(try emitted(input) == "a:\n  b:\n  - |\n    x\n    y\n  - c: z\n")
    }

    @Test func foldedScalarsComeOutAsKustomizeReencodesThem() throws {
        // go-yaml v3 doubles the break before a more-indented line when kustomize re-encodes the resource.
        #expect(try emitted("f: >\n  a\n  b\n\n  c\n   d\n  e\n") == "f: |\n  a b\n  c\n\n   d\n  e\n")
        #expect(try emitted("f: >-\n  folded\n  text\n") == "f: folded text\n")
    }

    @Test func emptyFlowScalarsAreEmptyStrings() throws {
        #expect(try emitted("f1: {a}\nf2: [a: ]\nf3: {b: ~, d: }\nblock:\n") ==
            "block: null\nf1:\n  a: \"\"\nf2:\n- a: \"\"\nf3:\n  b: null\n  d: \"\"\n")
    }

    @Test func tagsAndBinary() throws {
        let input = "s: !!str 123\ni: !!int \"7\"\nf: !!float 1\nb: !!binary aGVsbG8=\nc: !custom value\nn: !!null null\n"
        #expect(try emitted(input) == "b: hello\nc: value\nf: 1\ni: 7\n\"n\": null\ns: \"123\"\n")
    }

    @Test func binaryThatIsNotUTF8BecomesReplacementCharactersByteByByte() throws {
        // Go's JSON encoding replaces each byte of an invalid sequence on its own.
        #expect(try emitted("b: !!binary YeKC\nc: !!binary gA==\n") == "b: a\u{FFFD}\u{FFFD}\nc: \u{FFFD}\n")
    }

    @Test func nextLineAndLineSeparatorReadAsYAML11LineBreaks() throws {
        // go-yaml folds a raw NEL in a quoted scalar like a line feed, keeps LS, and drops blanks around both.
        #expect(try emitted("a: \"x \u{85} y\"\nb: \"x \u{2028} y\"\n") == "a: x y\nb: 'x\u{2028}  y'\n")
        #expect(parseError("{\"k\u{2028}\": 1}\n")?.contains("implicit mapping keys must fit on one line") == true)
    }

    @Test func documentsAreSeparated() throws {
        let out = try KustomizeEmitter.string([Value.mapping(Mapping([("a", .int(1))])), .mapping(Mapping()), .string("x")])
        #expect(out == "a: 1\n---\n{}\n---\nx\n")
        #expect(try KustomizeEmitter.string([]) == "")
    }

    @Test func valuesKustomizeCannotOutput() {
        #expect(throws: ResourceError.self) { try emitted("k: .inf\n") }
        #expect(throws: ResourceError.self) { try emitted("k: .NaN\n") }
        #expect(throws: ResourceError.self) { try emitted("k: \"\\x7f\"\n") }
        #expect(throws: ResourceError.self) { try emitted("k: \"\\uFFFE\"\n") }
        #expect(throws: ResourceError.self) { try emitted("k: !!binary not*base64\n") }
        do {
            _ = try emitted("a:\n  b: -.inf\n")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "a.b: json: unsupported value: -Inf (kustomize cannot output an infinite or NaN number)")
        }
    }

    @Test func builtValuesEmitAsTheyAreTyped() throws {
        let value = Value.mapping(Mapping([
            ("replicas", .int(3)), ("enabled", .bool(true)), ("label", .string("1")), ("none", .null),
            ("list", .sequence([.string("on"), .string("plain")])),
        ]))
        #expect(try KustomizeEmitter.string(value) == """
        enabled: true
        label: "1"
        list:
        - "on"
        - plain
        none: null
        replicas: 3

        """)
    }
}

@Suite struct KeyOrderTests {
    @Test func goYAMLv2Order() {
        let keys = ["b", "a10", "a9", "A", "a-", "_", "a0", "a00", "1", "10", "2", "ab", "aB"]
        let sorted = KeyOrder.sortedIndices(keys).map { keys[$0] }
        #expect(sorted == ["_", "1", "2", "10", "A", "a-", "a0", "a00", "a9", "a10", "aB", "ab", "b"])
    }
}

@Suite struct JSONEmitterTests {
    @Test func kubectlStyleJSON() throws {
        let value = try YAMLParser.parse("""
        metadata: {name: x, labels: {b: "2", a: "1"}}
        spec:
          mode: 0777
          ratio: 1e3
          small: 0.0000001
          big: 1e21
          half: 0.5
          on: yes
          html: "<a&b>"
          ctrl: "\\x01\\t\\n\\u2028"
          when: 2021-01-01
          empty: {}
          list: []
          none:
          flag: true
        """, file: "j.yaml")[0]
        #expect(try JSONEmitter.string(value) == #"""
        {
            "metadata": {
                "labels": {
                    "a": "1",
                    "b": "2"
                },
                "name": "x"
            },
            "spec": {
                "big": 1e+21,
                "ctrl": "\u0001\t\n\u2028",
                "empty": {},
                "flag": true,
                "half": 0.5,
                "html": "\u003ca\u0026b\u003e",
                "list": [],
                "mode": 511,
                "none": null,
                "on": "yes",
                "ratio": 1000,
                "small": 1e-7,
                "when": "2021-01-01T00:00:00Z"
            }
        }
        """#)
    }

    @Test func listOfObjects() throws {
        let items = [Value.mapping(Mapping([("kind", .string("A"))])), .mapping(Mapping([("kind", .string("B"))]))]
        #expect(String(decoding: try JSONEmitter.list(items), as: UTF8.self) == """
        {
            "apiVersion": "v1",
            "items": [
                {
                    "kind": "A"
                },
                {
                    "kind": "B"
                }
            ],
            "kind": "List",
            "metadata": {
                "resourceVersion": ""
            }
        }
        """)
    }

    @Test func infinityIsAnError() {
        #expect(throws: ResourceError.self) { try JSONEmitter.string(.scalar(Scalar(".inf", tag: .float))) }
    }
}
