import Foundation
import Yams

/// The registry's settings: GTO's `.gto` file (stages, types) and the stages a kf.yaml allows.
public struct RegistryConfig: Equatable, Sendable {
    /// `.gto`'s `stages`, or nil when it sets none (GTO then shows the stages in use).
    public var gtoStages: [String]?
    /// `.gto`'s `types`, or nil.
    public var gtoTypes: [String]?
    /// kf.yaml's `registry.stages`, or nil when there is no kf.yaml.
    public var projectStages: [String]?

    public init(gtoStages: [String]? = nil, gtoTypes: [String]? = nil, projectStages: [String]? = nil) {
        self.gtoStages = gtoStages
        self.gtoTypes = gtoTypes
        self.projectStages = projectStages
    }

    /// Reads `.gto` text; `file` names it in errors. Lists must hold valid names, as GTO requires.
    public static func parseGTO(_ text: String, file: String) throws -> RegistryConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw RegistryError.invalidConfig(file: file, reason: "invalid YAML (\(error)); expected a mapping such as `stages: [dev, prod]`")
        }
        guard let node else { return RegistryConfig() }
        guard let mapping = node.mapping else {
            throw RegistryError.invalidConfig(file: file, reason: "expected a mapping with `stages` and `types` lists")
        }
        var config = RegistryConfig()
        for (key, value) in mapping {
            guard let field = key.scalar?.string else { continue }
            guard field == "stages" || field == "types" else { continue }
            if value.scalar?.string == "null" || value.scalar?.string == "~" { continue }
            guard let sequence = value.sequence else {
                let line = value.mark.map { ":\($0.line)" } ?? ""
                throw RegistryError.invalidConfig(file: file + line, reason: "`\(field)` must be a list of names")
            }
            var names: [String] = []
            for item in sequence {
                guard let name = item.scalar?.string, ArtifactName.isValidName(name) else {
                    let line = item.mark.map { ":\($0.line)" } ?? ""
                    throw RegistryError.invalidConfig(file: file + line, reason: "`\(field)` entry '\(item.scalar?.string ?? "?")' "
                        + "is not a valid name (letters, digits, '_', '-', '/'; starting and ending with a letter or digit)")
                }
                names.append(name)
            }
            if field == "stages" { config.gtoStages = names } else { config.gtoTypes = names }
        }
        return config
    }

    /// The stages promote may use and where that list comes from; nil when any valid stage is allowed.
    public var allowedStages: (stages: [String], source: String)? {
        if let gtoStages { return (gtoStages, ".gto") }
        if let projectStages { return (projectStages, "kf.yaml registry.stages") }
        return nil
    }

    /// Checks a stage name against GTO's pattern and the allowed list.
    public func checkStage(_ stage: String) throws {
        guard ArtifactName.isValidName(stage) else { throw RegistryError.invalidStageName(stage: stage) }
        if let allowed = allowedStages, !allowed.stages.contains(stage) {
            throw RegistryError.stageNotAllowed(stage: stage, allowed: allowed.stages, source: allowed.source)
        }
    }

    /// Checks an artifact type against `.gto`'s types.
    public func checkType(_ type: String) throws {
        guard ArtifactName.isValidName(type) else { throw RegistryError.invalidStageName(stage: type) }
        if let types = gtoTypes, !types.contains(type) {
            throw RegistryError.typeNotAllowed(type: type, allowed: types, source: ".gto")
        }
    }
}
