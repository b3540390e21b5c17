/// Writes `Value`s exactly as `kubectl kustomize` (kustomize v5.8.1) prints them.
///
/// kustomize turns each resource into JSON and back into YAML with go-yaml v2, so its output follows v2's encoder:
/// mapping keys sorted (letters after other characters, runs of digits compared as numbers), sequences under a key
/// not indented, two-space indentation, strings that YAML 1.1 would read as another type double-quoted, strings
/// that cannot be plain single-quoted, strings with line breaks in literal style (`|`, `|-`, `|+`, `|2`), long
/// scalars folded at spaces once past column 80, empty collections as `{}`/`[]`, numbers in their canonical form
/// (`0777` becomes `511`, `1e3` becomes `1000`) and documents separated by `---`.
public enum KustomizeEmitter {
    /// The YAML stream of the documents, each ended by a line break and separated by `---`.
    public static func emit(_ documents: [Value]) throws -> [UInt8] {
        var writer = EmitWriter()
        for (i, document) in documents.enumerated() {
            if i > 0 {
                for c: UInt8 in [0x2D, 0x2D, 0x2D, 0x0A] { writer.out.append(c) }
            }
            try writer.document(document)
        }
        return writer.out.bytes
    }

    /// The YAML stream as a string.
    public static func string(_ documents: [Value]) throws -> String {
        String(decoding: try emit(documents), as: UTF8.self)
    }

    /// One document, ended by a line break.
    public static func string(_ document: Value) throws -> String {
        try string([document])
    }
}

/// A scalar as kustomize's encoder writes it: its text and the style it asks the emitter for.
struct EmitScalar {
    enum Request { case plain, doubleQuoted, literal }
    var text: String
    var request: Request
}

extension Scalar {
    /// The scalar as kustomize outputs it: typed as go-yaml v3 read it, through JSON, then as go-yaml v2 writes it.
    func forKustomizeOutput(path: @autoclosure () -> String) throws -> EmitScalar {
        switch tag {
        case .string:
            if style == .folded { return try EmitScalar.checked(FoldedRoundTrip.apply(text), path: path()) }
            return try EmitScalar.checked(text, path: path())
        case .null:
            return EmitScalar(text: "null", request: .plain)
        case .bool:
            let t = text.lowercased() == "true"
            return EmitScalar(text: t ? "true" : "false", request: .plain)
        case .int, .float:
            switch YAMLResolver.number(text) {
            case let .int(v)?: return EmitScalar(text: String(v), request: .plain)
            case let .uint(v)?: return EmitScalar(text: String(v), request: .plain)
            case let .float(d)?:
                guard d.isFinite else {
                    throw ResourceError.unrepresentable(
                        path: path(), problem: "json: unsupported value: \(d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf") (kustomize cannot output an infinite or NaN number)")
                }
                return EmitScalar(text: GoFloat.yamlV2AfterJSON(d), request: .plain)
            case nil:
                return try EmitScalar.checked(text, path: path())
            }
        case let .other(t):
            if t == YAMLResolver.timestampTag, let stamp = YAMLResolver.timestamp(text) {
                return EmitScalar.string(stamp.rfc3339)
            }
            if t == "!!binary" {
                guard let decoded = GoBase64.decode(text) else {
                    throw ResourceError.unrepresentable(path: path(), problem: "!!binary value contains invalid base64 data")
                }
                return try EmitScalar.checked(GoUTF8.string(decoded), path: path())
            }
            return try EmitScalar.checked(text, path: path())
        }
    }
}

