import Foundation
import Yams
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How kf-local runs containers of an image on this machine (kf.yaml `local.images`): images are never pulled, so
/// a Pod runs only when its image matches one of these entries, the first that matches winning.
public struct ImageMapping: Equatable, Sendable {
    /// A glob over the image reference as the Pod spells it (`python:*`, `*/busybox:*`, `busybox`): `*` matches
    /// any run of characters (`/` included), `?` one character, `[...]` a class.
    public var match: String
    /// A virtual environment (relative to the project root, or absolute) whose `bin/` goes first on PATH.
    public var venv: String?
    /// The working directory when the container sets none (relative to the project root; default: the root).
    public var workingDir: String?
    /// The image's ENTRYPOINT, used when the container sets no `command`.
    public var entrypoint: [String]?
    /// The image's CMD, used when the container sets neither `command` nor `args`.
    public var cmd: [String]?

    public init(match: String, venv: String? = nil, workingDir: String? = nil, entrypoint: [String]? = nil,
                cmd: [String]? = nil) {
        self.match = match
        self.venv = venv
        self.workingDir = workingDir
        self.entrypoint = entrypoint
        self.cmd = cmd
    }

    /// Whether `image` matches this entry's glob. A pattern with no tag or digest part also matches the image
    /// with any tag (`busybox` matches `busybox:1.36`), as a registry name does.
    /// Docker Hub's long spellings (`docker.io/library/python:3`) also match the short pattern (`python`).
    public func matches(_ image: String) -> Bool {
        for candidate in Self.spellings(of: image) {
            if Self.glob(match, candidate) { return true }
            if !match.contains(":") && !match.contains("@"), Self.glob(match, Self.repository(of: candidate)) { return true }
        }
        return false
    }

    static func spellings(of image: String) -> [String] {
        var result = [image]
        for prefix in ["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"]
        where image.hasPrefix(prefix) {
            result.append(String(image.dropFirst(prefix.count)))
        }
        return result
    }

    /// The image reference without its tag or digest (`docker.io/library/python:3.12` -> `docker.io/library/python`).
    public static func repository(of image: String) -> String {
        var name = image
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }

    /// The first mapping for `image`, or nil when it is not mapped.
    public static func lookup(_ image: String, in mappings: [ImageMapping]) -> ImageMapping? {
        mappings.first { $0.matches(image) }
    }
}

extension ImageMapping {
    /// Parses a YAML list of image mappings (the `local/images.yaml` template) checked against the schema of
    /// kf.yaml's `local.images`; `file` names it in errors.
    public static func parseList(_ text: String, file: String) throws -> [ImageMapping] {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { return [] }
            node = composed
        } catch {
            throw ProjectError.invalid(file: file, diagnostics: [
                ProjectDiagnostic(file: file, line: 1, column: 1, field: "", message: "invalid YAML: \(error)"),
            ])
        }
        let validator = Validator(file: file)
        validator.check(node, as: .list(of: .mapping(ProjectSchema.imageFields)), path: [])
        guard validator.diagnostics.isEmpty else { throw ProjectError.invalid(file: file, diagnostics: validator.diagnostics) }
        return (node.sequence ?? []).compactMap { ImageMapping(node: $0) }
    }

    init?(node entry: Node) {
        guard let match = entry["match"]?.scalar?.string else { return nil }
        func strings(_ key: String) -> [String]? { entry[key]?.sequence?.compactMap { $0.scalar?.string } }
        self.init(match: match, venv: entry["venv"]?.scalar?.string, workingDir: entry["workingDir"]?.scalar?.string,
                  entrypoint: strings("entrypoint"), cmd: strings("cmd"))
    }
}
