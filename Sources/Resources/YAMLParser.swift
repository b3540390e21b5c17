/// A YAML 1.2 parser from UTF-8 bytes to `Value`s, reading a stream the way kustomize v5.8.1 reads resource files.
///
/// It covers block and flow collections, the five scalar styles, comments, anchors, aliases and merge keys,
/// tags, directives, a byte-order mark and CRLF line ends. Plain scalars get the tag go-yaml v3 resolves them to
/// (`true`/`false` are booleans but `yes`/`on` are strings; `0777` and `0x1F` are integers; `1e3` is a float; `~`,
/// `null` and an empty value are null); quoted and block scalars are strings.
///
/// Like kustomize's reader, a line starting with `---` separates documents and must carry nothing but a comment
/// after it; empty and null documents are dropped; whatever follows a `...` up to the next separator is ignored.
public struct YAMLParser: Sendable {
    /// What a mapping that repeats a key means.
    public enum DuplicateKeys: Sendable {
        /// An error naming both lines, as kustomize reports for a resource.
        case reject
        /// The last value wins (kustomize's reading of a kustomization file).
        case lastWins
    }

    public var duplicateKeys: DuplicateKeys

    public init(duplicateKeys: DuplicateKeys = .reject) {
        self.duplicateKeys = duplicateKeys
    }

    /// The documents of a YAML stream; `file` names the input in error messages.
    public func parse(_ text: String, file: String) throws -> [Value] {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0), file: file) }
    }

    /// The documents of a YAML stream held in bytes.
    public func parse(_ bytes: [UInt8], file: String) throws -> [Value] {
        try bytes.withUnsafeBytes { try parse($0, file: file) }
    }

    /// The documents of a YAML stream held in raw memory (not retained).
    public func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [Value] {
        let input = try YAMLInput(bytes, file: file)
        return try input.storage.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return [] }
            var reader = YAMLReader(base: base, count: input.count, file: file, duplicateKeys: duplicateKeys)
            return try reader.parseStream()
        }
    }

    /// Convenience: the documents of `text` with the default settings.
    public static func parse(_ text: String, file: String) throws -> [Value] {
        try YAMLParser().parse(text, file: file)
    }

    /// Convenience: the documents of `bytes` with the default settings.
    public static func parse(_ bytes: [UInt8], file: String) throws -> [Value] {
        try YAMLParser().parse(bytes, file: file)
    }
}

/// The input, checked and normalized: no byte-order mark, line ends as LF, four zero bytes appended so the reader
/// may look a few bytes ahead without bounds checks.
struct YAMLInput {
    var storage: [UInt8]
    var count: Int

    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let n = bytes.count - start
        var out = [UInt8](repeating: 0, count: n + 4)
        var carriageReturns = false
        try out.withUnsafeMutableBufferPointer { dest in
            guard n > 0, let source = bytes.baseAddress, let target = dest.baseAddress else { return }
            target.update(from: source.assumingMemoryBound(to: UInt8.self) + start, count: n)
            // Check every byte: printable ASCII, TAB, LF, CR or valid UTF-8 that YAML accepts.
            var i = 0
            while i < n {
                let b = target[i]
                if b >= 0x20 && b < 0x7F || b == 0x0A || b == 0x09 { i += 1; continue }
                if b == 0x0D { carriageReturns = true; i += 1; continue }
                if b < 0x80 {
                    var line = 1, lineStart = 0
                    Self.locate(target, i, &line, &lineStart)
                    throw ResourceError.invalidYAML(file: file, line: line, column: i - lineStart + 1,
                        problem: "control characters are not allowed (byte 0x\(String(b, radix: 16)))")
                }
                let length = Self.utf8Length(target, n, i)
                if length == 0 {
                    var line = 1, lineStart = 0
                    Self.locate(target, i, &line, &lineStart)
                    throw ResourceError.invalidYAML(file: file, line: line, column: i - lineStart + 1,
                                                    problem: "invalid UTF-8 byte sequence; the file must be UTF-8 text")
                }
                i += length
            }
        }
        if carriageReturns {
            // CRLF and lone CR become LF.
            var w = 0
            var r = 0
            while r < n {
                let b = out[r]
                if b == 0x0D {
                    out[w] = 0x0A
                    r += (r + 1 < n && out[r + 1] == 0x0A) ? 2 : 1
                } else {
                    out[w] = b
                    r += 1
                }
                w += 1
            }
            out.removeSubrange(w..<n)
            count = w
        } else {
            count = n
        }
        storage = out
    }

    private static func locate(_ bytes: UnsafeMutablePointer<UInt8>, _ at: Int, _ line: inout Int,
                               _ lineStart: inout Int) {
        line = 1
        lineStart = 0
        var k = 0
        while k < at {
            if bytes[k] == 0x0A { line += 1; lineStart = k + 1 }
            k += 1
        }
    }

    /// The length of the valid UTF-8 sequence at `i` that YAML accepts as printable, or 0.
    private static func utf8Length(_ bytes: UnsafeMutablePointer<UInt8>, _ n: Int, _ i: Int) -> Int {
        let b0 = bytes[i]
        func cont(_ k: Int) -> UInt32? {
            guard k < n else { return nil }
            let b = bytes[k]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        var scalar: UInt32
        var length: Int
        if b0 & 0xE0 == 0xC0 {
            guard let c1 = cont(i + 1) else { return 0 }
            scalar = UInt32(b0 & 0x1F) << 6 | c1
            length = 2
            if scalar < 0x80 { return 0 }
        } else if b0 & 0xF0 == 0xE0 {
            guard let c1 = cont(i + 1), let c2 = cont(i + 2) else { return 0 }
            scalar = UInt32(b0 & 0x0F) << 12 | c1 << 6 | c2
            length = 3
            if scalar < 0x800 || (0xD800...0xDFFF).contains(scalar) { return 0 }
        } else if b0 & 0xF8 == 0xF0 {
            guard let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) else { return 0 }
            scalar = UInt32(b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            length = 4
            if scalar < 0x10000 || scalar > 0x10FFFF { return 0 }
        } else {
            return 0
        }
        // YAML's printable set: NEL, #xA0-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF.
        if scalar == 0x85 || (0xA0...0xD7FF).contains(scalar) || (0xE000...0xFFFD).contains(scalar) || scalar >= 0x10000 {
            return length
        }
        return 0
    }
}

// MARK: - The reader

private let space: UInt8 = 0x20, tab: UInt8 = 0x09, newline: UInt8 = 0x0A
private let hash: UInt8 = 0x23, colon: UInt8 = 0x3A, dash: UInt8 = 0x2D, question: UInt8 = 0x3F
private let comma: UInt8 = 0x2C, lbracket: UInt8 = 0x5B, rbracket: UInt8 = 0x5D
private let lbrace: UInt8 = 0x7B, rbrace: UInt8 = 0x7D, amp: UInt8 = 0x26, star: UInt8 = 0x2A
private let bang: UInt8 = 0x21, pipe: UInt8 = 0x7C, greater: UInt8 = 0x3E, squote: UInt8 = 0x27
private let dquote: UInt8 = 0x22, percent: UInt8 = 0x25, at: UInt8 = 0x40, backtick: UInt8 = 0x60
private let dot: UInt8 = 0x2E, backslash: UInt8 = 0x5C

@inline(__always) private func isBlank(_ c: UInt8) -> Bool { c == space || c == tab }
/// Blank, line break or the end of input (the input ends in zero bytes).
@inline(__always) private func isBlankOrEnd(_ c: UInt8) -> Bool { c == space || c == tab || c == newline || c == 0 }
@inline(__always) private func isFlowIndicator(_ c: UInt8) -> Bool {
    c == comma || c == lbracket || c == rbracket || c == lbrace || c == rbrace
}

