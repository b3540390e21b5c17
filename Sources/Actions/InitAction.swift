import Foundation
import Git
import Project
import Resources
import Templates

/// `kf init`: creates a kf project, or completes one, never overwriting what the user changed.
public struct InitAction {
    /// What happened to one file or folder.
    public enum Outcome: String, Sendable {
        /// kf wrote it.
        case created
        /// It was there already with the content kf would write.
        case kept
        /// It was there with other content (the user's); left as is.
        case skipped
        /// It was there and kf added the lines it needs.
        case updated
    }

    public struct Entry: Equatable, Sendable {
        public let path: String
        public let outcome: Outcome
        public let note: String?
        /// Where the file's template came from, for files rendered from one.
        public var origin: TemplateOrigin? = nil
    }

    public struct Result: Sendable {
        public let root: String
        public let project: ProjectFile
        public let entries: [Entry]
        /// Flags that disagree with an existing kf.yaml, which wins.
        public let warnings: [String]
        /// With `--example`: the commands to run next (create the venv, commit, run the pipeline).
        public var nextSteps: [String] = []
    }

    public var directory: String
    public var name: String?
    public var namespace: String?
    public var context: String?
    public var registryRemote: String?
    /// `--example NAME`: adds the example project under templates/examples/NAME/ (its src/, pipeline.yaml,
    /// requirements.txt, README.md) and its image mappings to kf.yaml.
    public var example: String?

    public init(directory: String, name: String? = nil, namespace: String? = nil, context: String? = nil,
                registryRemote: String? = nil, example: String? = nil) {
        self.directory = directory
        self.name = name
        self.namespace = namespace
        self.context = context
        self.registryRemote = registryRemote
        self.example = example
    }

    /// The examples built into kf (folders under templates/examples/), sorted.
    public static var examples: [String] {
        Set(TemplateStore.embeddedPaths.compactMap { path -> String? in
            let parts = path.split(separator: "/")
            return parts.count > 2 && parts[0] == "examples" ? String(parts[1]) : nil
        }).sorted()
    }

