import Foundation
import Resources

/// The generators stage: configMapGenerator and secretGenerator (and `generators:` entries configuring them), and
/// the name-suffix hash kustomize appends to what they make.
enum Generators {
    static func run(_ target: Target, into accumulator: Accumulator) throws {
        let k = target.kustomization
        var made: [(Resource, Origin?)] = []
        for (i, args) in k.configMapGenerator.enumerated() {
            let r = try stage("configMapGenerator[\(i)] '\(args.name)'") {
                try configMap(args, global: k.generatorOptions, loader: target.loader)
            }
            made.append((r, target.builtinOrigin("ConfigMapGenerator")))
        }
        for (i, args) in k.secretGenerator.enumerated() {
            let r = try stage("secretGenerator[\(i)] '\(args.name)'") {
                try secret(args, global: k.generatorOptions, loader: target.loader)
            }
            made.append((r, target.builtinOrigin("SecretGenerator")))
        }
        made += try stage("loading generator plugins") { try Plugins.generators(target) }
        for (r, origin) in made {
            if let origin { r.origin = origin }
            try stage("merging from generator \(r.kind) \(r.name)") { try accumulator.list.absorb(r) }
        }
    }

    /// Local options with the kustomization's generatorOptions filled in (local keys win).
    static func mergedOptions(_ local: GeneratorOptions?, _ global: GeneratorOptions?) -> GeneratorOptions? {
        guard let global else { return local }
        var out = local ?? GeneratorOptions()
        for (k, v) in global.labels where !out.labels.contains(where: { $0.0 == k }) { out.labels.append((k, v)) }
        for (k, v) in global.annotations where !out.annotations.contains(where: { $0.0 == k }) {
            out.annotations.append((k, v))
        }
        if global.disableNameSuffixHash == true { out.disableNameSuffixHash = true }
        if global.immutable == true { out.immutable = true }
        return out
    }

    static func configMap(_ args: GeneratorArgs, global: GeneratorOptions?, loader: Loader) throws -> Resource {
        let options = mergedOptions(args.options, global)
        var value = base(kind: "ConfigMap", args: args)
        let pairs = try keyValues(args, loader: loader, kind: "configmap")
        var data = Mapping()
        var binary = Mapping()
        for (key, bytes) in pairs.sorted(by: { $0.0 < $1.0 }) {
            if let text = String(validatingUTF8Bytes: bytes) {
                data[key] = .string(text)
            } else {
                binary[key] = .string(Data(bytes).base64EncodedString())
            }
        }
        if !data.isEmpty { value["data"] = .mapping(data) }
        if !binary.isEmpty { value["binaryData"] = .mapping(binary) }
        return finish(value, args: args, options: options)
    }

    static func secret(_ args: GeneratorArgs, global: GeneratorOptions?, loader: Loader) throws -> Resource {
        let options = mergedOptions(args.options, global)
        var value = base(kind: "Secret", args: args)
        value["type"] = .string(args.type.isEmpty ? "Opaque" : args.type)
        let pairs = try keyValues(args, loader: loader, kind: "secret")
        var data = Mapping()
        for (key, bytes) in pairs.sorted(by: { $0.0 < $1.0 }) {
            data[key] = .string(base64Lines(bytes))
        }
        // kustomize always gives a generated Secret its data mapping, empty or not.
        value["data"] = .mapping(data)
        return finish(value, args: args, options: options)
    }

    private static func base(kind: String, args: GeneratorArgs) -> Value {
        var meta = Mapping()
        meta["name"] = .string(args.name)
        if !args.namespace.isEmpty { meta["namespace"] = .string(args.namespace) }
        var m = Mapping()
        m["apiVersion"] = .string("v1")
        m["kind"] = .string(kind)
        m["metadata"] = .mapping(meta)
        return .mapping(m)
    }

    private static func finish(_ value: Value, args: GeneratorArgs, options: GeneratorOptions?) -> Resource {
        var value = value
        if let options {
            for (k, v) in options.labels.sorted(by: { $0.0 < $1.0 }) {
                value.set(["metadata", "labels", k], to: .string(v))
            }
            for (k, v) in options.annotations.sorted(by: { $0.0 < $1.0 }) {
                value.set(["metadata", "annotations", k], to: .string(v))
            }
            if options.immutable == true { value["immutable"] = .bool(true) }
        }
        let r = Resource(value)
        r.needsHashSuffix = options?.disableNameSuffixHash != true
        r.behavior = GeneratorBehavior(rawValue: args.behavior) ?? .unspecified
        return r
    }