extension EmitScalar {
    /// A string kustomize can output: go-yaml v2 reads kustomize's JSON back and rejects raw control characters
    /// (DEL, the C1 controls other than NEL, U+FFFE and U+FFFF), which JSON leaves unescaped.
    static func checked(_ s: String, path: @autoclosure () -> String) throws -> EmitScalar {
        // Fast path: printable ASCII (and line breaks) needs none of the checks below.
        var s = s
        let simple: Request? = s.withUTF8 { b in
            var newline = false
            for c in b {
                if c == 0x0A { newline = true } else if c >= 0x7F { return nil }
            }
            if newline { return .literal }
            return YAMLResolver.isAmbiguousForYAML11(bytes: b) ? .doubleQuoted : .plain
        }
        if let simple { return EmitScalar(text: s, request: simple) }
        if hasControlCharacters(s) {
            throw ResourceError.unrepresentable(
                path: path(), problem: "yaml: control characters are not allowed (kustomize cannot output this string)")
        }
        return string(foldingNextLines(s))
    }

    /// kustomize's JSON carries NEL (U+0085) raw, and go-yaml v2 reads it there as a line break inside a quoted
    /// scalar: a run of spaces and NELs becomes one space, or n-1 line feeds for n NELs.
    static func foldingNextLines(_ s: String) -> String {
        var copy = s
        return copy.withUTF8 { b -> String? in
            let n = b.count
            var hasNEL = false
            for i in 0..<n where b[i] == 0xC2 && i + 1 < n && b[i + 1] == 0x85 { hasNEL = true; break }
            if !hasNEL { return nil }
            var out: [UInt8] = []
            var i = 0
            while i < n {
                // A run of spaces and NELs.
                var j = i
                var breaks = 0
                while j < n {
                    if b[j] == 0x20 { j += 1 } else if b[j] == 0xC2 && j + 1 < n && b[j + 1] == 0x85 { breaks += 1; j += 2 } else { break }
                }
                if j > i {
                    if breaks == 0 {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j]))
                    } else {
                        // Spaces before the first break are kept only when no break follows: drop the run.
                        if breaks == 1 { out.append(0x20) } else { for _ in 1..<breaks { out.append(0x0A) } }
                    }
                    i = j
                    continue
                }
                out.append(b[i])
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        } ?? s
    }

    static func hasControlCharacters(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c < 0x7F { i += 1; continue }
                if c == 0x7F { return true }
                if c == 0xC2, i + 1 < n, b[i + 1] >= 0x80, b[i + 1] <= 0x9F, b[i + 1] != 0x85 { return true }
                if c == 0xEF, i + 2 < n, b[i + 1] == 0xBF, b[i + 2] == 0xBE || b[i + 2] == 0xBF { return true }
                i += 1
            }
            return false
        }
    }

    static func string(_ s: String) -> EmitScalar {
        var s = s
        let request: Request = s.withUTF8 { b in
            if b.contains(0x0A) { return .literal }
            return YAMLResolver.isAmbiguousForYAML11(bytes: b) ? .doubleQuoted : .plain
        }
        return EmitScalar(text: s, request: request)
    }
}

/// What the emitter learns about a scalar's text before choosing its style (go-yaml's analysis).
struct ScalarAnalysis {
    var multiline = false
    var flowPlainAllowed = true
    var blockPlainAllowed = true
    var singleQuotedAllowed = true
    var blockAllowed = true
    var ascii = true
    var characters = 0