/// Where a block node sits, which decides what may start on the same line.
private enum BlockContext {
    case document, sequenceEntry, mappingValue, explicitKey
}

/// Node properties: an anchor and a tag.
private struct Properties {
    var anchor: String?
    var tag: String?
    var isEmpty: Bool { anchor == nil && tag == nil }
}

/// A mapping under construction. Its entries live on the reader's shared stacks from `base` up, so building a
/// mapping allocates only its final arrays; a hash index checks duplicates once it grows.
private struct MappingBuilder {
    let base: Int
    var index: [String: Int]? = nil
}

struct YAMLReader {
    private let p: UnsafePointer<UInt8>
    private let end: Int
    private let file: String
    private let duplicateKeys: YAMLParser.DuplicateKeys
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    private var anchors: [String: Value] = [:]
    // Shared stacks for collections under construction (nested ones push above their parents).
    private var keyStack: [String] = []
    private var valueStack: [Value] = []
    private var lineStack: [Int] = []
    private var itemStack: [Value] = []
    private var tagHandles: [String: String] = [:]
    private var depth = 0
    private static let maxDepth = 256

    init(base: UnsafePointer<UInt8>, count: Int, file: String, duplicateKeys: YAMLParser.DuplicateKeys) {
        p = base
        end = count
        self.file = file
        self.duplicateKeys = duplicateKeys
    }

    // MARK: Errors and positions

    private mutating func error(_ problem: String, at position: Int? = nil) -> ResourceError {
        let position = position ?? pos
        // Find the line of `position` (it may precede the current line).
        var lineNumber = line
        var start = lineStart
        var k = lineStart
        if position < lineStart {
            lineNumber = 1
            start = 0
            k = 0
        }
        while k < position && k < end {
            if p[k] == newline { lineNumber += 1; start = k + 1 }
            k += 1
        }
        var column = 1
        k = start
        while k < position && k < end {
            if p[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return ResourceError.invalidYAML(file: file, line: lineNumber, column: column, problem: problem)
    }

    @inline(__always) private var column: Int { pos - lineStart }

    /// Consumes a line break at `pos`.
    @inline(__always) private mutating func consumeNewline() {
        pos += 1
        line += 1
        lineStart = pos
    }

    private mutating func text(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p + from, count: to - from), as: UTF8.self)
    }

    /// True when only spaces precede `pos` on its line.
    private mutating func atLineIndentation() -> Bool {
        var k = lineStart
        while k < pos { if p[k] != space { return false }; k += 1 }
        return true
    }

    /// `---` or `...` at the start of a line, followed by a blank, a line break or the end.
    private mutating func atDocumentMarker() -> Bool {
        guard pos == lineStart, pos + 3 <= end else { return false }
        let c = p[pos]
        guard (c == dash || c == dot), p[pos + 1] == c, p[pos + 2] == c else { return false }
        return isBlankOrEnd(p[pos + 3])
    }

    /// A line that kustomize's splitter reads as a document separator: any line starting with `---`.
    private mutating func atSeparatorLine() -> Bool {
        pos == lineStart && pos + 3 <= end && p[pos] == dash && p[pos + 1] == dash && p[pos + 2] == dash
    }

    // MARK: Whitespace and comments

    /// Skips blanks and a comment on the current line. Returns true when the line then ends.
    private mutating func skipToLineEnd() -> Bool {
        while pos < end && isBlank(p[pos]) { pos += 1 }
        if pos < end && p[pos] == hash {
            while pos < end && p[pos] != newline { pos += 1 }
        }
        return pos >= end || p[pos] == newline
    }

    /// From the end of a line, moves over blank and comment lines to the first content byte of the next line with
    /// content. Returns its indentation, or nil at the end of input.
    private mutating func nextContentLine() throws -> Int? {
        while true {
            if pos >= end { return nil }
            if p[pos] == newline { consumeNewline() } else if !skipToLineEnd() {
                // Called mid-line with content left: the caller checks; report it here.
                throw error("did not find expected key or end of line")
            } else { continue }
            // Measure the indentation of this line.
            var k = pos
            while k < end && p[k] == space { k += 1 }
            // go-yaml reads no tab at the start of a block-context line, even a blank or comment line.
            if k < end && p[k] == tab {
                pos = k
                throw error("found a tab character where an indentation space is expected")
            }
            var m = k
            while m < end && p[m] == space { m += 1 }
            if m >= end { pos = m; return nil }
            let c = p[m]
            if c == newline || c == hash {
                pos = m
                if c == hash { while pos < end && p[pos] != newline { pos += 1 } }
                continue
            }
            pos = k
            return k - lineStart
        }
    }

    /// After a node, moves to the next content line, checking that nothing but a comment is left on this one.
    private mutating func advanceToContent(after what: String) throws -> Int? {
        if pos >= end { return nil }
        let c = p[pos]
        if c != newline && !isBlank(c) && c != hash && atLineIndentation() {
            // Already at the content of a line (a node ended where the next line's content starts).
            return column
        }
        if !skipToLineEnd() {
            throw error("unexpected content after \(what); expected a comment or a line break")
        }
        return try nextContentLine()
    }

    /// Skips spaces, tabs, line breaks and comments inside a flow collection.
    private mutating func skipFlowSpace() throws {
        while pos < end {
            let c = p[pos]
            if c == space || c == tab { pos += 1 } else if c == newline {
                consumeNewline()
                if atDocumentMarker() { throw error("found unexpected document indicator inside a flow collection") }
            } else if c == hash {
                if pos > lineStart, !isBlank(p[pos - 1]) && p[pos - 1] != newline { return }
                while pos < end && p[pos] != newline { pos += 1 }
            } else { return }
        }
    }

    // MARK: Stream and documents

    mutating func parseStream() throws -> [Value] {
        var documents: [Value] = []
        while true {
            anchors = [:]
            tagHandles = [:]
            // Directives, blank lines and comments before a document.
            var sawDirective = false
            while true {
                guard let indent = try nextContentLineOrStart() else { return documents }
                if indent == 0 && p[pos] == percent {
                    try parseDirective()
                    sawDirective = true
                    continue
                }
                break
            }
            var explicit = false
            // kustomize splits on `\n---`: its rules apply from the second line on; on the first line only a YAML
            // document marker counts (`---x` there is content).
            if atSeparatorLine() && !firstLineOfInput() {
                try checkSeparator()
            }
            if atDocumentMarker() && p[pos] == dash {
                pos += 3
                explicit = true
            } else if sawDirective {
                throw error("did not find expected <document start> after a directive")
            }
            if !explicit && atDocumentMarker() && p[pos] == dot {
                // go-yaml reads an implicit document here and finds no content.
                throw error("did not find expected node content")
            }
            let root = try parseDocumentRoot(explicit: explicit)
            // After the root: the end, a separator, or `...`.
            guard try advanceToContentOrEnd() else {
                if let root, !root.isNull { documents.append(root) }
                return documents
            }
            if atDocumentMarker() && p[pos] == dot {
                pos += 3
                if !skipToLineEnd() { throw error("did not find expected comment or line break after '...'") }
                try skipIgnoredDocuments()
            } else if !atSeparatorLine() {
                throw error("did not find expected <document start>; a document has only one root node")
            }
            if let root, !root.isNull { documents.append(root) }
        }
    }

    private mutating func firstLineOfInput() -> Bool { lineStart == 0 }

