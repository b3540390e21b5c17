import Foundation
import Resources
import Yams

/// What kf records about a version beyond GTO's tag: stored as a JSON note on the tag object under refs/notes/kf.
public struct VersionMetadata: Equatable, Sendable {
    public static let notesRef = "refs/notes/kf"

    public var uri: String?
    /// "sha256:<hex>" of the artifact's bytes.
    public var digest: String?
    public var type: String?
    public var metrics: [(String, String)]
    public var params: [(String, String)]
    /// Where the version came from (the job, run, dataset...).
    public var lineage: [(String, String)]

    public init(uri: String? = nil, digest: String? = nil, type: String? = nil, metrics: [(String, String)] = [],
                params: [(String, String)] = [], lineage: [(String, String)] = []) {
        self.uri = uri
        self.digest = digest
        self.type = type
        self.metrics = metrics
        self.params = params
        self.lineage = lineage
    }

    public static func == (lhs: VersionMetadata, rhs: VersionMetadata) -> Bool {
        lhs.uri == rhs.uri && lhs.digest == rhs.digest && lhs.type == rhs.type
            && lhs.metrics.elementsEqual(rhs.metrics, by: ==) && lhs.params.elementsEqual(rhs.params, by: ==)
            && lhs.lineage.elementsEqual(rhs.lineage, by: ==)
    }

    /// The note's JSON; metric and parameter values that are JSON numbers stay numbers.
    public var json: JSONValue {
        func values(_ pairs: [(String, String)]) -> JSONValue {
            .object(pairs.map { ($0.0, .string($0.1)) })
        }
        var pairs: [(String, JSONValue)] = [("kf", .string("version-metadata/v1"))]
        if let uri { pairs.append(("uri", .string(uri))) }
        if let digest { pairs.append(("digest", .string(digest))) }
        if let type { pairs.append(("type", .string(type))) }
        pairs.append(("metrics", values(metrics)))
        pairs.append(("params", values(params)))
        pairs.append(("lineage", values(lineage)))
        return .object(pairs)
    }

    public var noteText: String { json.rendered() + "\n" }

    /// Reads a note written by `noteText`; `tag` names it in errors.
    public static func parse(note: String, tag: String) throws -> VersionMetadata {
        let node: Node?
        do { node = try Yams.compose(yaml: note) } catch {
            throw RegistryError.invalidNote(tag: tag, reason: "not JSON: \(error)")
        }
        guard let mapping = node?.mapping else { throw RegistryError.invalidNote(tag: tag, reason: "not a JSON object") }
        func pairs(_ key: String) throws -> [(String, String)] {
            guard let value = mapping[Node(key)] else { return [] }
            guard let map = value.mapping else { throw RegistryError.invalidNote(tag: tag, reason: "`\(key)` is not an object") }
            return map.map { ($0.key.scalar?.string ?? "", $0.value.scalar?.string ?? "") }
        }
        return VersionMetadata(uri: mapping[Node("uri")]?.scalar?.string, digest: mapping[Node("digest")]?.scalar?.string,
                               type: mapping[Node("type")]?.scalar?.string, metrics: try pairs("metrics"),
                               params: try pairs("params"), lineage: try pairs("lineage"))
    }

    /// "sha256:<hex>" of a file, or of a folder (every file's path and digest, sorted, hashed again).
    public static func digest(ofPath path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RegistryError.unreadableArtifact(path: path, reason: "no such file or folder")
        }
        if !isDirectory.boolValue {
            return "sha256:" + (try SHA256.hex(ofFile: path))
        }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw RegistryError.unreadableArtifact(path: path, reason: "cannot list the folder")
        }
        var lines: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let full = path + "/" + relative
            var childIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &childIsDirectory),
                  !childIsDirectory.boolValue else { continue }
            lines.append(relative + "\u{0}" + (try SHA256.hex(ofFile: full)))
        }
        lines.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var hasher = SHA256()
        hasher.update(Array(lines.joined(separator: "\n").utf8))
        return "sha256:" + hasher.finalizeHex()
    }
}