    init(_ b: UnsafeBufferPointer<UInt8>) {
        let n = b.count
        if n == 0 {
            flowPlainAllowed = false
            blockAllowed = false
            return
        }
        var blockIndicators = false, flowIndicators = false, lineBreaks = false, special = false
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false
        var precededByWhitespace = true, previousSpace = false, previousBreak = false
        if n >= 3 && ((b[0] == 0x2D && b[1] == 0x2D && b[2] == 0x2D) || (b[0] == 0x2E && b[1] == 0x2E && b[2] == 0x2E)) {
            blockIndicators = true
            flowIndicators = true
        }
        let plainTail = ScalarAnalysis.plainTail
        var i = 0
        while i < n {
            let c = b[i]
            // Most characters (letters, digits, most punctuation) change nothing after the first one.
            if i > 0 && plainTail[Int(c)] {
                characters += 1
                previousSpace = false
                previousBreak = false
                precededByWhitespace = false
                i += 1
                continue
            }
            let w: Int
            let printable: Bool
            let lineBreak: Bool
            if c < 0x80 {
                w = 1
                printable = c == 0x0A || (c >= 0x20 && c <= 0x7E)
                lineBreak = c == 0x0A || c == 0x0D
            } else {
                w = utf8Width(c)
                printable = isPrintable(b, i)
                lineBreak = isBreak(b, i)
                ascii = false
            }
            characters += 1
            let followedByWhitespace = i + w >= n || b[i + w] == 0x20 || b[i + w] == 0x09
            if i == 0 {
                switch c {
                case 0x23, 0x2C, 0x5B, 0x5D, 0x7B, 0x7D, 0x26, 0x2A, 0x21, 0x7C, 0x3E, 0x27, 0x22, 0x25, 0x40, 0x60:
                    flowIndicators = true
                    blockIndicators = true
                case 0x3F, 0x3A:
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                case 0x2D:
                    if followedByWhitespace {
                        flowIndicators = true
                        blockIndicators = true
                    }
                default: break
                }
            } else {
                switch c {
                case 0x2C, 0x3F, 0x5B, 0x5D, 0x7B, 0x7D:
                    flowIndicators = true
                case 0x3A:
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                case 0x23:
                    if precededByWhitespace {
                        flowIndicators = true
                        blockIndicators = true
                    }
                default: break
                }
            }
            if !printable { special = true }
            if c == 0x20 {
                if i == 0 { leadingSpace = true }
                if i + w == n { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true
                previousBreak = false
            } else if lineBreak {
                lineBreaks = true
                if i == 0 { leadingBreak = true }
                if i + w == n { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false
                previousBreak = true
            } else {
                previousSpace = false
                previousBreak = false
            }
            precededByWhitespace = c == 0x20 || c == 0x09 || lineBreak || c == 0
            i += w
        }
        multiline = lineBreaks
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
            flowPlainAllowed = false
            blockPlainAllowed = false
        }
        if trailingSpace { blockAllowed = false }
        if breakSpace {
            flowPlainAllowed = false
            blockPlainAllowed = false
            singleQuotedAllowed = false
        }
        if spaceBreak || special {
            flowPlainAllowed = false
            blockPlainAllowed = false
            singleQuotedAllowed = false
            blockAllowed = false
        }
        if lineBreaks {
            flowPlainAllowed = false
            blockPlainAllowed = false
        }
        if flowIndicators { flowPlainAllowed = false }
        if blockIndicators { blockPlainAllowed = false }
    }
}

extension ScalarAnalysis {
    /// Printable ASCII characters that are no indicator anywhere but at the start: they only count.
    static let plainTail: [Bool] = (0..<256).map { c in
        guard c > 0x20 && c < 0x7F else { return false }
        return !",?[]{}:#".utf8.contains(UInt8(c))
    }
}

@inline(__always) func utf8Width(_ c: UInt8) -> Int {
    if c & 0x80 == 0 { return 1 }
    if c & 0xE0 == 0xC0 { return 2 }
    if c & 0xF0 == 0xE0 { return 3 }
    if c & 0xF8 == 0xF0 { return 4 }
    return 1
}

/// go-yaml's printable test (note: TAB, CR, C1 controls and characters beyond the BMP are not printable).
@inline(__always) func isPrintable(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
    let c = b[i]
    if c == 0x0A || (c >= 0x20 && c <= 0x7E) { return true }
    let n = b.count
    let c1: UInt8 = i + 1 < n ? b[i + 1] : 0
    let c2: UInt8 = i + 2 < n ? b[i + 2] : 0
    if c == 0xC2 && c1 >= 0xA0 { return true }
    if c > 0xC2 && c < 0xED { return true }
    if c == 0xED && c1 < 0xA0 { return true }
    if c == 0xEE { return true }
    if c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)) { return true }
    return false
}

