import Foundation
import Resources

/// Options of a build.
public struct BuildOptions: Sendable {
    public var loadRestriction: LoadRestriction = .rootOnly
    /// Receives kustomize's warnings (deprecated fields), one line each; stderr in the command.
    public var warn: @Sendable (String) -> Void = { _ in }
    /// Where remote bases are fetched to (docs/build-engine.md, "Remote bases").
    public var remoteCache: RemoteCache

    public init(loadRestriction: LoadRestriction = .rootOnly, warn: @escaping @Sendable (String) -> Void = { _ in },
                remoteCache: RemoteCache = RemoteCache(directory: RemoteCache.defaultDirectory())) {
        self.loadRestriction = loadRestriction
        self.warn = warn
        self.remoteCache = remoteCache
    }
}

/// The build engine: `Kustomizer(options).build(path)` does what `kubectl kustomize path` does, as named stages
/// (load, accumulate resources, generators, transformers, name-reference fixing, vars, sort, clean-up), each
/// wrapping its errors with where it happened.
public struct Kustomizer: Sendable {
    public let fileSystem: any FileSystem
    public let options: BuildOptions

    public init(fileSystem: any FileSystem = DiskFileSystem(), options: BuildOptions = BuildOptions()) {
        self.fileSystem = fileSystem
        self.options = options
    }

    /// The resources of the kustomization in `path` (a directory), in output order, ready to print.
    public func build(_ path: String) throws -> [Resource] {
        let absolute = path.hasPrefix("/") ? Paths.clean(path) : Paths.join(Self.currentDirectory(), path)
        let fetching = RemoteFetching(cache: options.remoteCache, warn: options.warn)
        let loader: Loader
        if !fileSystem.isDirectory(absolute), let spec = try? RemoteSpec(path) {
            loader = try Loader(fs: fileSystem, root: "/", restriction: options.loadRestriction, remote: fetching)
                .remoteChild(spec)
        } else {
            loader = try localRoot(absolute, fetching: fetching)
        }
        let cache = ParseCache()
        cache.prefetch(from: loader)
        let target = try Target.load(loader, options: options, schema: SchemaState(), cache: cache)
        return try finish(target, loader: loader)
    }

    /// The loader of a local directory to build, or kustomize's error when it is not one.
    private func localRoot(_ absolute: String, fetching: RemoteFetching) throws -> Loader {
        guard fileSystem.isDirectory(absolute) else {
            if fileSystem.isFile(absolute) {
                throw ManifestsError.message("must build at directory: '\(absolute)': file is not directory")
            }
            throw ManifestsError.message("must build at directory: not a valid directory: evalsymlink failure on '\(absolute)' : lstat \(absolute): no such file or directory")
        }
        return Loader(fs: fileSystem, root: fileSystem.resolvingLinks(absolute), restriction: options.loadRestriction,
                      remote: fetching)
    }

    private func finish(_ target: Target, loader: Loader) throws -> [Resource] {
        let metadata = target.kustomization.buildMetadata
        for option in metadata where !["originAnnotations", "transformerAnnotations", "managedByLabel"].contains(option) {
            throw ManifestsError.message("invalid option in buildMetadata: \(option); expected originAnnotations, transformerAnnotations or managedByLabel")
        }
        try target.schema.apply(target.kustomization.openapi, loader: loader, top: true)
        target.origin = metadata.isEmpty ? nil : Origin()
        let accumulator = try target.accumulate(into: Accumulator())

        // The last steps, done once for the whole build rather than per kustomization.
        try stage("adding hash suffixes") { try Generators.addHashSuffixes(&accumulator.list) }
        try stage("fixing name references") {
            try NameReferences.fix(&accumulator.list, config: accumulator.config)
        }
        try stage("resolving vars") { try Vars.resolve(accumulator) }
        accumulator.list.remove { $0.annotation("config.kubernetes.io/local-config").map { $0 != "false" } ?? false }
        try stage("sorting resources") { try Sorting.sort(&accumulator.list, options: target.kustomization.sortOptions) }
        if metadata.contains("managedByLabel") {
            for r in accumulator.list.resources {
                r.value.set(["metadata", "labels", "app.kubernetes.io/managed-by"], to: .string("kustomize-v5.8.1"))
            }
        }
        let keepOrigin = metadata.contains("originAnnotations")
        let keepTransformations = metadata.contains("transformerAnnotations")
        for r in accumulator.list.resources {
            BuildMetadata.finish(r, origin: keepOrigin, transformations: keepTransformations)
        }
        return accumulator.list.resources
    }

