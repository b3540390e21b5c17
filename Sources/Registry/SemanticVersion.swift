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
        let bytes = Array(text.utf8)
        guard bytes.count >= 6, bytes[0] == UInt8(ascii: "v") else { return nil }
        var end = bytes.count
        var build: String?
        if let plus = bytes.firstIndex(of: UInt8(ascii: "+")) {
            guard Self.validIdentifiers(bytes[(plus + 1)...], numeric: false) else { return nil }
            build = String(decoding: bytes[(plus + 1)...], as: UTF8.self)
            end = plus
        }
        var prerelease: String?
        if let dash = bytes[..<end].firstIndex(of: UInt8(ascii: "-")) {
            guard Self.validIdentifiers(bytes[(dash + 1)..<end], numeric: true) else { return nil }
            prerelease = String(decoding: bytes[(dash + 1)..<end], as: UTF8.self)
            end = dash
        }
        var values: [Int] = []
        var start = 1
        for index in 1...end where index == end || bytes[index] == UInt8(ascii: ".") {
            let part = bytes[start..<index]
            guard Self.isNumericIdentifier(part), values.count < 3 else { return nil }
            var value = 0
            for digit in part {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                value = product + Int(digit - 48)
            }
            values.append(value)
            start = index + 1
        }
        guard values.count == 3 else { return nil }
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

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private static func isNumericIdentifier(_ part: ArraySlice<UInt8>) -> Bool {
        guard let first = part.first, part.allSatisfy(isDigit) else { return false }
        return part.count == 1 || first != UInt8(ascii: "0")
    }

    /// Dot-separated, non-empty identifiers of [0-9A-Za-z-]; with `numeric`, all-digit ones without leading zeros.
    private static func validIdentifiers(_ bytes: ArraySlice<UInt8>, numeric: Bool) -> Bool {
        var start = bytes.startIndex
        for index in bytes.startIndex...bytes.endIndex where index == bytes.endIndex || bytes[index] == UInt8(ascii: ".") {
            let part = bytes[start..<index]
            guard !part.isEmpty, part.allSatisfy({ isDigit($0) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == UInt8(ascii: "-") })
            else { return false }
            if numeric && part.allSatisfy(isDigit) && !isNumericIdentifier(part) { return false }
            start = index + 1
        }
        return true
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
    /// [0-9a-zA-Z-]
    var isIdentifierCharacter: Bool { isASCIILetterOrDigit || self == "-" }
}