/// LF, CR, NEL, LS, PS.
@inline(__always) func isBreak(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
    let c = b[i]
    if c == 0x0A || c == 0x0D { return true }
    let n = b.count
    if c == 0xC2 { return i + 1 < n && b[i + 1] == 0x85 }
    if c == 0xE2 { return i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) }
    return false
}

/// The emitter's state: go-yaml's column, indentation and whitespace bookkeeping, specialised to block style.
struct EmitWriter {
    let out = ByteBuffer()
    private var column = 0
    private var indent = -1
    private var whitespace = true
    private var indention = true
    private var flowLevel = 0
    private let bestIndent = 2
    private let bestWidth = 80

    init() {}

    mutating func document(_ value: Value) throws {
        column = 0
        indent = -1
        whitespace = true
        indention = true
        flowLevel = 0
        try node(value, mapping: false, simpleKey: false, path: "")
        // Document end: finish the line.
        writeIndent()
    }

    // MARK: Primitive writes

    @inline(__always) private mutating func put(_ c: UInt8) {
        out.append(c)
        column += 1
    }

    @inline(__always) private mutating func putBreak() {
        out.append(0x0A)
        column = 0
    }

    private mutating func writeIndent() {
        let target = max(indent, 0)
        if !indention || column > target || (column == target && !whitespace) {
            putBreak()
        }
        if column < target {
            out.append(repeating: 0x20, count: target - column)
            column = target
        }
        whitespace = true
        indention = true
    }

    private mutating func writeIndicator(_ c: UInt8, needWhitespace: Bool, isWhitespace: Bool, isIndention: Bool) {
        if needWhitespace && !whitespace { put(0x20) }
        put(c)
        whitespace = isWhitespace
        indention = indention && isIndention
    }

    private mutating func increaseIndent(flow: Bool, indentless: Bool) -> Int {
        let saved = indent
        if indent < 0 {
            indent = flow ? bestIndent : 0
        } else if !indentless {
            indent += bestIndent
        }
        return saved
    }

    // MARK: Nodes

    private mutating func node(_ value: Value, mapping: Bool, simpleKey: Bool, path: @autoclosure () -> String) throws {
        switch value {
        case let .scalar(s):
            let e = try s.forKustomizeOutput(path: path())
            scalar(e, simpleKey: simpleKey)
        case let .sequence(items):
            if items.isEmpty {
                emptyFlow(open: 0x5B, close: 0x5D)
                return
            }
            let saved = increaseIndent(flow: false, indentless: mapping && !indention)
            for (i, item) in items.enumerated() {
                writeIndent()
                writeIndicator(0x2D, needWhitespace: true, isWhitespace: false, isIndention: true)
                try node(item, mapping: false, simpleKey: false, path: path() + "[\(i)]")
            }
            indent = saved
        case let .mapping(m):
            if m.isEmpty {
                emptyFlow(open: 0x7B, close: 0x7D)
                return
            }
            let saved = increaseIndent(flow: false, indentless: false)
            let order = KeyOrder.sortedIndices(m.keys)
            for i in order {
                let key = m.keys[i]
                writeIndent()
                let k = try EmitScalar.checked(key, path: path())
                if isSimpleKey(k) {
                    scalar(k, simpleKey: true)
                    writeIndicator(0x3A, needWhitespace: false, isWhitespace: false, isIndention: false)
                } else {
                    writeIndicator(0x3F, needWhitespace: true, isWhitespace: false, isIndention: true)
                    scalar(k, simpleKey: false)
                    writeIndent()
                    writeIndicator(0x3A, needWhitespace: true, isWhitespace: false, isIndention: true)
                }
                try node(m.values[i], mapping: true, simpleKey: false, path: path().isEmpty ? key : path() + "." + key)
            }
            indent = saved
        }
    }

    private mutating func emptyFlow(open: UInt8, close: UInt8) {
        writeIndicator(open, needWhitespace: true, isWhitespace: true, isIndention: false)
        writeIndicator(close, needWhitespace: false, isWhitespace: false, isIndention: false)
    }