    /// The commands a new example project runs next.
    static func nextSteps(example: String, directory: String, root: String) -> [String] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let folder = root == cwd ? nil : (directory.contains(" ") ? "'\(directory)'" : directory)
        return (folder.map { ["cd \($0)"] } ?? []) + [
            "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt",
            "git add -A && git commit -m \"\(example) example\"",
            "kf pipeline run pipeline.yaml --watch --follow",
        ]
    }

    public func run() throws -> Result {
        if let example, !Self.examples.contains(example) {
            throw ActionError.unknownExample(name: example, known: Self.examples)
        }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ActionError.notADirectory(path: root)
        }
        let projectPath = URL(fileURLWithPath: root).appending(path: ProjectFile.fileName).path
        var warnings: [String] = []
        let project: ProjectFile
        let existing = FileManager.default.fileExists(atPath: projectPath)
        if existing {
            project = try ProjectFile.load(path: projectPath)
            for (flag, wanted, actual) in [("--name", name, project.name), ("--namespace", namespace, project.namespace),
                                           ("--context", context, project.context),
                                           ("--registry-remote", registryRemote, project.registryRemote)] {
                if let wanted, wanted != actual {
                    warnings.append("\(flag) \(wanted) differs from \(actual ?? "nothing") in \(projectPath), which is kept; edit kf.yaml to change it")
                }
            }
        } else {
            let projectName = try name ?? Self.derivedName(from: root)
            try Self.validate(name: projectName, flag: name == nil ? "the folder name" : "--name")
            if let namespace { try Self.validate(name: namespace, flag: "--namespace") }
            var created = ProjectFile(name: projectName, namespace: namespace, context: context, registryRemote: registryRemote)
            created.localImages = try Self.defaultImages(root: root)
            if let example {
                // The example's mappings go first (the first match wins); defaults with the same pattern give way.
                let own = try Self.exampleImages(example, root: root)
                created.localImages = own + created.localImages.filter { image in !own.contains { $0.match == image.match } }
            }
            project = created
        }
        if existing, let example {
            let missing = try Self.exampleImages(example, root: root).filter { image in
                !project.localImages.contains { $0.match == image.match }
            }
            if !missing.isEmpty {
                warnings.append("\(projectPath) has no local.images entry for " + missing.map { "'\($0.match)'" }.joined(separator: ", ")
                                + ", which the \(example) example's pipeline runs: add them from kf's templates/examples/\(example)/images.yaml")
            }
        }

        // Everything is rendered before anything is written, so a template error leaves the folder untouched.
        var files = try scaffold(for: project, root: root)
        if let example { files += try exampleFiles(example, root: root) }
        try Self.checkPlaces(for: [ProjectFile.fileName] + files.map(\.0), root: root)
        var entries: [Entry] = []
        if !existing {
            try FileWriter.write(try project.rendered(), to: projectPath)
            entries.append(Entry(path: ProjectFile.fileName, outcome: .created, note: nil))
        } else {
            entries.append(Entry(path: ProjectFile.fileName, outcome: .kept, note: nil))
        }
        for (relative, text, origin) in files {
            var entry = try place(text, at: relative, root: root)
            entry.origin = origin
            entries.append(entry)
        }
        entries.append(try ensureRepository(root: root))
        var result = Result(root: root, project: project, entries: entries, warnings: warnings)
        if let example { result.nextSteps = Self.nextSteps(example: example, directory: directory, root: root) }
        return result
    }

    /// The example's image mappings (templates/examples/NAME/images.yaml), checked as kf.yaml's local.images.
    static func exampleImages(_ example: String, root: String) throws -> [ImageMapping] {
        let path = "examples/\(example)/images.yaml"
        return try ImageMapping.parseList(try TemplateStore(projectRoot: root).template(path).text, file: "templates/" + path)
    }

    /// Every file of the example but images.yaml, at its path relative to the example's folder, unchanged.
    func exampleFiles(_ example: String, root: String) throws -> [(String, String, TemplateOrigin)] {
        let prefix = "examples/\(example)/"
        return try TemplateStore(projectRoot: root).templates(under: "examples/\(example)")
            .filter { $0.path != prefix + "images.yaml" }
            .map { (String($0.path.dropFirst(prefix.count)), $0.text, $0.origin) }
    }

    /// kf-local's default image mappings (templates/local/images.yaml); `venv: .venv` only when the project has one.
    static func defaultImages(root: String) throws -> [ImageMapping] {
        let path = "local/images.yaml"
        let text = try TemplateStore(projectRoot: root).template(path).text
        let hasVenv = FileManager.default.fileExists(atPath: URL(fileURLWithPath: root).appending(path: ".venv/bin").path)
        return try ImageMapping.parseList(text, file: "templates/" + path).map { image in
            var image = image
            if image.venv == ".venv" && !hasVenv { image.venv = nil }
            return image
        }
    }

    /// The scaffold's files, relative to the project root, rendered from the templates under init/.
    func scaffold(for project: ProjectFile, root: String) throws -> [(String, String, TemplateOrigin)] {
        let store = TemplateStore(projectRoot: root)
        var files: [(String, String, TemplateOrigin)] = []
        for template in try store.templates(under: "init") {
            var relative = String(template.path.dropFirst("init/".count))
            var text = template.text
            if relative == "gitignore" {
                relative = ".gitignore"
            } else if relative.hasSuffix(".yaml") {
                var document = try YAMLDocument(text: text, file: "templates/" + template.path)
                if document.root["kind"]?.string == "Namespace" {
                    try document.set(["metadata", "name"], to: project.namespace, file: template.path)
                } else if document.root["kind"]?.string == "Kustomization", document.root["namespace"] != nil {
                    try document.set(["namespace"], to: project.namespace, file: template.path)
                }
                text = try document.text()
            }
            files.append((relative, text, template.origin))
        }
        return files
    }

    /// Every file can be written where it goes (no folder on its way is a file, and it is not a folder itself),
    /// checked before anything is written, so a conflict leaves the folder as it was.
    static func checkPlaces(for relatives: [String], root: String) throws {
        for relative in relatives {
            var path = URL(fileURLWithPath: root)
            let parts = relative.split(separator: "/").map(String.init)
            for (index, part) in parts.enumerated() {
                path = path.appending(path: part)
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else { break }
                let last = index == parts.count - 1
                if last && isFolder.boolValue {
                    throw ActionError.cannotWrite(path: path.path, reason: "it is a folder, where kf writes a file; move it away and run kf init again")
                }
                if !last && !isFolder.boolValue {
                    throw ActionError.cannotWrite(path: URL(fileURLWithPath: root).appending(path: relative).path,
                                                  reason: "\(path.path) is a file, where kf needs a folder; move it away and run kf init again")
                }
            }
        }
    }

    private func place(_ text: String, at relative: String, root: String) throws -> Entry {
        let path = URL(fileURLWithPath: root).appending(path: relative).path
        guard let data = FileManager.default.contents(atPath: path) else {
            try FileWriter.write(text, to: path)
            return Entry(path: relative, outcome: .created, note: nil)
        }
        let current = String(decoding: data, as: UTF8.self)
        if current == text { return Entry(path: relative, outcome: .kept, note: nil) }
        if relative == ".gitignore" {
            // The ignore lines kf needs are added to the user's file; nothing of theirs changes.
            let have = Set(current.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            let missing = text.split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("#") && !$0.isEmpty && !have.contains($0) }
            if missing.isEmpty { return Entry(path: relative, outcome: .kept, note: nil) }
            let joined = (current.hasSuffix("\n") || current.isEmpty ? current : current + "\n")
                + missing.joined(separator: "\n") + "\n"
            try FileWriter.write(joined, to: path)
            return Entry(path: relative, outcome: .updated, note: "added " + missing.joined(separator: " "))
        }
        return Entry(path: relative, outcome: .skipped, note: "differs from kf's scaffold; left as is")
    }

    private func ensureRepository(root: String) throws -> Entry {
        if let existing = try Repository.discover(from: root) {
            return Entry(path: ".git", outcome: .kept, note: existing == root ? nil : "inside the repository at \(existing)")
        }
        _ = try Repository.create(at: root, initialBranch: "main")
        return Entry(path: ".git", outcome: .created, note: "git repository, branch main")
    }

    /// A project name from a folder name: lower-cased, with runs of other characters turned into '-'.
    static func derivedName(from root: String) throws -> String {
        let folder = URL(fileURLWithPath: root).lastPathComponent
        var name = ""
        for character in folder.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                name.append(character)
            } else if !name.hasSuffix("-") {
                name.append("-")
            }
        }
        while name.hasPrefix("-") { name.removeFirst() }
        while name.hasSuffix("-") { name.removeLast() }
        return String(name.prefix(63))
    }

    static func validate(name: String, flag: String) throws {
        let ok = (1...63).contains(name.count)
            && name.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
            && name.first != "-" && name.last != "-"
        if !ok {
            throw ActionError.invalidProjectName(
                name: name, reason: "\(flag) must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)")
        }
    }
}
