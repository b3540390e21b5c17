/// What a GTO tag records.
public enum TagAction: String, Sendable, Equatable {
    case deprecate, register, deregister, assign, unassign, create
}

/// A tag name in GTO's grammar: `NAME@vX.Y.Z[!]`, `NAME#STAGE[!]`, `NAME@deprecated`, `NAME@created`,
/// each optionally followed by `#COUNTER`. A name in a folder ("dir/x:name") is written "dir/x=name" in tags.
public struct TagName: Equatable, Sendable {
    /// The artifact's name as users write it (with ":" for the folder separator).
    public let artifact: String
    public let action: TagAction
    public let version: String?
    public let stage: String?
    public let counter: Int?

    /// Parses a tag name; nil when it is not in GTO's grammar.
    public init?(parsing tag: String) {
        guard let split = tag.utf8.firstIndex(where: { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "@") }) else { return nil }
        let artifactPart = tag[..<split]
        guard ArtifactName.isValidInTag(artifactPart) else { return nil }
        artifact = artifactPart.contains("=") ? artifactPart.replacingOccurrences(of: "=", with: ":") : String(artifactPart)
        var rest = tag[split...]
        var counter: Int?
        // A trailing "#digits" is the counter (stages cannot contain "#", versions cannot either).
        func takeCounter() -> Bool {
            guard let hash = rest.utf8.lastIndex(of: UInt8(ascii: "#")), hash != rest.startIndex else { return true }
            let digits = rest[rest.index(after: hash)...]
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(digits) else { return false }
            counter = value
            rest = rest[..<hash]
            return true
        }
        if rest.utf8.first == UInt8(ascii: "#") {
            // NAME#STAGE[!][#N]
            let body = rest.dropFirst()
            if let hash = body.utf8.firstIndex(of: UInt8(ascii: "#")) {
                let digits = body[body.index(after: hash)...]
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(digits) else { return nil }
                counter = value
                rest = rest[..<hash]
            }
            var stagePart = rest.dropFirst()
            var cancelled = false
            if stagePart.utf8.last == UInt8(ascii: "!") { cancelled = true; stagePart = stagePart.dropLast() }
            guard ArtifactName.isValidName(stagePart) else { return nil }
            action = cancelled ? .unassign : .assign
            stage = String(stagePart)
            version = nil
        } else {
            guard takeCounter() else { return nil }
            let body = rest.dropFirst()
            if body == "deprecated" {
                action = .deprecate
                version = nil
            } else if body == "created" {
                action = .create
                version = nil
            } else {
                var versionPart = body
                var cancelled = false
                if versionPart.utf8.last == UInt8(ascii: "!") { cancelled = true; versionPart = versionPart.dropLast() }
                guard SemanticVersion(String(versionPart)) != nil else { return nil }
                action = cancelled ? .deregister : .register
                version = String(versionPart)
            }
            stage = nil
        }
        self.counter = counter
    }

    /// The tag for an action, without a counter (GTO's "simple" form).
    public static func simple(_ action: TagAction, artifact: String, version: String? = nil, stage: String? = nil) -> String {
        let base = artifact.replacingOccurrences(of: ":", with: "=")
        switch action {
        case .deprecate: return base + "@deprecated"
        case .create: return base + "@created"
        case .register: return base + "@" + (version ?? "")
        case .deregister: return base + "@" + (version ?? "") + "!"
        case .assign: return base + "#" + (stage ?? "")
        case .unassign: return base + "#" + (stage ?? "") + "!"
        }
    }
}

/// GTO's rules for artifact and stage names.
public enum ArtifactName {
    /// `[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?`
    public static func isValidName<S: StringProtocol>(_ name: S) -> Bool {
        isValidNameBytes(name.utf8)
    }

    /// `([a-zA-Z0-9-_./]+:)?NAME`: a name, optionally inside a folder of the repository.
    public static func isValid<S: StringProtocol>(_ fullName: S) -> Bool {
        isValid(fullName, separator: ":")
    }

    static func isValidInTag<S: StringProtocol>(_ fullName: S) -> Bool {
        isValid(fullName, separator: "=")
    }

    private static func isValid<S: StringProtocol>(_ fullName: S, separator: Character) -> Bool {
        let bytes = fullName.utf8
        let mark = UInt8(ascii: separator == ":" ? ":" : "=")
        guard let split = bytes.firstIndex(of: mark) else { return isValidNameBytes(bytes[...]) }
        let folder = bytes[..<split]
        let name = bytes[bytes.index(after: split)...]
        guard !folder.isEmpty, !name.contains(mark) else { return false }
        let folderOK = folder.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/") }
        return folderOK && isValidNameBytes(name)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    private static func isValidNameBytes<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, isAlphanumeric(first) else { return false }
        var last = first
        for byte in bytes {
            guard isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_")
            else { return false }
            last = byte
        }
        return isAlphanumeric(last)
    }

    /// GTO's explanation of a valid name, for error messages.
    public static let rule = "only letters, digits, '_', '-' and '/' are allowed, and it must start and end with a "
        + "letter or a digit (GTO's rule; a name inside a folder is written folder/path:name)"
}