    /// go-yaml's simple-key test: single line and at most 128 bytes.
    private func isSimpleKey(_ k: EmitScalar) -> Bool {
        if k.request == .literal || k.text.utf8.count > 128 { return false }
        var t = k.text
        return t.withUTF8 { b in
            for i in 0..<b.count where b[i] == 0x0D || b[i] == 0xC2 || b[i] == 0xE2 {
                if isBreak(b, i) { return false }
            }
            return true
        }
    }

    private mutating func scalar(_ e: EmitScalar, simpleKey: Bool) {
        var text = e.text
        text.withUTF8 { b in
            let a = ScalarAnalysis(b)
            // Choose the style as go-yaml's emitter does.
            var style = e.request
            var single = false
            if simpleKey && a.multiline { style = .doubleQuoted }
            if style == .plain {
                if (flowLevel > 0 && !a.flowPlainAllowed) || (flowLevel == 0 && !a.blockPlainAllowed)
                    || (b.isEmpty && (flowLevel > 0 || simpleKey)) {
                    single = true
                }
                if single && !a.singleQuotedAllowed { style = .doubleQuoted; single = false }
            }
            if style == .literal && (!a.blockAllowed || flowLevel > 0 || simpleKey) {
                style = .doubleQuoted
            }
            let saved = increaseIndent(flow: true, indentless: false)
            switch style {
            case .plain:
                if single { writeSingleQuoted(b, a, allowBreaks: !simpleKey) } else { writePlain(b, a, allowBreaks: !simpleKey) }
            case .doubleQuoted:
                writeDoubleQuoted(b, allowBreaks: !simpleKey)
            case .literal:
                writeLiteral(b)
            }
            indent = saved
        }
    }

    // MARK: Scalar styles

    private mutating func writeChar(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        let w = utf8Width(b[i])
        var k = 0
        while k < w && i + k < b.count { out.append(b[i + k]); k += 1 }
        column += 1
        i += w
    }

    private mutating func writeBreak(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        if b[i] == 0x0A {
            putBreak()
            i += 1
        } else {
            writeChar(b, &i)
            column = 0
        }
    }

    private mutating func writePlain(_ b: UnsafeBufferPointer<UInt8>, _ a: ScalarAnalysis, allowBreaks: Bool) {
        if !whitespace { put(0x20) }
        // Fast path: nothing can fold and nothing needs care.
        if a.ascii && !a.multiline && (!allowBreaks || column + a.characters <= bestWidth + 1) {
            out.append(b)
            column += b.count
            whitespace = false
            indention = false
            return
        }
        var spaces = false
        var breaks = false
        var i = 0
        let n = b.count
        while i < n {
            if b[i] == 0x20 {
                let nextIsSpace = i + 1 < n && b[i + 1] == 0x20
                if allowBreaks && !spaces && column > bestWidth && !nextIsSpace {
                    writeIndent()
                    i += 1
                } else {
                    writeChar(b, &i)
                }
                spaces = true
            } else if isBreak(b, i) {
                if !breaks && b[i] == 0x0A { putBreak() }
                writeBreak(b, &i)
                indention = true
                breaks = true
            } else {
                if breaks { writeIndent() }
                writeChar(b, &i)
                indention = false
                spaces = false
                breaks = false
            }
        }
        whitespace = false
        indention = false
    }