    /// The key/value pairs of a generator: env files, then literals, then files; keys checked and unique.
    static func keyValues(_ args: GeneratorArgs, loader: Loader, kind: String) throws -> [(String, [UInt8])] {
        if args.name.isEmpty { throw ManifestsError.message("a \(kind) must have a name") }
        // kustomize reads an unknown behavior as unspecified (create), without an error.
        var pairs: [(String, [UInt8])] = []
        for path in args.envs {
            let text = try stage("env source files: \(args.envs)") { try loader.loadText(path) }
            var first = true
            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                var line = Substring(rawLine)
                if line.hasSuffix("\r") { line = line.dropLast() }
                if first, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
                first = false
                line = line.drop(while: { $0.isWhitespace })
                if line.isEmpty || line.hasPrefix("#") { continue }
                let key: String
                let value: String
                if let eq = line.firstIndex(of: "=") {
                    key = String(line[..<eq])
                    value = String(line[line.index(after: eq)...])
                } else {
                    key = String(line)
                    value = ""
                }
                pairs.append((key, Array(value.utf8)))
            }
        }
        for literal in args.literals {
            guard let eq = literal.firstIndex(of: "="), eq != literal.startIndex else {
                throw ManifestsError.message("literal sources \(args.literals): invalid literal source \(literal), expected key=value")
            }
            let key = String(literal[..<eq])
            var value = String(literal[literal.index(after: eq)...])
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" {
                value = String(value.dropFirst().dropLast())
            }
            pairs.append((key, Array(value.utf8)))
        }
        for source in args.files {
            let key: String
            let path: String
            let separators = source.filter { $0 == "=" }.count
            if separators == 0 {
                key = Paths.base(source)
                path = source
            } else if separators == 1, source.hasPrefix("=") {
                throw ManifestsError.message("file sources: \(args.files): missing key name for file path \"\(source.dropFirst())\" in source \"\(source)\"")
            } else if separators == 1, source.hasSuffix("=") {
                throw ManifestsError.message("file sources: \(args.files): missing file path for key name \"\(source.dropLast())\" in source \"\(source)\"")
            } else if separators > 1 {
                throw ManifestsError.message("file sources: \(args.files): source \"\(source)\" key name or file path contains '='")
            } else {
                let parts = source.split(separator: "=", omittingEmptySubsequences: false)
                key = String(parts[0])
                path = String(parts[1])
            }
            let bytes = try stage("file sources: \(args.files)") { try loader.load(path) }
            pairs.append((key, bytes))
        }
        // kustomize's key validators accept anything (kubectl's too); only a repeated key is an error.
        var seen = Set<String>()
        for (key, _) in pairs where !seen.insert(key).inserted {
            throw ManifestsError.message("\(kind) \(args.name) illegally repeats the key `\(key)`")
        }
        // A key that YAML reads as a number, boolean or null cannot be printed by kustomize (its JSON step has no
        // such map keys): kubectl fails there, and so does kf, naming the key.
        for (key, _) in pairs {
            if plainKeyIsNotAString(key) {
                throw ManifestsError.message("\(kind) \(args.name): the key `\(key)` reads as a number, boolean or null in YAML; kustomize cannot print it (json: unsupported type)")
            }
        }
        return pairs
    }

    /// Whether a plain scalar with this text resolves to something other than a string.
    static func plainKeyIsNotAString(_ key: String) -> Bool {
        guard let value = (try? YAMLParser().parse("k: " + key + "\n", file: "key"))?.first?["k"] else { return false }
        if case let .scalar(s) = value { return s.tag != .string }
        return true
    }

    // MARK: hash suffix

    /// Appends `-<hash>` to the name of every generated resource that wants one.
    static func addHashSuffixes(_ list: inout ResourceList) throws {
        for r in list.resources where r.needsHashSuffix {
            let h = try hash(r)
            r.storePreviousId()
            r.setName("\(r.name)-\(h)")
        }
    }

    /// kustomize's content hash: sha256 of a JSON encoding of the kind, name and data, first ten hex digits with
    /// some letters swapped so the result never reads as a number or a word. kustomize looks the name up with a
    /// path it never finds, so the name it hashes is always empty; kf does the same to get the same suffix.
    static func hash(_ r: Resource) throws -> String {
        let encoded: String
        switch r.kind {
        case "ConfigMap":
            var fields: [(String, String)] = [("data", jsonField(r.value["data"])), ("kind", "\"ConfigMap\""),
                                              ("name", "\"\"")]
            if case .mapping = r.value["binaryData"] { fields.insert(("binaryData", jsonField(r.value["binaryData"])), at: 0) }
            encoded = "{" + fields.map { GoJSON.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        case "Secret":
            var fields: [(String, String)] = [("data", jsonField(r.value["data"])), ("kind", "\"Secret\""),
                                              ("name", "\"\"")]
            if case .mapping = r.value["stringData"] { fields.append(("stringData", jsonField(r.value["stringData"]))) }
            fields.append(("type", jsonField(r.value["type"])))
            encoded = "{" + fields.map { GoJSON.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        default:
            encoded = GoJSON.encode(r.value, sortKeys: false)
        }
        return encodeHash(SHA256.hex(Array(encoded.utf8)))
    }

    private static func jsonField(_ v: Value?) -> String {
        guard let v else { return "\"\"" }
        switch v {
        case let .scalar(s): return GoJSON.quote(s.text)
        default: return GoJSON.encode(v, sortKeys: true)
        }
    }

    /// Base64 as kustomize writes Secret data: in lines of 70 characters, each ending in a newline, when the text
    /// is longer than one line.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        let lineLength = 70
        if encoded.count / lineLength + 1 <= 1 { return encoded }
        var out = ""
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: lineLength, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[index..<end]
            out += "\n"
            index = end
        }
        return out
    }

    static func encodeHash(_ hex: String) -> String {
        String(hex.prefix(10).map { ch -> Character in
            switch ch {
            case "0": return "g"
            case "1": return "h"
            case "3": return "k"
            case "a": return "m"
            case "e": return "t"
            default: return ch
            }
        })
    }
}

extension String {
    /// The text of UTF-8 bytes, or nil when they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): out.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}