    /// Positions at the first content of the stream (first call) or of the next line with content.
    private mutating func nextContentLineOrStart() throws -> Int? {
        if pos >= end { return nil }
        if pos == lineStart {
            // At a line start: measure this line too.
            var k = pos
            while k < end && p[k] == space { k += 1 }
            if k < end && p[k] == tab {
                throw error("found a tab character where an indentation space is expected", at: k)
            }
            if k < end && p[k] != newline && p[k] != hash {
                pos = k
                return k - lineStart
            }
            pos = k
        }
        return try nextContentLine()
    }

    private mutating func advanceToContentOrEnd() throws -> Bool {
        guard let _ = try advanceToContent(after: "the document's root node") else { return false }
        return true
    }

    /// kustomize splits documents on any line starting with `---` and accepts only a comment after it.
    private mutating func checkSeparator() throws {
        var k = pos + 3
        while k < end && isBlank(p[k]) { k += 1 }
        let sticks = !(pos + 3 >= end || isBlankOrEnd(p[pos + 3]))
        if sticks || (k < end && p[k] != newline && p[k] != hash) {
            var e = pos
            while e < end && p[e] != newline { e += 1 }
            var shown = text(pos, e)
            while shown.last == " " || shown.last == "\t" { shown.removeLast() }
            throw error("invalid document separator: \(shown); only a comment may follow '---' on its line")
        }
    }

    /// After `...`, kustomize's reader decodes nothing more until the next `---` line.
    private mutating func skipIgnoredDocuments() throws {
        while pos < end {
            if p[pos] == newline { consumeNewline() } else { pos += 1; continue }
            if atSeparatorLine() { return }
        }
    }

    private mutating func parseDirective() throws {
        let start = pos
        while pos < end && !isBlankOrEnd(p[pos]) { pos += 1 }
        let name = text(start + 1, pos)
        var args: [String] = []
        while true {
            while pos < end && isBlank(p[pos]) { pos += 1 }
            if pos >= end || p[pos] == newline || p[pos] == hash { break }
            let a = pos
            while pos < end && !isBlankOrEnd(p[pos]) { pos += 1 }
            args.append(text(a, pos))
        }
        _ = skipToLineEnd()
        switch name {
        case "YAML":
            // go-yaml accepts only version 1.1 here.
            guard args.count == 1, args[0] == "1.1" else {
                throw error("found incompatible YAML document (go-yaml reads only %YAML 1.1)", at: start)
            }
        case "TAG":
            guard args.count == 2, args[0].hasPrefix("!"), args[0].hasSuffix("!") else {
                throw error("did not find expected tag handle and prefix in %TAG directive", at: start)
            }
            tagHandles[args[0]] = args[1]
        default:
            break // Reserved directives are ignored, as the YAML specification asks.
        }
    }

    private mutating func parseDocumentRoot(explicit: Bool) throws -> Value? {
        if explicit {
            // Content may follow `---` on the same line.
            if skipToLineEnd() {
                guard let indent = try nextContentLine() else { return nil }
                if atDocumentMarker() { return nil }
                return try parseBlockNodeAtLineStart(indent: indent, parentIndent: -1, properties: Properties())
            }
            return try parseBlockNode(parentIndent: -1, context: .document)
        }
        if atDocumentMarker() { return nil }
        return try parseBlockNode(parentIndent: -1, context: .document)
    }