    private mutating func writeSingleQuoted(_ b: UnsafeBufferPointer<UInt8>, _ a: ScalarAnalysis, allowBreaks: Bool) {
        writeIndicator(0x27, needWhitespace: true, isWhitespace: false, isIndention: false)
        var spaces = false
        var breaks = false
        var i = 0
        let n = b.count
        while i < n {
            if b[i] == 0x20 {
                let nextIsSpace = i + 1 < n && b[i + 1] == 0x20
                if allowBreaks && !spaces && column > bestWidth && i > 0 && i < n - 1 && !nextIsSpace {
                    writeIndent()
                    i += 1
                } else {
                    writeChar(b, &i)
                }
                spaces = true
            } else if isBreak(b, i) {
                if !breaks && b[i] == 0x0A { putBreak() }
                writeBreak(b, &i)
                indention = true
                breaks = true
            } else {
                if breaks { writeIndent() }
                if b[i] == 0x27 { put(0x27) }
                writeChar(b, &i)
                indention = false
                spaces = false
                breaks = false
            }
        }
        writeIndicator(0x27, needWhitespace: false, isWhitespace: false, isIndention: false)
        whitespace = false
        indention = false
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private mutating func writeDoubleQuoted(_ b: UnsafeBufferPointer<UInt8>, allowBreaks: Bool) {
        writeIndicator(0x22, needWhitespace: true, isWhitespace: false, isIndention: false)
        let n = b.count
        let startsWithBOM = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF
        var spaces = false
        var i = 0
        while i < n {
            let c = b[i]
            if startsWithBOM || !isPrintable(b, i) || isBreak(b, i) || c == 0x22 || c == 0x5C {
                // Decode the character and write its escape.
                let w = utf8Width(c)
                var v: UInt32
                switch w {
                case 2: v = UInt32(c & 0x1F)
                case 3: v = UInt32(c & 0x0F)
                case 4: v = UInt32(c & 0x07)
                default: v = UInt32(c & 0x7F)
                }
                var k = 1
                while k < w && i + k < n {
                    v = (v << 6) | UInt32(b[i + k] & 0x3F)
                    k += 1
                }
                i += w
                put(0x5C)
                switch v {
                case 0x00: put(0x30)
                case 0x07: put(0x61)
                case 0x08: put(0x62)
                case 0x09: put(0x74)
                case 0x0A: put(0x6E)
                case 0x0B: put(0x76)
                case 0x0C: put(0x66)
                case 0x0D: put(0x72)
                case 0x1B: put(0x65)
                case 0x22: put(0x22)
                case 0x5C: put(0x5C)
                case 0x85: put(0x4E)
                case 0xA0: put(0x5F)
                case 0x2028: put(0x4C)
                case 0x2029: put(0x50)
                default:
                    let digits: Int
                    if v <= 0xFF { put(0x78); digits = 2 } else if v <= 0xFFFF { put(0x75); digits = 4 } else { put(0x55); digits = 8 }
                    var shift = (digits - 1) * 4
                    while shift >= 0 {
                        put(Self.hexDigits[Int((v >> UInt32(shift)) & 0x0F)])
                        shift -= 4
                    }
                }
                spaces = false
            } else if c == 0x20 {
                if allowBreaks && !spaces && column > bestWidth && i > 0 && i < n - 1 {
                    writeIndent()
                    if i + 1 < n && b[i + 1] == 0x20 { put(0x5C) }
                    i += 1
                } else {
                    writeChar(b, &i)
                }
                spaces = true
            } else {
                writeChar(b, &i)
                spaces = false
            }
        }
        writeIndicator(0x22, needWhitespace: false, isWhitespace: false, isIndention: false)
        whitespace = false
        indention = false
    }

    private mutating func writeLiteral(_ b: UnsafeBufferPointer<UInt8>) {
        writeIndicator(0x7C, needWhitespace: true, isWhitespace: false, isIndention: false)
        // Block scalar hints: an indentation indicator when the text starts with a space or a break, then the
        // chomping indicator.
        let n = b.count
        if n > 0 && (b[0] == 0x20 || isBreak(b, 0)) {
            writeIndicator(UInt8(0x30 + bestIndent), needWhitespace: false, isWhitespace: false, isIndention: false)
        }
        var chomp: UInt8 = 0
        if n == 0 {
            chomp = 0x2D
        } else {
            var i = n - 1
            while i > 0 && b[i] & 0xC0 == 0x80 { i -= 1 }
            if !isBreak(b, i) {
                chomp = 0x2D
            } else if i == 0 {
                chomp = 0x2B
            } else {
                i -= 1
                while i > 0 && b[i] & 0xC0 == 0x80 { i -= 1 }
                if isBreak(b, i) { chomp = 0x2B }
            }
        }
        if chomp != 0 { writeIndicator(chomp, needWhitespace: false, isWhitespace: false, isIndention: false) }
        putBreak()
        indention = true
        whitespace = true
        var breaks = true
        var i = 0
        while i < n {
            if isBreak(b, i) {
                writeBreak(b, &i)
                indention = true
                breaks = true
            } else {
                if breaks { writeIndent() }
                // Copy the rest of the line at once when it is plain ASCII up to the break.
                var j = i
                while j < n && b[j] != 0x0A && b[j] < 0x80 && b[j] != 0x0D { j += 1 }
                if j > i {
                    out.append(UnsafeBufferPointer(rebasing: b[i..<j]))
                    column += j - i
                    i = j
                } else {
                    writeChar(b, &i)
                }
                indention = false
                breaks = false
            }
        }
    }
}

/// go-yaml v2's order of mapping keys: at the first differing character, a letter sorts after a non-letter,
/// two letters by code point, and runs of digits by their numeric value.
enum KeyOrder {
    static func sortedIndices(_ keys: [String]) -> [Int] {
        let n = keys.count
        var sorted = true
        if n > 1 {
            for i in 1..<n where !less(keys[i - 1], keys[i]) {
                sorted = false
                break
            }
        }
        if sorted { return Array(0..<n) }
        return (0..<n).sorted { less(keys[$0], keys[$1]) }
    }

