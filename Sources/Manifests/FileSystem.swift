import Foundation

/// What the build reads: files and directories by absolute, clean path. The engine never touches the disk except
/// through this, so unit tests run on `MemoryFileSystem`.
public protocol FileSystem: Sendable {
    /// The bytes of a file.
    func read(_ path: String) throws -> [UInt8]
    /// Whether `path` is an existing directory.
    func isDirectory(_ path: String) -> Bool
    /// Whether `path` is an existing file.
    func isFile(_ path: String) -> Bool
    /// The names (not paths) of a directory's entries, sorted.
    func list(_ directory: String) throws -> [String]
    /// The path with every symbolic link resolved (the path itself when there are none).
    func resolvingLinks(_ path: String) -> String
}

/// Path arithmetic on clean, slash-separated paths.
public enum Paths {
    /// `base` joined with `path` (kept as is when absolute), cleaned of `.`, `..` and repeated slashes.
    public static func join(_ base: String, _ path: String) -> String {
        if path.hasPrefix("/") { return clean(path) }
        return clean(base + "/" + path)
    }

    /// The path without `.`, `..` and empty components; `/` for the root.
    public static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
                continue
            }
            parts.append(part)
        }
        let body = parts.joined(separator: "/")
        if absolute { return "/" + body }
        return body.isEmpty ? "." : body
    }

    /// The directory part of a path.
    public static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    public static func base(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Whether `path` is `root` or lies below it.
    public static func isWithin(_ path: String, root: String) -> Bool {
        if root == "/" { return path.hasPrefix("/") }
        return path == root || path.hasPrefix(root + "/")
    }
}

/// The machine's filesystem.
public struct DiskFileSystem: FileSystem {
    public init() {}

    public func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if isDirectory(path) { throw ManifestsError.message("'\(path)' is a directory; expected a file") }
            throw ManifestsError.notFound(path: path)
        }
        return [UInt8](data)
    }

    public func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    public func isFile(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }

    public func list(_ directory: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw ManifestsError.notFound(path: directory)
        }
    }

    public func resolvingLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A filesystem held in memory, for tests: files by absolute path; directories are implied by the files in them
/// and may also be added empty.
public struct MemoryFileSystem: FileSystem {
    private var files: [String: [UInt8]] = [:]
    private var directories: Set<String> = ["/"]

    public init(_ files: [String: String] = [:]) {
        for (path, text) in files { write(path, text) }
    }

    /// Adds or replaces a file, creating its directories.
    public mutating func write(_ path: String, _ text: String) {
        let clean = Paths.clean(path)
        files[clean] = Array(text.utf8)
        var dir = Paths.directory(clean)
        while dir != "/" && !directories.contains(dir) {
            directories.insert(dir)
            dir = Paths.directory(dir)
        }
    }

    /// Adds an empty directory.
    public mutating func makeDirectory(_ path: String) {
        var dir = Paths.clean(path)
        while dir != "/" {
            directories.insert(dir)
            dir = Paths.directory(dir)
        }
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let bytes = files[Paths.clean(path)] else { throw ManifestsError.notFound(path: path) }
        return bytes
    }

    public func isDirectory(_ path: String) -> Bool { directories.contains(Paths.clean(path)) }

    public func isFile(_ path: String) -> Bool { files[Paths.clean(path)] != nil }

    public func list(_ directory: String) throws -> [String] {
        let dir = Paths.clean(directory)
        guard directories.contains(dir) else { throw ManifestsError.notFound(path: directory) }
        let prefix = dir == "/" ? "/" : dir + "/"
        var names = Set<String>()
        for path in files.keys where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if !rest.contains("/") { names.insert(String(rest)) }
        }
        for path in directories where path.hasPrefix(prefix) && path != dir {
            let rest = path.dropFirst(prefix.count)
            if !rest.contains("/") { names.insert(String(rest)) }
        }
        return names.sorted()
    }

    public func resolvingLinks(_ path: String) -> String { Paths.clean(path) }
}