    /// The build printed as `kubectl kustomize` prints it: one YAML document per resource, separated by `---`.
    public func buildYAML(_ path: String) throws -> String {
        try Self.yaml(try build(path))
    }

    public static func yaml(_ resources: [Resource]) throws -> String {
        String(decoding: try yamlBytes(resources), as: UTF8.self)
    }

    /// The YAML stream as bytes; documents are printed on all cores, then joined in order.
    public static func yamlBytes(_ resources: [Resource]) throws -> [UInt8] {
        let values = resources.map(\.value)
        let results = Parallel.map(values) { value -> Result<[UInt8], ManifestsError> in
            do {
                return .success(try KustomizeEmitter.emit([value]))
            } catch {
                return .failure(ManifestsError.message("cannot print the build: \(error)"))
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(results.reduce(0) { $0 + ((try? $1.get().count) ?? 0) + 4 })
        for (i, result) in results.enumerated() {
            if i > 0 { out.append(contentsOf: [0x2D, 0x2D, 0x2D, 0x0A]) }
            out.append(contentsOf: try result.get())
        }
        return out
    }

    static func currentDirectory() -> String {
        FileManager.default.currentDirectoryPath
    }
}


/// What a kustomization and everything below it contribute: resources, field-spec configuration and vars.
final class Accumulator {
    var list = ResourceList()
    var config = TransformerConfig()
    var vars: [VarEntry] = []

    func merge(_ other: Accumulator) throws {
        try list.append(contentsOf: other.list)
        try config.merge(other.config)
        try mergeVars(other.vars)
    }

    func mergeVars(_ incoming: [VarEntry]) throws {
        for v in incoming {
            if vars.contains(where: { $0.name == v.name }) {
                throw ManifestsError.message("var '\(v.name)' already encountered")
            }
            vars.append(v)
        }
    }
}

/// One kustomization directory being built.
final class Target {
    let loader: Loader
    let kustomization: Kustomization
    let fileName: String
    let options: BuildOptions
    /// The strategic-merge schema shared by the whole build.
    let schema: SchemaState
    /// Resource files parsed ahead of time, on all cores.
    let cache: ParseCache
    /// The origin of what this kustomization reads, when buildMetadata asks for it.
    var origin: Origin?
    var buildMetadata: [String]

    init(loader: Loader, kustomization: Kustomization, fileName: String, options: BuildOptions, schema: SchemaState,
         cache: ParseCache) {
        self.schema = schema
        self.cache = cache
        self.loader = loader
        self.kustomization = kustomization
        self.fileName = fileName
        self.options = options
        self.buildMetadata = kustomization.buildMetadata
    }

    /// Stage "load": reads and checks the kustomization file of the loader's directory.
    static func load(_ loader: Loader, options: BuildOptions, schema: SchemaState, cache: ParseCache) throws -> Target {
        let (name, text) = try loader.kustomizationFile()
        let file = Paths.join(loader.root, name)
        let k = try Kustomization(text: text, file: file)
        for warning in k.warnings { options.warn(warning) }
        if k.hasHelm {
            throw ManifestsError.unsupported(feature: "helmCharts (in \(file))",
                                             hint: "render the chart with `helm template` and list the output under resources")
        }
        return Target(loader: loader, kustomization: k, fileName: name, options: options, schema: schema, cache: cache)
    }

    /// Builds this kustomization into `accumulator` (a fresh one for a kustomization, the parent's for a component).
    func accumulate(into accumulator: Accumulator) throws -> Accumulator {
        let k = kustomization
        try stage("accumulating resources") { try accumulateResources(k.resources, into: accumulator) }
        // kustomize's defaults plus this kustomization's configurations, merged into what the bases brought.
        var own = TransformerConfig()
        for path in k.configurations {
            let text = try loader.loadText(path)
            try own.merge(try TransformerConfig.parse(text, file: loader.absolute(path)))
        }
        let levelConfig = k.configurations.isEmpty ? TransformerConfig.defaults : try TransformerConfig.defaults.merged(own)
        try stage("merging config") { try accumulator.config.merge(levelConfig) }
        if !k.crds.isEmpty {
            try stage("loading CRDs \(k.crds)") {
                try accumulator.config.merge(try CRDConfig.load(k.crds, loader: loader))
            }
        }
        try Generators.run(self, into: accumulator)
        var current = accumulator
        try stage("accumulating components") {
            for path in k.components { current = try accumulateComponent(path, into: current) }
        }
        try Transformers.run(self, on: current)
        try stage("running validators") { try Transformers.runValidators(self, on: current) }
        try stage("merging vars") {
            try Vars.merge(k.vars, into: current)
        }
        return current
    }

    /// Each entry is a file of resources or a directory with a kustomization.
    func accumulateResources(_ paths: [String], into accumulator: Accumulator) throws {
        for path in paths {
            let full = loader.absolute(path)
            if !loader.fs.isFile(full), let spec = try? RemoteSpec(path) {
                let child = try loader.remoteChild(spec)
                let saved = origin
                if let o = origin { origin = o.appendingRemote(spec) }
                defer { origin = saved }
                try accumulateDirectory(child, into: accumulator, component: false)
            } else if loader.fs.isDirectory(full) {
                let child: Loader
                do {
                    child = try loader.child(path)
                } catch let error as ManifestsError {
                    throw error.within("accumulation err='accumulating resources from '\(path)': '\(full)' must resolve to a file'")
                }
                let saved = origin
                if let o = origin { origin = o.appending(path) }
                defer { origin = saved }
                try accumulateDirectory(child, into: accumulator, component: false)
            } else if !loader.fs.isFile(full) {
                throw ManifestsError.message("accumulation err='accumulating resources from '\(path)': evalsymlink failure on '\(full)' : lstat \(full): no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '\(full)' : lstat \(full): no such file or directory")
            } else {
                try stage("accumulating resources from '\(path)'") {
                    try accumulateFile(path, into: accumulator)
                }
            }
        }
    }

    func accumulateFile(_ path: String, into accumulator: Accumulator) throws {
        let full = loader.absolute(path)
        let checked = try loader.checkedPath(path)
        let documents: [Value]
        if let parsed = cache.take(checked) {
            documents = parsed
        } else {
            documents = try YAML.documents(try loader.fs.read(checked), file: full)
        }
        let resources = try ResourceParsing.resources(fromDocuments: documents, file: full)
        let fileOrigin = origin?.appending(path)
        var fresh = ResourceList()
        for r in resources { r.origin = fileOrigin }
        try fresh.append(contentsOf: ResourceList(unchecked: resources))
        try stage("merging resources from '\(path)'") { try accumulator.list.append(contentsOf: fresh) }
    }

    func accumulateComponent(_ path: String, into accumulator: Accumulator) throws -> Accumulator {
        if let spec = try? RemoteSpec(path) {
            let child = try loader.remoteChild(spec)
            let saved = origin
            if let o = origin { origin = o.appendingRemote(spec) }
            defer { origin = saved }
            return try accumulateDirectory(child, into: accumulator, component: true)
        }
        let full = loader.absolute(path)
        if loader.fs.isFile(full) {
            throw ManifestsError.message("loader.New \"must build at directory: '\(full)': file is not directory\"")
        }
        let child = try loader.child(path)
        let saved = origin
        if let o = origin { origin = o.appending(path) }
        defer { origin = saved }
        return try accumulateDirectory(child, into: accumulator, component: true)
    }

    @discardableResult
    func accumulateDirectory(_ child: Loader, into accumulator: Accumulator, component: Bool) throws -> Accumulator {
        let sub: Target
        do {
            sub = try Target.load(child, options: options, schema: schema, cache: cache)
        } catch let error as ManifestsError {
            throw error.within("couldn't make target for path '\(child.root)'")
        }
        sub.buildMetadata = buildMetadata
        sub.origin = origin
        try schema.apply(sub.kustomization.openapi, loader: child, top: false)
        if component && sub.kustomization.kind != "Component" {
            throw ManifestsError.message("accumulateDirectory: \"expected kind 'Component' for path '\(child.root)' but got '\(sub.kustomization.kind)'\"")
        }
        if !component && sub.kustomization.kind == "Component" {
            throw ManifestsError.message("expected kind != 'Component' for path '\(child.root)'")
        }
        if component {
            do {
                return try sub.accumulate(into: accumulator)
            } catch let error as ManifestsError {
                throw error.within("accumulateDirectory: recursed accumulation of path '\(child.root)'")
            }
        }
        let result: Accumulator
        do {
            result = try sub.accumulate(into: Accumulator())
        } catch let error as ManifestsError {
            throw error.within("recursed accumulation of path '\(child.root)'")
        }
        do {
            try accumulator.merge(result)
        } catch let error as ManifestsError {
            throw error.within("recursed merging from path '\(child.root)'")
        }
        return accumulator
    }

    /// The origin of things configured in this kustomization by builtin `kind`.
    func builtinOrigin(_ kind: String) -> Origin? {
        guard let o = origin else { return nil }
        var out = Origin()
        out.repo = o.repo
        out.ref = o.ref
        out.configuredIn = o.path.isEmpty ? fileName : Paths.join(o.path, fileName)
        out.configuredBy = ("builtin", kind)
        return out
    }
}
