import Foundation

/// A remote base: a git repository, a ref in it and the path of a kustomization inside, read from an entry of
/// `resources:` or `components:` with the grammar kustomize v5.8.1 accepts:
///
///     https://github.com/ORG/REPO//path?ref=v1        github.com/ORG/REPO/path?ref=main
///     git@github.com:ORG/REPO.git//path               ssh://git@host:7999/ORG/REPO.git//path
///     git::https://host/ORG/REPO                       https://dev.azure.com/ORG/PROJECT/_git/REPO/path
///     file:///srv/repos/REPO.git//path?ref=<commit>
///
/// The query takes `ref` (or `version`; `ref` wins), `timeout` (seconds, or a duration such as `1m30s`) and
/// `submodules` (a boolean); a query that does not parse leaves all three at their defaults, as kustomize does.
/// The repository ends at `_git/NAME`, else at `//`, else after `.git`, else after two path segments (all of them
/// for `file://`).
public struct RemoteSpec: Equatable, Sendable {
    /// The entry as written.
    public let raw: String
    /// Scheme, user and host, normalised: `https://github.com/`, `git@github.com:`, `ssh://git@host:7999/`,
    /// `file://`.
    public let host: String
    /// The repository below the host: `ORG/REPO`, `ORG/REPO.git`, `ORG/PROJECT/_git/REPO`, an absolute path for
    /// `file://`.
    public let repoPath: String
    /// The kustomization's directory inside the repository ("" for its root), as written (no leading slash).
    public let rootPath: String
    /// The branch, tag or commit; "" for the remote's default branch.
    public let ref: String
    /// Whether submodules would be cloned (kustomize's default: yes).
    public let submodules: Bool
    /// How long one fetch may take, in seconds (kustomize's default: 27).
    public let timeout: Double
    /// Whether the entry started with go-getter's `git::`, which kustomize strips with a warning.
    public let forcedGitProtocol: Bool

    public static let defaultTimeout: Double = 27

    /// What `git clone` is given: host and repository path.
    public var cloneURL: String { host + repoPath }

