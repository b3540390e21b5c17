import Foundation
import Resources

/// Resource files parsed before the build walks them: the kustomization tree is read first (kustomization files
/// only), then every resource file it lists is parsed concurrently. The build takes each parsed file once; a file
/// that failed to read or parse is not cached, so the build reads it again and reports the error where it occurs.
final class ParseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var parsed: [String: [Value]] = [:]

    /// The documents of a file parsed ahead, removed from the cache.
    func take(_ path: String) -> [Value]? {
        lock.lock()
        defer { lock.unlock() }
        return parsed.removeValue(forKey: path)
    }

    /// Finds the resource files of the kustomization at `loader` and below, and parses them on all cores.
    func prefetch(from loader: Loader) {
        var files: [String] = []
        var seenFiles = Set<String>()
        var visited = Set<String>()
        func walk(_ dir: String) {
            guard visited.insert(dir).inserted, visited.count < 10_000 else { return }
            var text: String?
            for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
                let path = Paths.join(dir, name)
                if loader.fs.isFile(path), let bytes = try? loader.fs.read(path) {
                    text = String(decoding: bytes, as: UTF8.self)
                    break
                }
            }
            guard let text, let doc = try? YAML.document(text, file: dir, lastKeyWins: true) else { return }
            var entries: [String] = []
            for key in ["resources", "bases", "components"] {
                for item in doc[key]?.sequence ?? [] {
                    if let entry = item.string { entries.append(entry) }
                }
            }
            for entry in entries {
                let full = Paths.join(dir, entry)
                if !loader.fs.isFile(full) && Loader.isRemote(entry) { continue }
                if loader.fs.isDirectory(full) {
                    walk(loader.fs.resolvingLinks(full))
                } else if loader.fs.isFile(full), seenFiles.insert(full).inserted {
                    files.append(full)
                }
            }
        }
        walk(loader.root)
        if files.count < 2 { return }
        let fs = loader.fs
        let results = Parallel.map(files) { path -> [Value]? in
            guard let bytes = try? fs.read(path) else { return nil }
            return try? YAMLParser().parse(bytes, file: path)
        }
        lock.lock()
        for (path, documents) in zip(files, results) {
            if let documents { parsed[path] = documents }
        }
        lock.unlock()
    }
}