    // MARK: Block nodes

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw error("exceeded max depth of \(Self.maxDepth) nested collections") }
    }

    /// Parses a block node starting at `pos` (blanks allowed before it on the line). The node belongs to a
    /// collection at `parentIndent`.
    private mutating func parseBlockNode(parentIndent: Int, context: BlockContext) throws -> Value {
        if context == .sequenceEntry || context == .explicitKey {
            // After '-', '?' or a complex ':', go-yaml takes no tab as separation.
            while pos < end && p[pos] == space { pos += 1 }
            if pos < end && p[pos] == tab { throw error("found character that cannot start any token (a tab)") }
        }
        while pos < end && isBlank(p[pos]) { pos += 1 }
        let nodeColumnStart = column
        let startedAtLineIndentation = atLineIndentation()
        let properties = try parseProperties()
        if skipToLineEnd() {
            // The content (if any) is on the following lines.
            guard let indent = try nextContentLine(), !atDocumentMarker() else {
                return try finishEmpty(properties)
            }
            let c = p[pos]
            let isSequenceEntry = c == dash && isBlankOrEnd(p[pos + 1])
            if indent > parentIndent || (context == .mappingValue && indent == parentIndent && isSequenceEntry) {
                return try parseBlockNodeAtLineStart(indent: indent, parentIndent: parentIndent,
                                                     properties: properties)
            }
            return try finishEmpty(properties)
        }
        let c = p[pos]
        let compactAllowed = context == .document || context == .sequenceEntry || context == .explicitKey
            || startedAtLineIndentation
        if c == dash && isBlankOrEnd(p[pos + 1]) {
            guard compactAllowed else {
                throw error("block sequence entries are not allowed in this context")
            }
            let value = try parseBlockSequence(indent: column)
            return register(value, properties)
        }
        if c == question && isBlankOrEnd(p[pos + 1]) {
            guard compactAllowed else { throw error("mapping keys are not allowed in this context") }
            let value = try parseBlockMapping(indent: column, firstKey: nil)
            return register(value, properties)
        }
        if c == pipe || c == greater {
            let value = try parseBlockScalar(parentIndent: parentIndent, properties: properties)
            return value
        }
        return try parseInlineNode(parentIndent: parentIndent, compactAllowed: compactAllowed,
                                   properties: properties, propertiesOnKeyLine: true, nodeColumn: nodeColumnStart)
    }

    /// A node whose first content byte is at `pos`, the start of a line's content at `indent`.
    private mutating func parseBlockNodeAtLineStart(indent: Int, parentIndent: Int, properties: Properties) throws -> Value {
        let c = p[pos]
        if c == dash && isBlankOrEnd(p[pos + 1]) {
            return register(try parseBlockSequence(indent: indent), properties)
        }
        if c == question && isBlankOrEnd(p[pos + 1]) {
            return register(try parseBlockMapping(indent: indent, firstKey: nil), properties)
        }
        if c == pipe || c == greater {
            return try parseBlockScalar(parentIndent: parentIndent, properties: properties)
        }
        // Properties on this line apply to the key when a mapping starts here, to the node otherwise.
        let own = try parseProperties()
        if !own.isEmpty && !properties.isEmpty {
            if skipToLineEnd() { throw error("found more than one set of node properties") }
        }
        if own.isEmpty {
            return try parseInlineNode(parentIndent: parentIndent, compactAllowed: true, properties: properties,
                                       propertiesOnKeyLine: false)
        }
        if skipToLineEnd() {
            // Properties alone on a line: the node follows.
            guard let next = try nextContentLine(), next > parentIndent, !atDocumentMarker() else {
                return try finishEmpty(own)
            }
            return try parseBlockNodeAtLineStart(indent: next, parentIndent: parentIndent, properties: own)
        }
        let c2 = p[pos]
        if c2 == pipe || c2 == greater {
            return try parseBlockScalar(parentIndent: parentIndent, properties: own)
        }
        return try parseInlineNode(parentIndent: parentIndent, compactAllowed: true, properties: own,
                                   propertiesOnKeyLine: true, outer: properties, nodeColumn: indent)
    }

    /// A node on the current line that is not a block collection indicator or block scalar: a flow collection,
    /// quoted or plain scalar, or alias; when followed by `:` it is the first key of a block mapping.
    private mutating func parseInlineNode(parentIndent: Int, compactAllowed: Bool, properties: Properties,
                                 propertiesOnKeyLine: Bool, outer: Properties = Properties(),
                                 nodeColumn: Int? = nil) throws -> Value {
        // A mapping starting here has its keys at the column where the node (with its properties) starts.
        let keyColumn = nodeColumn ?? column
        let keyLine = line
        let keyStart = pos
        let c = p[pos]
        var node: Value
        var isPlain = false
        var plainText: String = ""
        if c == lbracket || c == lbrace {
            node = try parseFlowCollection()
        } else if c == dquote || c == squote {
            let (t, multiline) = try parseQuoted(double: c == dquote)
            node = try makeScalar(t, style: c == dquote ? .doubleQuoted : .singleQuoted, tag: nil)
            if multiline && followedByValueIndicator() {
                throw error("implicit mapping keys must fit on one line", at: keyStart)
            }
        } else if c == star {
            node = try parseAlias()
        } else {
            try checkPlainStart()
            let (t, isKey) = try scanPlainFirstLine()
            plainText = t
            isPlain = true
            node = .null // decided below
            if !isKey {
                let full = try continuePlain(first: t, parentIndent: parentIndent)
                return register(try makeScalar(full, style: .plain, tag: properties.tag), properties)
            }
        }
        // Is this the key of a block mapping?
        if followedByValueIndicator() {
            guard compactAllowed else {
                throw error("mapping values are not allowed in this context")
            }
            var keyProperties = Properties()
            var mappingProperties = properties
            if propertiesOnKeyLine {
                keyProperties = properties
                mappingProperties = outer
            }
            let keyValue = isPlain ? try makeScalar(plainText, style: .plain, tag: keyProperties.tag) : node
            try checkSingleLineKey(from: keyStart, to: pos)
            let key = try keyString(register(keyValue, keyProperties), at: keyStart)
            let mapping = try parseBlockMapping(indent: keyColumn,
                                                firstKey: (key, keyLine, keyStart, isMergeKey(keyValue, isPlain)))
            return register(mapping, mappingProperties)
        }
        if isPlain {
            return register(try makeScalar(plainText, style: .plain, tag: properties.tag), properties)
        }
        if case .scalar(var s) = node, let tag = properties.tag {
            s = try retag(s, tag)
            node = .scalar(s)
        }
        return register(node, properties)
    }

    private mutating func isMergeKey(_ key: Value, _ plain: Bool) -> Bool {
        plain && key.scalar?.text == "<<"
    }

    /// After a key: blanks, then `:` followed by a blank or the end of the line.
    private mutating func followedByValueIndicator() -> Bool {
        var k = pos
        while k < end && isBlank(p[k]) { k += 1 }
        return k < end && p[k] == colon && isBlankOrEnd(p[k + 1])
    }

    private mutating func register(_ value: Value, _ properties: Properties) -> Value {
        if let anchor = properties.anchor { anchors[anchor] = value }
        return value
    }

    private mutating func finishEmpty(_ properties: Properties) throws -> Value {
        let value = try makeScalar("", style: .plain, tag: properties.tag)
        return register(value, properties)
    }

    private mutating func parseProperties() throws -> Properties {
        var properties = Properties()
        while pos < end {
            let c = p[pos]
            if c == amp {
                if properties.anchor != nil { throw error("found more than one anchor on a node") }
                pos += 1
                properties.anchor = try anchorName(what: "an anchor")
            } else if c == bang {
                if properties.tag != nil { throw error("found more than one tag on a node") }
                properties.tag = try parseTag()
            } else {
                break
            }
            while pos < end && isBlank(p[pos]) { pos += 1 }
        }
        return properties
    }

    /// A tag, resolved to its full name ("!!str" stays short; "!x" stays local).
    private mutating func parseTag() throws -> String {
        let start = pos
        pos += 1
        if pos < end && p[pos] == 0x3C { // !<verbatim>
            pos += 1
            let s = pos
            while pos < end && p[pos] != greater && !isBlankOrEnd(p[pos]) { pos += 1 }
            guard pos < end && p[pos] == greater else { throw error("did not find the expected '>' to end a verbatim tag") }
            let verbatim = text(s, pos)
            pos += 1
            if verbatim.hasPrefix("tag:yaml.org,2002:") { return "!!" + verbatim.dropFirst(18) }
            return verbatim
        }
        // Tag characters as go-yaml scans them (a URI: this takes ',', '[' and ']' too), then a blank.
        while pos < end && Self.isTagCharacter(p[pos]) { pos += 1 }
        if pos < end && !isBlankOrEnd(p[pos]) {
            throw error("did not find expected whitespace or line break after a tag")
        }
        let written = text(start, pos)
        if written == "!" || written.hasPrefix("!!") { 
            if let prefix = tagHandles["!!"] { return prefix + written.dropFirst(2) }
            return written
        }
        // A named handle `!e!suffix` needs a %TAG directive.
        if let second = written.dropFirst().firstIndex(of: "!") {
            let handle = String(written[...second])
            guard let prefix = tagHandles[handle] else {
                throw error("found undefined tag handle \(handle)", at: start)
            }
            let expanded = prefix + written[written.index(after: second)...]
            if expanded.hasPrefix("tag:yaml.org,2002:") { return "!!" + expanded.dropFirst(18) }
            return expanded
        }
        if let prefix = tagHandles["!"] { return prefix + written.dropFirst() }
        return written
    }

    private static func isTagCharacter(_ c: UInt8) -> Bool {
        if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D {
            return true
        }
        return ";/?:@&=+$,.!~*'()[]%".utf8.contains(c)
    }

    private mutating func parseAlias() throws -> Value {
        let start = pos
        pos += 1
        let name = try anchorName(what: "an alias")
        guard let value = anchors[name] else { throw error("unknown anchor '\(name)' referenced", at: start) }
        return value
    }

    /// An anchor or alias name as go-yaml reads it: letters, digits, '_' and '-', then a blank or an indicator.
    private mutating func anchorName(what: String) throws -> String {
        let s = pos
        while pos < end {
            let c = p[pos]
            if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == dash {
                pos += 1
            } else {
                break
            }
        }
        let c = p[pos]
        let endsWell = isBlankOrEnd(c) || c == question || c == colon || c == comma || c == rbracket
            || c == rbrace || c == percent || c == at || c == backtick
        if pos == s || !endsWell {
            throw error("did not find expected alphabetic or numeric character while scanning \(what)")
        }
        return text(s, pos)
    }

    // MARK: Block collections

    private typealias FirstKey = (key: String, line: Int, start: Int, merge: Bool)

    private mutating func parseBlockMapping(indent: Int, firstKey: FirstKey?) throws -> Value {
        try enter()
        defer { depth -= 1 }
        var builder = MappingBuilder(base: keyStack.count)
        var merges: [(Value, Int)] = []
        var pending = firstKey
        while true {
            var key: String
            var keyLine: Int
            var keyStart: Int
            var merge = false
            var value: Value
            if let first = pending {
                pending = nil
                (key, keyLine, keyStart, merge) = first
                // At the ':' after the key.
                while isBlank(p[pos]) { pos += 1 }
                pos += 1
                value = try parseBlockNode(parentIndent: indent, context: .mappingValue)
            } else if p[pos] == question && isBlankOrEnd(p[pos + 1]) {
                keyLine = line
                keyStart = pos
                pos += 1
                let keyNode = try parseBlockNode(parentIndent: indent, context: .explicitKey)
                key = try keyString(keyNode, at: keyStart)
                if let next = try advanceToContent(after: "a mapping key"), next == indent,
                   p[pos] == colon && isBlankOrEnd(p[pos + 1]) {
                    pos += 1
                    value = try parseBlockNode(parentIndent: indent, context: .explicitKey)
                } else {
                    value = .scalar(Scalar("", tag: .null))
                    try insert(&builder, &merges, key: key, value: value, line: keyLine, start: keyStart, merge: false)
                    guard let next = currentIndentIfAtContent(), next == indent, !atDocumentMarker() else {
                        if let next = currentIndentIfAtContent(), next > indent, !atDocumentMarker() {
                            throw error("did not find expected key")
                        }
                        break
                    }
                    continue
                }
            } else {
                keyLine = line
                keyStart = pos
                let (k, isMerge) = try parseImplicitKey()
                key = k
                merge = isMerge
                value = try parseBlockNode(parentIndent: indent, context: .mappingValue)
            }
            try insert(&builder, &merges, key: key, value: value, line: keyLine, start: keyStart, merge: merge)
            guard let next = try advanceToContent(after: "a mapping value") else { break }
            if atDocumentMarker() || (atSeparatorLine() && next == 0) { break }
            if next < indent { break }
            if next > indent { throw error("did not find expected key (bad indentation of a mapping entry)") }
            if p[pos] == dash && isBlankOrEnd(p[pos + 1]) {
                throw error("did not find expected key; a sequence entry cannot follow a mapping entry at the same indentation")
            }
        }
        return try finishMapping(builder, merges)
    }

    private mutating func currentIndentIfAtContent() -> Int? {
        guard pos < end, atLineIndentation() else { return nil }
        return column
    }

    /// An implicit key on the current line and the `:` after it. Returns the key and whether it is `<<`.
    private mutating func parseImplicitKey() throws -> (String, Bool) {
        let keyStart = pos
        let properties = try parseProperties()
        let c = p[pos]
        var keyValue: Value
        var plain = false
        if c == lbracket || c == lbrace {
            keyValue = try parseFlowCollection()
        } else if c == dquote || c == squote {
            let (t, multiline) = try parseQuoted(double: c == dquote)
            if multiline { throw error("implicit mapping keys must fit on one line", at: keyStart) }
            keyValue = try makeScalar(t, style: c == dquote ? .doubleQuoted : .singleQuoted, tag: properties.tag)
        } else if c == star {
            keyValue = try parseAlias()
        } else if c == colon && isBlankOrEnd(p[pos + 1]) {
            throw error("did not find expected key")
        } else {
            try checkPlainStart()
            let (t, isKey) = try scanPlainFirstLine()
            if !isKey {
                throw error("could not find expected ':' after a mapping key", at: pos)
            }
            keyValue = try makeScalar(t, style: .plain, tag: properties.tag)
            plain = true
        }
        guard followedByValueIndicator() else {
            throw error("could not find expected ':' after a mapping key")
        }
        while isBlank(p[pos]) { pos += 1 }
        pos += 1 // ':'
        try checkSingleLineKey(from: keyStart, to: pos)
        let key = try keyString(register(keyValue, properties), at: keyStart)
        return (key, isMergeKey(keyValue, plain) && properties.tag == nil)
    }

    /// go-yaml reads NEL, LS and PS as line breaks (YAML 1.1), so an implicit key holding one spans two lines,
    /// which it rejects.
    private mutating func checkSingleLineKey(from start: Int, to stop: Int) throws {
        var k = start
        while k < stop {
            let c = p[k]
            if c == 0xC2 && p[k + 1] == 0x85 || c == 0xE2 && p[k + 1] == 0x80 && (p[k + 2] == 0xA8 || p[k + 2] == 0xA9) {
                throw error("implicit mapping keys must fit on one line (NEL, LS and PS break lines in YAML 1.1)", at: k)
            }
            k += 1
        }
    }

    private mutating func keyString(_ key: Value, at start: Int) throws -> String {
        guard case let .scalar(s) = key else {
            throw error("a mapping key must be a scalar; kustomize cannot use a collection as a key", at: start)
        }
        if s.tag == .null { return "" }
        return s.text
    }

    private mutating func insert(_ builder: inout MappingBuilder, _ merges: inout [(Value, Int)], key: String, value: Value,
                        line keyLine: Int, start: Int, merge: Bool) throws {
        if merge {
            if !merges.isEmpty { throw error("duplicate merge key", at: start) }
            merges.append((value, start))
            return
        }
        if let existing = position(of: key, in: builder) {
            switch duplicateKeys {
            case .reject:
                throw error("mapping key \"\(key)\" already defined at line \(lineStack[existing])", at: start)
            case .lastWins:
                valueStack[existing] = value
                return
            }
        }
        keyStack.append(key)
        valueStack.append(value)
        lineStack.append(keyLine)
        let count = keyStack.count - builder.base
        if builder.index != nil {
            builder.index![key] = keyStack.count - 1
        } else if count > 12 {
            var built = [String: Int](minimumCapacity: count * 2)
            for i in builder.base..<keyStack.count { built[keyStack[i]] = i }
            builder.index = built
        }
    }

    /// The stack position of `key` among the builder's entries.
    private mutating func position(of key: String, in builder: MappingBuilder) -> Int? {
        if let index = builder.index { return index[key] }
        var i = builder.base
        let top = keyStack.count
        while i < top {
            if keyStack[i] == key { return i }
            i += 1
        }
        return nil
    }

    /// Applies `<<` merges the way kustomize's reader does: keys written in the mapping win, then earlier merge
    /// sources win over later ones; merged keys not already present are appended.
    private mutating func finishMapping(_ builder: MappingBuilder, _ merges: [(Value, Int)]) throws -> Value {
        let ownKeys = Array(keyStack[builder.base...])
        let ownValues = Array(valueStack[builder.base...])
        keyStack.removeSubrange(builder.base...)
        valueStack.removeSubrange(builder.base...)
        lineStack.removeSubrange(builder.base...)
        guard let (mergeValue, start) = merges.first else {
            return .mapping(Mapping(uniqueKeys: ownKeys, values: ownValues))
        }
        var sources: [Mapping] = []
        switch mergeValue {
        case let .mapping(m): sources = [m]
        case let .sequence(items):
            for item in items {
                guard case let .mapping(m) = item else {
                    throw error("map merge requires map or sequence of maps as the value", at: start)
                }
                sources.append(m)
            }
        default:
            throw error("map merge requires map or sequence of maps as the value", at: start)
        }
        var keys = ownKeys
        var values = ownValues
        var present = Set(keys)
        // Later sources first so earlier ones overwrite them; keys written in the mapping are never replaced.
        var mergedPositions: [String: Int] = [:]
        for source in sources.reversed() {
            for (k, v) in source.pairs {
                if let i = mergedPositions[k] { values[i] = v; continue }
                if present.contains(k) { continue }
                present.insert(k)
                mergedPositions[k] = keys.count
                keys.append(k)
                values.append(v)
            }
        }
        return .mapping(Mapping(uniqueKeys: keys, values: values))
    }

    private mutating func parseBlockSequence(indent: Int) throws -> Value {
        try enter()
        defer { depth -= 1 }
        let base = itemStack.count
        while true {
            pos += 1 // '-'
            let item = try parseBlockNode(parentIndent: indent, context: .sequenceEntry)
            itemStack.append(item)
            guard let next = try advanceToContent(after: "a sequence entry") else { break }
            if atDocumentMarker() || (atSeparatorLine() && next == 0) { break }
            if next < indent { break }
            if next > indent { throw error("did not find expected '-' indicator (bad indentation of a sequence entry)") }
            if !(p[pos] == dash && isBlankOrEnd(p[pos + 1])) { break }
        }
        let items = Array(itemStack[base...])
        itemStack.removeSubrange(base...)
        return .sequence(items)
    }

    // MARK: Plain scalars

    private mutating func checkPlainStart() throws {
        let c = p[pos]
        switch c {
        case comma, lbracket, rbracket, lbrace, rbrace, hash, amp, star, bang, pipe, greater, squote, dquote,
             percent, at, backtick:
            throw error("found character '\(Character(Unicode.Scalar(c)))' that cannot start any token")
        case dash, question, colon:
            if isBlankOrEnd(p[pos + 1]) {
                throw error("found character '\(Character(Unicode.Scalar(c)))' that cannot start a plain scalar here")
            }
        default:
            break
        }
    }

    /// Scans the first line of a block plain scalar. Returns its text (trailing blanks trimmed) and whether a `:`
    /// followed by a blank ends it, which makes it a mapping key.
    private mutating func scanPlainFirstLine() throws -> (String, Bool) {
        let start = pos
        var k = pos
        var isKey = false
        while k < end {
            let c = p[k]
            if c == newline { break }
            if c == colon && isBlankOrEnd(p[k + 1]) { isKey = true; break }
            if c == hash && isBlank(p[k - 1]) { break }
            k += 1
        }
        var e = k
        while e > start && isBlank(p[e - 1]) { e -= 1 }
        pos = e
        return (text(start, e), isKey)
    }

    /// Continues a block plain scalar over the following lines while they are indented more than `parentIndent`.
    private mutating func continuePlain(first: String, parentIndent: Int) throws -> String {
        // Fast path: the line ends (or a comment follows) and the next content line does not continue it.
        var result: [UInt8]? = nil
        while true {
            var k = pos
            while k < end && isBlank(p[k]) { k += 1 }
            if k >= end || p[k] != newline { return result.map { String(decoding: $0, as: UTF8.self) } ?? first }
            // Look at the following lines: count empty ones, find the next content.
            var breaks = 0
            var m = k
            var lineBegin = k
            var contentAt = -1
            while m < end && p[m] == newline {
                breaks += 1
                m += 1
                lineBegin = m
                var s = m
                while s < end && p[s] == space { s += 1 }
                var t = s
                while t < end && isBlank(p[t]) {
                    // go-yaml rejects a tab left of where the scalar's lines must start.
                    if p[t] == tab && t - lineBegin < parentIndent + 1 {
                        throw error("found a tab character that violates indentation", at: t)
                    }
                    t += 1
                }
                if t < end && p[t] != newline {
                    contentAt = t
                    // Indentation is the run of spaces; it must exceed the parent's.
                    if s - lineBegin <= parentIndent { return finish(result, first) }
                    break
                }
                m = t
            }
            if contentAt < 0 { return finish(result, first) }
            // Document markers and comments end the scalar.
            if contentAt == lineBegin && contentAt + 3 <= end {
                let c = p[contentAt]
                if (c == dash || c == dot) && p[contentAt + 1] == c && p[contentAt + 2] == c
                    && isBlankOrEnd(p[contentAt + 3]) { return finish(result, first) }
            }
            if p[contentAt] == hash { return finish(result, first) }
            // Continue: consume the breaks, then scan the line.
            if result == nil { result = Array(first.utf8) }
            if breaks == 1 { result!.append(space) } else {
                for _ in 1..<breaks { result!.append(newline) }
            }
            // Move the reader over the consumed lines.
            while pos < contentAt {
                if p[pos] == newline { consumeNewline() } else { pos += 1 }
            }
            let lineStartContent = pos
            var q = pos
            while q < end {
                let c = p[q]
                if c == newline { break }
                if c == colon && isBlankOrEnd(p[q + 1]) {
                    pos = q
                    throw error("mapping values are not allowed in this context")
                }
                if c == hash && isBlank(p[q - 1]) { break }
                q += 1
            }
            var e = q
            while e > lineStartContent && isBlank(p[e - 1]) { e -= 1 }
            result!.append(contentsOf: UnsafeBufferPointer(start: p + lineStartContent, count: e - lineStartContent))
            pos = e
            if q < end && p[q] == hash {
                return String(decoding: result!, as: UTF8.self)
            }
        }
    }

    private mutating func finish(_ result: [UInt8]?, _ first: String) -> String {
        result.map { String(decoding: $0, as: UTF8.self) } ?? first
    }

    // MARK: Quoted scalars

    /// Parses a quoted scalar at `pos`. Returns its value and whether it spanned lines.
    private mutating func parseQuoted(double: Bool) throws -> (String, Bool) {
        let open = pos
        pos += 1
        let quote = double ? dquote : squote
        // Fast path: no escapes, no line breaks.
        var k = pos
        while k < end {
            let c = p[k]
            if c == quote || c == newline || (double && c == backslash) || c == 0xC2 || c == 0xE2 { break }
            k += 1
        }
        if k < end && p[k] == quote && !(!double && p[k + 1] == squote) {
            let s = text(pos, k)
            pos = k + 1
            return (s, false)
        }
        var out: [UInt8] = []
        out.reserveCapacity(k - pos + 16)
        var multiline = false
        while true {
            guard pos < end else { throw error("found unexpected end of stream while scanning a quoted scalar", at: open) }
            let c = p[pos]
            if !double && c == squote {
                if p[pos + 1] == squote { out.append(squote); pos += 2; continue }
                pos += 1
                break
            }
            if double && c == dquote { pos += 1; break }
            if double && c == backslash {
                pos += 1
                let e = p[pos]
                if e == newline {
                    // An escaped line break: join without a space, drop the next line's leading blanks.
                    consumeNewline()
                    multiline = true
                    try checkQuotedLineStart(open)
                    while pos < end && isBlank(p[pos]) { pos += 1 }
                    continue
                }
                pos += 1
                switch e {
                case 0x30: out.append(0)
                case 0x61: out.append(0x07)
                case 0x62: out.append(0x08)
                case 0x74, tab: out.append(tab)
                case 0x6E: out.append(newline)
                case 0x76: out.append(0x0B)
                case 0x66: out.append(0x0C)
                case 0x72: out.append(0x0D)
                case 0x65: out.append(0x1B)
                case space: out.append(space)
                case dquote: out.append(dquote)
                case 0x2F: out.append(0x2F)
                case backslash: out.append(backslash)
                case 0x4E: appendScalar(&out, 0x85)
                case 0x5F: appendScalar(&out, 0xA0)
                case 0x4C: appendScalar(&out, 0x2028)
                case 0x50: appendScalar(&out, 0x2029)
                case 0x78, 0x75, 0x55:
                    let digits = e == 0x78 ? 2 : e == 0x75 ? 4 : 8
                    var v: UInt32 = 0
                    for _ in 0..<digits {
                        guard pos < end, let d = hexValue(p[pos]) else {
                            throw error("did not find expected hexadecimal number in an escape sequence")
                        }
                        v = v << 4 | UInt32(d)
                        pos += 1
                    }
                    guard (v < 0xD800 || v > 0xDFFF) && v <= 0x10FFFF else {
                        throw error("found invalid Unicode character escape code")
                    }
                    appendScalar(&out, v)
                default:
                    throw error("found unknown escape character while parsing a quoted scalar", at: pos - 1)
                }
                continue
            }
            if c == newline || isBlank(c) || yaml11BreakLength(pos) > 0 {
                // Whitespace: kept unless a line break follows, then folded. As in go-yaml (YAML 1.1), NEL, LS and
                // PS break lines too: NEL folds like a line feed, LS and PS are kept themselves.
                var w = pos
                while w < end && isBlank(p[w]) { w += 1 }
                if w >= end || (p[w] != newline && yaml11BreakLength(w) == 0) {
                    out.append(contentsOf: UnsafeBufferPointer(start: p + pos, count: w - pos))
                    pos = w
                    continue
                }
                pos = w
                var leadingBreak: [UInt8] = []
                var trailingBreaks: [UInt8] = []
                while pos < end {
                    if isBlank(p[pos]) { pos += 1; continue }
                    var lineBreak: [UInt8]
                    if p[pos] == newline {
                        lineBreak = [newline]
                        consumeNewline()
                        try checkQuotedLineStart(open)
                    } else {
                        let length = yaml11BreakLength(pos)
                        if length == 0 { break }
                        lineBreak = length == 2 ? [newline] : Array(UnsafeBufferPointer(start: p + pos, count: 3))
                        pos += length
                        // For go-yaml a line starts here: a document marker ends the stream's document.
                        let m = p[pos]
                        if (m == dash || m == dot) && p[pos + 1] == m && p[pos + 2] == m && isBlankOrEnd(p[pos + 3]) {
                            throw error("found unexpected document indicator while scanning a quoted scalar")
                        }
                    }
                    if leadingBreak.isEmpty { leadingBreak = lineBreak } else { trailingBreaks += lineBreak }
                }
                multiline = true
                if leadingBreak == [newline] {
                    if trailingBreaks.isEmpty { out.append(space) } else { out += trailingBreaks }
                } else {
                    out += leadingBreak
                    out += trailingBreaks
                }
                continue
            }
            out.append(c)
            pos += 1
        }
        return (String(decoding: out, as: UTF8.self), multiline)
    }

    /// The length of a NEL (2), LS or PS (3) at `k`, or 0.
    @inline(__always) private func yaml11BreakLength(_ k: Int) -> Int {
        if p[k] == 0xC2 && p[k + 1] == 0x85 { return 2 }
        if p[k] == 0xE2 && p[k + 1] == 0x80 && (p[k + 2] == 0xA8 || p[k + 2] == 0xA9) { return 3 }
        return 0
    }

    private mutating func checkQuotedLineStart(_ open: Int) throws {
        if atDocumentMarker() {
            throw error("found unexpected document indicator while scanning a quoted scalar")
        }
    }

    private mutating func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private mutating func appendScalar(_ out: inout [UInt8], _ v: UInt32) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | v >> 6))
            out.append(UInt8(0x80 | v & 0x3F))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | v >> 12))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        } else {
            out.append(UInt8(0xF0 | v >> 18))
            out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    // MARK: Block scalars

    private mutating func parseBlockScalar(parentIndent: Int, properties: Properties) throws -> Value {
        let literal = p[pos] == pipe
        pos += 1
        var chomp = 0 // -1 strip, 0 clip, +1 keep
        var increment = 0
        for _ in 0..<2 {
            let c = p[pos]
            if (c == 0x2B || c == dash) && chomp == 0 {
                chomp = c == 0x2B ? 1 : -1
                pos += 1
            } else if c >= 0x30 && c <= 0x39 && increment == 0 {
                if c == 0x30 { throw error("found an indentation indicator equal to 0") }
                increment = Int(c - 0x30)
                pos += 1
            }
        }
        if pos < end && !isBlankOrEnd(p[pos]) {
            throw error("did not find expected comment or line break after a block scalar header")
        }
        if !skipToLineEnd() {
            throw error("did not find expected comment or line break after a block scalar header")
        }
        if pos < end { consumeNewline() }
        var indent = 0
        if increment > 0 {
            indent = parentIndent >= 0 ? parentIndent + increment : increment
        }
        var out: [UInt8] = []
        var trailingBreaks: [UInt8] = []
        var leadingBreak = false
        var leadingBlank = false
        var first = true
        // Leading empty lines, and the indentation when it is detected.
        func scanBreaks() throws {
            var maxIndent = 0
            while true {
                var k = pos
                while k < end && p[k] == space && (indent == 0 || k - lineStart < indent) { k += 1 }
                if k < end && p[k] == tab && (indent == 0 || k - lineStart < indent) {
                    throw error("found a tab character where an indentation space is expected", at: k)
                }
                if k - lineStart > maxIndent { maxIndent = k - lineStart }
                if k < end && p[k] == newline {
                    // An empty line (possibly with spaces up to the indentation).
                    pos = k
                    trailingBreaks.append(newline)
                    consumeNewline()
                    continue
                }
                pos = k
                break
            }
            if indent == 0 {
                var k = pos
                while k < end && p[k] == space { k += 1 }
                let contentIndent = k - lineStart
                indent = max(maxIndent, contentIndent, parentIndent + 1, 1)
                // Lines are read up to the indentation only.
                pos = min(k, lineStart + indent)
            }
        }
        try scanBreaks()
        while pos < end && column == indent && !(pos == lineStart && atDocumentMarker()) {
            if pos >= end || p[pos] == newline { break }
            let trailingBlank = isBlank(p[pos])
            if !literal && leadingBreak && !leadingBlank && !trailingBlank && !first {
                if trailingBreaks.isEmpty { out.append(space) }
                leadingBreak = false
            } else if leadingBreak {
                out.append(newline)
                leadingBreak = false
            }
            out.append(contentsOf: trailingBreaks)
            trailingBreaks.removeAll(keepingCapacity: true)
            leadingBlank = isBlank(p[pos])
            let s = pos
            while pos < end && p[pos] != newline { pos += 1 }
            out.append(contentsOf: UnsafeBufferPointer(start: p + s, count: pos - s))
            first = false
            if pos >= end { break }
            leadingBreak = true
            consumeNewline()
            try scanBreaks()
        }
        // The reader is now at the content of the line that ended the block (or at the end of input).
        if chomp != -1 && leadingBreak { out.append(newline) }
        if chomp == 1 { out.append(contentsOf: trailingBreaks) }
        let value = String(decoding: out, as: UTF8.self)
        let scalar = try makeScalar(value, style: literal ? .literal : .folded, tag: properties.tag)
        return register(scalar, properties)
    }

    // MARK: Flow collections

    private mutating func parseFlowCollection() throws -> Value {
        try enter()
        defer { depth -= 1 }
        let open = pos
        let isSequence = p[pos] == lbracket
        let close = isSequence ? rbracket : rbrace
        pos += 1
        let itemBase = itemStack.count
        var builder = MappingBuilder(base: keyStack.count)
        var merges: [(Value, Int)] = []
        while true {
            try skipFlowSpace()
            guard pos < end else {
                throw error("did not find expected ',' or '\(isSequence ? "]" : "}")' before the end of the input", at: open)
            }
            if p[pos] == close { pos += 1; break }
            let entryStart = pos
            let entryLine = line
            var explicitKey = false
            if p[pos] == question && isBlankOrEnd(p[pos + 1]) {
                explicitKey = true
                pos += 1
                try skipFlowSpace()
            }
            var key: Value
            var keyIsPlainMerge = false
            if pos < end && (p[pos] == colon && (isBlankOrEnd(p[pos + 1]) || isFlowIndicator(p[pos + 1]))) {
                if !explicitKey { throw error("did not find expected node content in a flow collection") }
                key = Self.flowEmpty
            } else if pos < end && (p[pos] == comma || p[pos] == close) {
                if !explicitKey {
                    throw error("did not find expected node content in a flow collection")
                }
                key = Self.flowEmpty
            } else {
                let (node, plainMerge) = try parseFlowNode()
                key = node
                keyIsPlainMerge = plainMerge
            }
            let keyEnd = pos
            let adjacent = pos > entryStart && (p[pos - 1] == dquote || p[pos - 1] == squote
                || p[pos - 1] == rbracket || p[pos - 1] == rbrace)
            try skipFlowSpace()
            var value: Value? = nil
            if pos < end && p[pos] == colon
                && (isBlankOrEnd(p[pos + 1]) || isFlowIndicator(p[pos + 1]) || adjacent) {
                pos += 1
                if !explicitKey { try checkSingleLineKey(from: entryStart, to: keyEnd) }
                try skipFlowSpace()
                if pos < end && (p[pos] == comma || p[pos] == close) {
                    value = Self.flowEmpty
                } else {
                    value = try parseFlowNode().0
                }
            } else if explicitKey || !isSequence {
                value = Self.flowEmpty
            }
            if isSequence {
                if let value {
                    let k = try keyString(key, at: entryStart)
                    itemStack.append(.mapping(Mapping(uniqueKeys: [k], values: [value])))
                } else {
                    itemStack.append(key)
                }
            } else {
                let k = try keyString(key, at: entryStart)
                try insert(&builder, &merges, key: k, value: value ?? Self.flowEmpty, line: entryLine, start: entryStart,
                           merge: keyIsPlainMerge)
            }
            try skipFlowSpace()
            guard pos < end else {
                throw error("did not find expected ',' or '\(isSequence ? "]" : "}")' before the end of the input", at: open)
            }
            if p[pos] == comma { pos += 1; continue }
            if p[pos] == close { pos += 1; break }
            throw error("did not find expected ',' or '\(isSequence ? "]" : "}")'")
        }
        if isSequence {
            let items = Array(itemStack[itemBase...])
            itemStack.removeSubrange(itemBase...)
            return .sequence(items)
        }
        return try finishMapping(builder, merges)
    }

    /// An empty node inside a flow collection. go-yaml v3 reads it as null, but kustomize re-encodes each resource
    /// before converting it, and v3 writes an empty scalar in flow context as `''`: it comes out as "".
    static let flowEmpty = Value.scalar(Scalar("", tag: .string, style: .plain))

    /// A node inside a flow collection. Returns it and whether it is a plain `<<`.
    private mutating func parseFlowNode() throws -> (Value, Bool) {
        let properties = try parseProperties()
        try skipFlowSpace()
        guard pos < end else { throw error("found unexpected end of stream inside a flow collection") }
        let c = p[pos]
        if c == comma || c == rbracket || c == rbrace || (c == colon && isBlankOrEnd(p[pos + 1])) {
            if properties.tag == nil || properties.tag == "!" { return (register(Self.flowEmpty, properties), false) }
            return (try finishEmpty(properties), false)
        }
        if c == lbracket || c == lbrace {
            return (register(try parseFlowCollection(), properties), false)
        }
        if c == dquote || c == squote {
            let (t, _) = try parseQuoted(double: c == dquote)
            return (register(try makeScalar(t, style: c == dquote ? .doubleQuoted : .singleQuoted,
                                            tag: properties.tag), properties), false)
        }
        if c == star { return (try parseAlias(), false) }
        if c == dash && isBlankOrEnd(p[pos + 1]) {
            throw error("block sequence entries are not allowed in a flow collection")
        }
        try checkPlainStart()
        let t = try scanPlainFlow()
        let merge = t == "<<" && properties.tag == nil
        return (register(try makeScalar(t, style: .plain, tag: properties.tag), properties), merge)
    }

    /// A plain scalar inside a flow collection, possibly over several lines.
    private mutating func scanPlainFlow() throws -> String {
        var out: [UInt8]? = nil
        var segmentStart = pos
        var k = pos
        while true {
            var stop = false
            while k < end {
                let c = p[k]
                if c == newline || isFlowIndicator(c) { break }
                if c == colon && (isBlankOrEnd(p[k + 1]) || isFlowIndicator(p[k + 1])) { break }
                if c == hash && k > segmentStart && isBlank(p[k - 1]) { stop = true; break }
                k += 1
            }
            var e = k
            while e > segmentStart && isBlank(p[e - 1]) { e -= 1 }
            if k >= end || p[k] != newline || stop {
                if out == nil {
                    pos = e
                    return text(segmentStart, e)
                }
                out!.append(contentsOf: UnsafeBufferPointer(start: p + segmentStart, count: e - segmentStart))
                pos = e
                return String(decoding: out!, as: UTF8.self)
            }
            // A line break: see whether the scalar continues on the next content line.
            var m = k
            var breaks = 0
            while m < end && (p[m] == newline || isBlank(p[m])) { if p[m] == newline { breaks += 1 }; m += 1 }
            if m >= end { pos = e; return finishFlow(out, segmentStart, e) }
            let c = p[m]
            if isFlowIndicator(c) || c == hash || (c == colon && (isBlankOrEnd(p[m + 1]) || isFlowIndicator(p[m + 1]))) {
                pos = e
                return finishFlow(out, segmentStart, e)
            }
            if out == nil { out = [] }
            out!.append(contentsOf: UnsafeBufferPointer(start: p + segmentStart, count: e - segmentStart))
            if breaks == 1 { out!.append(space) } else { for _ in 1..<breaks { out!.append(newline) } }
            pos = k
            while pos < m { if p[pos] == newline { consumeNewline() } else { pos += 1 } }
            if atDocumentMarker() { throw error("found unexpected document indicator inside a flow collection") }
            segmentStart = m
            k = m
        }
    }

    private mutating func finishFlow(_ out: [UInt8]?, _ s: Int, _ e: Int) -> String {
        guard var out else { return text(s, e) }
        out.append(contentsOf: UnsafeBufferPointer(start: p + s, count: e - s))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Tags

    private mutating func makeScalar(_ text: String, style: Scalar.Style, tag: String?) throws -> Value {
        // go-yaml v3 resolves a scalar under the non-specific tag `!` as if it had none.
        guard let tag, tag != "!" else {
            if style == .plain { return .scalar(Scalar(text, tag: YAMLResolver.resolve(text), style: style)) }
            return .scalar(Scalar(text, tag: .string, style: style))
        }
        return .scalar(try retag(Scalar(text, tag: .string, style: style), tag))
    }

    /// Applies an explicit tag to a scalar, checking that the text can be read as that type (as go-yaml does).
    private mutating func retag(_ scalar: Scalar, _ tag: String) throws -> Scalar {
        var s = scalar
        let resolved = YAMLResolver.resolve(s.text)
        func mismatch(_ want: String) -> ResourceError {
            error("cannot decode !!\(YAMLResolver.name(of: resolved)) `\(s.text)` as a \(want)")
        }
        switch tag {
        case "!":
            s.tag = s.style == .plain ? resolved : .string
        case "!!str": s.tag = .string
        case "!!timestamp":
            guard YAMLResolver.timestamp(s.text) != nil else { throw mismatch("!!timestamp") }
            s.tag = .timestamp
        case "!!int":
            guard resolved == .int else { throw mismatch("!!int") }
            s.tag = .int
        case "!!float":
            guard resolved == .int || resolved == .float else { throw mismatch("!!float") }
            s.tag = .float
        case "!!bool":
            guard resolved == .bool else { throw mismatch("!!bool") }
            s.tag = .bool
        case "!!null":
            guard resolved == .null else { throw mismatch("!!null") }
            s.tag = .null
        case "!!merge":
            s.tag = .string
        default:
            s.tag = .other(tag)
        }
        return s
    }
}