    static func less(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        let asciiResult: Bool? = a.withUTF8 { x in
            b.withUTF8 { y -> Bool? in
                lessASCII(x, y)
            }
        }
        if let asciiResult { return asciiResult }
        return lessScalars(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    @inline(__always) private static func isASCIILetter(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    @inline(__always) private static func isASCIIDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The comparison for ASCII keys, or nil when a non-ASCII character takes part.
    private static func lessASCII(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool? {
        let n = min(x.count, y.count)
        var i = 0
        while i < n {
            let p = x[i], q = y[i]
            if p >= 0x80 || q >= 0x80 { return nil }
            if p == q { i += 1; continue }
            let pl = isASCIILetter(p), ql = isASCIILetter(q)
            if pl && ql { return p < q }
            if pl || ql { return ql }
            var an: Int64 = 0, bn: Int64 = 0
            if p == 0x30 || q == 0x30 {
                var j = i - 1
                while j >= 0 && isASCIIDigit(x[j]) {
                    if x[j] != 0x30 { an = 1; bn = 1; break }
                    j -= 1
                }
            }
            var ai = i
            while ai < x.count && isASCIIDigit(x[ai]) {
                if x[ai] >= 0x80 { return nil }
                an = an &* 10 &+ Int64(x[ai] - 0x30)
                ai += 1
            }
            var bi = i
            while bi < y.count && isASCIIDigit(y[bi]) {
                bn = bn &* 10 &+ Int64(y[bi] - 0x30)
                bi += 1
            }
            if an != bn { return an < bn }
            if ai != bi { return ai < bi }
            return p < q
        }
        // Equal prefix: the rest decides by length, but non-ASCII characters change the character count.
        for k in n..<x.count where x[k] >= 0x80 { return nil }
        for k in n..<y.count where y[k] >= 0x80 { return nil }
        return x.count < y.count
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .decimalNumber
    }

    private static func lessScalars(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Bool {
        let n = min(x.count, y.count)
        var i = 0
        while i < n {
            let p = x[i], q = y[i]
            if p == q { i += 1; continue }
            let pl = isLetter(p), ql = isLetter(q)
            if pl && ql { return p.value < q.value }
            if pl || ql { return ql }
            var an: Int64 = 0, bn: Int64 = 0
            if p == "0" || q == "0" {
                var j = i - 1
                while j >= 0 && isDigit(x[j]) {
                    if x[j] != "0" { an = 1; bn = 1; break }
                    j -= 1
                }
            }
            var ai = i
            while ai < x.count && isDigit(x[ai]) {
                an = an &* 10 &+ (Int64(x[ai].value) &- 0x30)
                ai += 1
            }
            var bi = i
            while bi < y.count && isDigit(y[bi]) {
                bn = bn &* 10 &+ (Int64(y[bi].value) &- 0x30)
                bi += 1
            }
            if an != bn { return an < bn }
            if ai != bi { return ai < bi }
            return p.value < q.value
        }
        return x.count < y.count
    }
}

/// kustomize re-encodes each resource with go-yaml v3 before turning it into JSON, keeping every scalar's style,
/// and reads it back. Only folded scalars (`>`) change on the way: v3's folded writer doubles every line break that
/// follows text (unless the text starts with a blank), even before a more-indented line, where the reader then keeps
/// both breaks. This gives the text kustomize ends up with.
enum FoldedRoundTrip {
    static func apply(_ text: String) -> String {
        var text = text
        return text.withUTF8 { b -> String in
            let n = b.count
            guard n > 0 else { return String(decoding: b, as: UTF8.self) }
            // v3 writes a folded scalar only when block style is allowed; otherwise it double-quotes (no change).
            var trailingSpace = false, spaceBreak = false, special = false
            var previousSpace = false
            var i = 0
            while i < n {
                let c = b[i]
                let w = utf8Width(c)
                if !isPrintable(b, i) { special = true }
                if c == 0x20 {
                    if i + w == n { trailingSpace = true }
                    previousSpace = true
                } else if isBreak(b, i) {
                    if previousSpace { spaceBreak = true }
                    previousSpace = false
                } else {
                    previousSpace = false
                }
                i += w
            }
            if trailingSpace || spaceBreak || special { return String(decoding: b, as: UTF8.self) }
            // Write it as v3 does, at indentation 2 under a key, then read it back.
            var out: [UInt8] = Array("k: >".utf8)
            if b[0] == 0x20 || isBreak(b, 0) { out.append(0x32) }
            var last = n - 1
            while last > 0 && b[last] & 0xC0 == 0x80 { last -= 1 }
            if !isBreak(b, last) {
                out.append(0x2D)
            } else if last == 0 {
                out.append(0x2B)
            } else {
                var before = last - 1
                while before > 0 && b[before] & 0xC0 == 0x80 { before -= 1 }
                if isBreak(b, before) { out.append(0x2B) }
            }
            var column = out.count
            var indention = false
            var breaks = true
            var leadingSpaces = true
            // Whether the text (after its leading breaks) starts with a blank: v3 looks there, not at the next line.
            var k = 0
            while k < n && isBreak(b, k) { k += utf8Width(b[k]) }
            let startsBlank = k >= n || b[k] == 0x20 || b[k] == 0x09 || isBreak(b, k)
            i = 0
            while i < n {
                if isBreak(b, i) {
                    if !breaks && !leadingSpaces && b[i] == 0x0A && !startsBlank {
                        out.append(0x0A)
                        column = 0
                        indention = true
                    }
                    let w = utf8Width(b[i])
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<min(n, i + w)]))
                    column = 0
                    indention = true
                    i += w
                    breaks = true
                } else {
                    if breaks {
                        if !indention || column > 2 {
                            out.append(0x0A)
                            column = 0
                        }
                        while column < 2 { out.append(0x20); column += 1 }
                        leadingSpaces = b[i] == 0x20 || b[i] == 0x09
                    }
                    let w = utf8Width(b[i])
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<min(n, i + w)]))
                    column += 1
                    i += w
                    indention = false
                    breaks = false
                }
            }
            out.append(0x0A)
            guard let documents = try? YAMLParser.parse(out, file: "folded scalar"),
                  case let .mapping(m)? = documents.first, let value = m["k"]?.text else {
                return String(decoding: b, as: UTF8.self)
            }
            return value
        }
    }
}
