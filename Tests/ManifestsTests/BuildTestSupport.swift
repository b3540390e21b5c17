import Foundation
import Resources
@testable import Manifests

/// Builds kustomizations held in memory, for the engine's unit tests.
enum BuildHarness {
    /// Builds the kustomization in `dir` of an in-memory filesystem made of `files`; returns the YAML stream.
    static func yaml(_ files: [String: String], at dir: String = "/app",
                     restriction: LoadRestriction = .rootOnly) throws -> String {
        let fs = MemoryFileSystem(files)
        let kustomizer = Kustomizer(fileSystem: fs, options: BuildOptions(loadRestriction: restriction,
                                                                          remoteCache: remoteCache))
        return try kustomizer.buildYAML(dir)
    }

    /// A remote-base cache of this test process's own, so unit tests never touch the user's cache.
    static let remoteCache = RemoteCache(directory: FileManager.default.temporaryDirectory
        .appendingPathComponent("kf-test-remote-\(ProcessInfo.processInfo.processIdentifier)").path)

    /// The resources of such a build.
    static func resources(_ files: [String: String], at dir: String = "/app") throws -> [Resource] {
        try Kustomizer(fileSystem: MemoryFileSystem(files), options: BuildOptions(remoteCache: remoteCache)).build(dir)
    }

    /// The error message of a build that must fail.
    static func failure(_ files: [String: String], at dir: String = "/app",
                        restriction: LoadRestriction = .rootOnly) -> String? {
        do {
            _ = try yaml(files, at: dir, restriction: restriction)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A disk folder's files (relative path → text), read into memory under `prefix`.
    static func files(under root: URL, prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return out
        }
        let base = root.standardizedFileURL.path
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count))
            if let data = FileManager.default.contents(atPath: url.path) {
                out[prefix + relative] = String(decoding: data, as: UTF8.self)
            }
        }
        return out
    }
}

/// The shared reference material, when this checkout sits beside it.
enum SharedCorpus {
    static var conformance: URL { TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures") }
    static var kubeflow: URL { TestPaths.shared.appendingPathComponent("benchmarks/kubeflow-manifests") }

    static var fixtureNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: conformance.path).sorted()) ?? []
    }
}
