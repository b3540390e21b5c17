import Foundation

/// Failures of the build engine. Each message says what failed and where; `wrapped` adds the stage or file in which
/// an inner failure happened, the way kustomize prefixes its errors ("accumulating resources: ...").
public indirect enum ManifestsError: Error, CustomStringConvertible, Equatable {
    /// A stage, file or resource in which `inner` happened.
    case wrapped(context: String, inner: ManifestsError)
    /// A directory that has no kustomization file.
    case missingKustomization(directory: String)
    /// A directory with more than one kustomization file.
    case multipleKustomizations(directory: String)
    /// A file or directory that does not exist.
    case notFound(path: String)
    /// A file the load restrictor keeps out of the build.
    case outsideRoot(file: String, root: String)
    /// Text that is not valid YAML.
    case invalidYAML(file: String, line: Int, problem: String)
    /// A kustomization field that kustomize does not know.
    case unknownField(file: String, field: String)
    /// A field whose value has the wrong shape or content.
    case invalidField(file: String, field: String, expected: String)
    /// A resource document that is not a Kubernetes object.
    case invalidResource(file: String, problem: String)
    /// Two resources with the same id.
    case duplicateId(id: String)
    /// A kustomization that includes itself, directly or through others.
    case cycle(path: String)
    /// A remote base that could not be fetched or used: the entry as written and what went wrong.
    case remoteBase(url: String, problem: String)
    /// A feature kf does not run (helm, exec or container functions, plugins).
    case unsupported(feature: String, hint: String)
    /// An output file (`kf build --output-path`) that cannot be written.
    case cannotWrite(path: String, reason: String)
    /// Any other failure, already phrased as a whole message.
    case message(String)

    /// The message on one line (line breaks inside quoted YAML or nested errors become spaces), so a failed build
    /// prints exactly one line after `error:`.
    public var description: String {
        let text = multiLineDescription
        guard text.contains("\n") else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    private var multiLineDescription: String {
        switch self {
        case let .wrapped(context, inner):
            return "\(context): \(inner.description)"
        case let .missingKustomization(directory):
            return "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '\(directory)'"
        case let .multipleKustomizations(directory):
            return "Found multiple kustomization files under: \(directory)"
        case let .notFound(path):
            return "'\(path)' doesn't exist"
        case let .outsideRoot(file, root):
            return "security; file '\(file)' is not in or below '\(root)'"
        case let .invalidYAML(file, line, problem):
            return "MalformedYAMLError: \(problem) in File: \(file) (line \(line))"
        case let .unknownField(file, field):
            return "invalid Kustomization: json: unknown field \"\(field)\" (in \(file); remove it or check its spelling)"
        case let .invalidField(file, field, expected):
            return "\(file): field '\(field)': expected \(expected)"
        case let .invalidResource(file, problem):
            return "\(file): \(problem)"
        case let .duplicateId(id):
            return "may not add resource with an already registered id: \(id)"
        case let .cycle(path):
            return "cycle detected: '\(path)' includes itself"
        case let .remoteBase(url, problem):
            return "remote base '\(url)': \(problem)"
        case let .unsupported(feature, hint):
            return "\(feature) is not supported by kf build: \(hint)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason); check --output-path (an existing folder gets one file per resource)"
        case let .message(text):
            return text
        }
    }

    /// This error inside `context`.
    public func within(_ context: String) -> ManifestsError {
        .wrapped(context: context, inner: self)
    }
}

/// Runs `body`, wrapping any engine error with `context`; other errors become messages.
@inline(__always)
func stage<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ManifestsError {
        throw error.within(context())
    } catch {
        throw ManifestsError.message("\(error)").within(context())
    }
}
