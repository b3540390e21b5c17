import Resources

/// The engine's door to the Resources module's YAML parser and kustomize emitter, turning their errors into
/// engine errors that name the file and line.
enum YAML {
    /// The documents of a YAML stream (empty documents dropped). Kustomization files let a repeated key win, as
    /// kustomize reads them; resources reject it.
    static func documents(_ text: String, file: String, lastKeyWins: Bool = false) throws -> [Value] {
        do {
            return try YAMLParser(duplicateKeys: lastKeyWins ? .lastWins : .reject).parse(text, file: file)
        } catch let ResourceError.invalidYAML(file, line, _, problem) {
            throw ManifestsError.invalidYAML(file: file, line: line, problem: problem)
        }
    }

    static func documents(_ bytes: [UInt8], file: String) throws -> [Value] {
        do {
            return try YAMLParser().parse(bytes, file: file)
        } catch let ResourceError.invalidYAML(file, line, _, problem) {
            throw ManifestsError.invalidYAML(file: file, line: line, problem: problem)
        }
    }

    /// One document; empty text reads as null.
    static func document(_ text: String, file: String, lastKeyWins: Bool = false) throws -> Value {
        try documents(text, file: file, lastKeyWins: lastKeyWins).first ?? .null
    }

    /// One document as kustomize prints it.
    static func emit(_ value: Value) throws -> String {
        do {
            return try KustomizeEmitter.string(value)
        } catch let error as ResourceError {
            throw ManifestsError.message("cannot print the resource: \(error)")
        }
    }
}
