/// A GTO version: "v" followed by a SemVer 2.0 version, ordered as python-semver orders them (build ignored).
public struct SemanticVersion: Equatable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int
    public let prerelease: String?
    public let build: String?
    /// The text as written, with its "v".
    public let text: String

    /// Parses "vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]"; nil when `text` is not such a version.
    public init?(_ text: String) {
        guard text.first == "v" else { return nil }
        var rest = Substring(text.dropFirst())
        var build: String?
        if let plus = rest.firstIndex(of: "+") {
            let part = rest[rest.index(after: plus)...]
            guard Self.validBuild(part) else { return nil }
            build = String(part)
            rest = rest[..<plus]
        }
        var prerelease: String?
        if let dash = rest.firstIndex(of: "-") {
            let part = rest[rest.index(after: dash)...]
            guard Self.validPrerelease(part) else { return nil }
            prerelease = String(part)
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else { return nil }
        var values: [Int] = []
        for number in numbers {
            guard Self.isNumericIdentifier(number), let value = Int(number) else { return nil }
            values.append(value)
        }
        major = values[0]
        minor = values[1]
        patch = values[2]
        self.prerelease = prerelease
        self.build = build
        self.text = text
    }

    private init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
        prerelease = nil
        build = nil
        text = "v\(major).\(minor).\(patch)"
    }

    public var description: String { text }

    /// GTO's first version.
    public static let minimal = SemanticVersion(major: 0, minor: 0, patch: 1)

    public enum Part: String, CaseIterable, Sendable { case major, minor, patch }

    /// The next version, dropping pre-release and build as python-semver does.
    public func bumped(_ part: Part) -> SemanticVersion {
        switch part {
        case .major: return SemanticVersion(major: major + 1, minor: 0, patch: 0)
        case .minor: return SemanticVersion(major: major, minor: minor + 1, patch: 0)
        case .patch: return SemanticVersion(major: major, minor: minor, patch: patch + 1)
        }
    }

    /// -1, 0 or 1, as python-semver's compare.
    public func compare(_ other: SemanticVersion) -> Int {
        for (a, b) in [(major, other.major), (minor, other.minor), (patch, other.patch)] where a != b {
            return a < b ? -1 : 1
        }
        let order = Self.comparePrerelease(prerelease ?? "", other.prerelease ?? "")
        if order == 0 { return 0 }
        if prerelease == nil { return 1 }
        if other.prerelease == nil { return -1 }
        return order
    }

    private static func comparePrerelease(_ a: String, _ b: String) -> Int {
        let left = a.split(separator: ".", omittingEmptySubsequences: false)
        let right = b.split(separator: ".", omittingEmptySubsequences: false)
        for (x, y) in zip(left, right) {
            let xNumber = x.allSatisfy(\.isASCIIDigit) && !x.isEmpty ? Int(x) : nil
            let yNumber = y.allSatisfy(\.isASCIIDigit) && !y.isEmpty ? Int(y) : nil
            switch (xNumber, yNumber) {
            case let (p?, q?) where p != q: return p < q ? -1 : 1
            case (.some, nil): return -1
            case (nil, .some): return 1
            case (nil, nil) where x != y:
                return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1
            default: continue
            }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    private static func isNumericIdentifier<S: StringProtocol>(_ part: S) -> Bool {
        guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit) else { return false }
        return part == "0" || part.first != "0"
    }

    private static func validPrerelease(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.allSatisfy(\.isIdentifierCharacter) else { return false }
            return part.allSatisfy(\.isASCIIDigit) ? isNumericIdentifier(part) : true
        }
    }

    private static func validBuild(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isIdentifierCharacter) }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
    /// [0-9a-zA-Z-]
    var isIdentifierCharacter: Bool { isASCIILetterOrDigit || self == "-" }
}
