import Foundation

/// Where a template's text came from.
public enum TemplateOrigin: Equatable, Sendable {
    /// Built into the kf binary from the repository's templates/ folder.
    case embedded
    /// The project's own templates/ folder, overriding the embedded file of the same path.
    case project(path: String)
}

/// One template file.
public struct Template: Equatable, Sendable {
    /// The path relative to templates/, e.g. "init/manifests/base/kustomization.yaml".
    public let path: String
    public let text: String
    public let origin: TemplateOrigin
}

/// Failures of the Templates module.
public enum TemplateError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(path):
            return "no template \(path): it is neither built into kf nor in the project's templates/ folder"
        case let .unreadable(path, reason):
            return "cannot read template override \(path): \(reason)"
        }
    }
}

/// The templates kf renders from: the embedded set, each overridable by a file of the same path in a project's
/// templates/ folder.
public struct TemplateStore: Sendable {
    /// The project's templates/ folder, when there is a project.
    public let overrideRoot: String?

    public init(projectRoot: String?) {
        overrideRoot = projectRoot.map { URL(fileURLWithPath: $0).appending(path: "templates").path }
    }

    /// The paths of every embedded template, sorted.
    public static var embeddedPaths: [String] { Embedded.templates.keys.sorted() }

    public func template(_ path: String) throws -> Template {
        if let overrideRoot {
            let candidate = URL(fileURLWithPath: overrideRoot).appending(path: path).path
            if FileManager.default.fileExists(atPath: candidate) {
                do {
                    let text = try String(contentsOfFile: candidate, encoding: .utf8)
                    return Template(path: path, text: text, origin: .project(path: candidate))
                } catch {
                    throw TemplateError.unreadable(path: candidate, reason: (error as NSError).localizedDescription)
                }
            }
        }
        guard let text = Embedded.templates[path] else { throw TemplateError.notFound(path: path) }
        return Template(path: path, text: text, origin: .embedded)
    }

    /// Every template under `folder` (embedded ones and project overrides of them), sorted by path.
    public func templates(under folder: String) throws -> [Template] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var paths = Set(Embedded.templates.keys.filter { $0.hasPrefix(prefix) })
        if let overrideRoot {
            let base = URL(fileURLWithPath: overrideRoot).appending(path: folder)
            if let walker = FileManager.default.enumerator(atPath: base.path) {
                for case let relative as String in walker {
                    var isDirectory: ObjCBool = false
                    let full = base.appending(path: relative).path
                    if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                        paths.insert(prefix + relative)
                    }
                }
            }
        }
        return try paths.sorted().map { try template($0) }
    }
}

/// Build facts embedded by the EmbedResources plugin.
public enum BuildInfo {
    public static var gitCommit: String { Embedded.gitCommit }
    public static var gitTreeState: String { Embedded.gitTreeState }
    /// The date of the commit the binary was built from (UTC), so a build is reproducible.
    public static var buildDate: String { Embedded.buildDate }
    /// The Swift compiler that built the binary.
    public static var swiftVersion: String { Embedded.swiftVersion }
}