    /// Whether the ref names one commit by its full id (then a cached copy never goes stale).
    public var refIsCommit: Bool {
        ref.utf8.count == 40 && ref.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The entry parsed; throws `RemoteSpecError` when it is not a git URL (then it is a local path).
    public init(_ text: String) throws {
        if text.hasPrefix("/") { throw RemoteSpecError(url: text, reason: "uri looks like abs path") }
        raw = text
        let questionMark = text.firstIndex(of: "?")
        let beforeQuery = questionMark.map { String(text[..<$0]) } ?? text
        let query = questionMark.map { String(text[text.index(after: $0)...]) } ?? ""
        (ref, timeout, submodules) = Self.parseQuery(query)
        let (forced, host, rest) = try Self.splitHost(beforeQuery, raw: text)
        forcedGitProtocol = forced
        self.host = host
        (repoPath, rootPath) = try Self.splitPath(rest, allSegments: host == "file://", raw: text)
    }

    /// Whether `entry` is a remote base rather than a local path.
    public static func isRemote(_ entry: String) -> Bool {
        (try? RemoteSpec(entry)) != nil
    }

    /// The origin path kustomize records for resources of this base: the directory inside the repository, or the
    /// name of kustomize's placeholder clone directory when the base is the repository's root.
    var originPath: String {
        let cleaned = Paths.clean("notCloned/" + rootPath)
        if cleaned == "notCloned" { return "notCloned" }
        return String(cleaned.dropFirst("notCloned/".count))
    }

    // MARK: The query

    static func parseQuery(_ query: String) -> (ref: String, timeout: Double, submodules: Bool) {
        let defaults = ("", defaultTimeout, true)
        guard let values = formValues(query) else { return defaults }
        var ref = values["version"]?.first ?? ""
        if let value = values["ref"]?.first, !value.isEmpty { ref = value }
        var timeout = defaultTimeout
        if let value = values["timeout"]?.first, !value.isEmpty {
            if let seconds = goInteger(value), seconds > 0 {
                timeout = Double(seconds)
            } else if let duration = goDuration(value), duration > 0 {
                timeout = duration
            }
        }
        var submodules = true
        if let value = values["submodules"]?.first, let flag = goBool(value) { submodules = flag }
        return (ref, timeout, submodules)
    }

    /// The values of an `a=b&c=d` query, decoded like a form; nil when any part is malformed (a `;`, a bad `%`).
    static func formValues(_ query: String) -> [String: [String]]? {
        var values: [String: [String]] = [:]
        var failed = false
        for part in query.split(separator: "&", omittingEmptySubsequences: false) {
            if part.contains(";") { failed = true; continue }
            if part.isEmpty { continue }
            let equals = part.firstIndex(of: "=")
            let rawKey = equals.map { part[..<$0] } ?? part
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? ""
            guard let key = formDecode(rawKey), let value = formDecode(rawValue) else { failed = true; continue }
            if key.isEmpty { continue }
            values[key, default: []].append(value)
        }
        return failed ? nil : values
    }

    /// `+` as a space and `%XX` escapes decoded; nil for a malformed escape.
    static func formDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard input.count >= 2, let high = hexValue(input[input.startIndex]),
                      let low = hexValue(input[input.startIndex + 1]) else { return nil }
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// A decimal integer with an optional sign, as Go's strconv.Atoi reads it.
    static func goInteger(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// A duration such as `90s`, `1m30s`, `1.5h` or `250ms`, in seconds, as Go's time.ParseDuration reads it.
    static func goDuration(_ text: String) -> Double? {
        var rest = Substring(text)
        var sign = 1.0
        if rest.first == "+" || rest.first == "-" {
            if rest.first == "-" { sign = -1 }
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        if rest.isEmpty { return nil }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3),
                                         ("s", 1), ("m", 60), ("h", 3600)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { ($0 >= "0" && $0 <= "9") || $0 == "." }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1,
                  let value = Double(number.hasPrefix(".") ? "0" + number : String(number)) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !(($0 >= "0" && $0 <= "9") || $0 == ".") }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        return sign * total
    }

    /// A boolean as Go's strconv.ParseBool reads it.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    // MARK: Scheme, user and host

    private static let schemes = ["ssh://", "https://", "http://", "file://"]

    /// Splits off `git::`, the scheme, a user name and the host; returns the normalised host and the rest.
    static func splitHost(_ text: String, raw: String) throws -> (forced: Bool, host: String, rest: String) {
        var rest = Substring(text)
        var forced = false
        if rest.lowercased().hasPrefix("git::") {
            forced = true
            rest = rest.dropFirst(5)
        }
        var scheme = ""
        for candidate in schemes where rest.lowercased().hasPrefix(candidate) {
            scheme = candidate
            rest = rest.dropFirst(candidate.count)
            break
        }
        var user = ""
        if let at = userNameLength(rest) {
            user = String(rest.prefix(at + 1))
            rest = rest.dropFirst(at + 1)
        }
        let lower = rest.lowercased()
        let github = lower.hasPrefix("github.com/") || lower.hasPrefix("github.com:")
        let scpStyle = scheme.isEmpty && (!user.isEmpty || github)
        if scheme.isEmpty && !scpStyle { throw RemoteSpecError(url: raw, reason: "failed to parse scheme") }
        if scheme == "file://" { return (forced, scheme, user + rest) }
        var host = String(rest)
        var path = ""
        var separator = rest.firstIndex(of: "/")
        if scpStyle, let colon = rest.firstIndex(of: ":"), colon > rest.startIndex,
           separator == nil || colon < separator! {
            separator = colon
        }
        if let separator {
            host = String(rest[...separator])
            path = String(rest[rest.index(after: separator)...])
        }
        if github {
            if scheme.hasPrefix("ssh://") || !user.isEmpty {
                scheme = ""
                host = "github.com:"
            } else {
                scheme = "https://"
                user = ""
                host = "github.com/"
            }
        }
        if host.isEmpty { throw RemoteSpecError(url: raw, reason: "failed to parse host segment") }
        return (forced, scheme + user + host, path)
    }

    /// The length of a leading `name@` user (a letter, then letters, digits and dashes), without the `@`.
    private static func userNameLength(_ text: Substring) -> Int? {
        var count = 0
        for character in text.unicodeScalars {
            if character == "@" { return count > 0 ? count : nil }
            let isLetter = (character >= "a" && character <= "z") || (character >= "A" && character <= "Z")
            let isDigit = character >= "0" && character <= "9"
            if count == 0 ? !isLetter : !(isLetter || isDigit || character == "-") { return nil }
            count += 1
        }
        return nil
    }

    // MARK: Repository and kustomization path

    /// Splits the path after the host into the repository and the kustomization directory inside it.
    static func splitPath(_ text: String, allSegments: Bool, raw: String) throws -> (repo: String, root: String) {
        var repo = ""
        var root = ""
        var found = true
        if let marker = text.range(of: "_git/") {
            let after = text[marker.upperBound...]
            let segments = after.split(separator: "/", omittingEmptySubsequences: false)
            repo = String(text[..<marker.upperBound]) + (segments.first.map(String.init) ?? "")
            root = segments.dropFirst().joined(separator: "/")
        } else if let doubleSlash = text.range(of: "//") {
            repo = String(text[..<doubleSlash.lowerBound])
            root = String(text[doubleSlash.upperBound...])
        } else if let suffix = text.range(of: ".git") {
            repo = String(text[..<suffix.upperBound])
            root = String(text[suffix.upperBound...])
        } else if allSegments {
            repo = text
        } else {
            let segments = text.split(separator: "/", omittingEmptySubsequences: false)
            if segments.count >= 2 {
                repo = segments.prefix(2).joined(separator: "/")
                root = segments.dropFirst(2).joined(separator: "/")
            } else {
                found = false
            }
        }
        if !found || repo.isEmpty { throw RemoteSpecError(url: raw, reason: "failed to parse repo path segment") }
        let trimmed = root.hasPrefix("/") ? String(root.dropFirst()) : root
        let cleaned = Paths.clean(trimmed)
        if cleaned == ".." || cleaned.hasPrefix("../") {
            throw RemoteSpecError(url: raw, reason: "url path exits repo: \(text)")
        }
        return (repo, trimmed)
    }
}

/// Why an entry is not a remote base (kustomize's wording); the loader then treats it as a local path.
public struct RemoteSpecError: Error, Equatable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "\(reason): \(url)" }
}
