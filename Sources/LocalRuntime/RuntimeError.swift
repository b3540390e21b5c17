import Foundation

/// Failures of the node agent, each saying what failed and what to do.
public enum RuntimeError: Error, CustomStringConvertible, Equatable {
    /// posix_spawn refused the program.
    case spawnFailed(String, String)
    /// The command is not an executable on the container's PATH.
    case commandNotFound(command: String, path: String)
    /// The container has no command and its image mapping no entrypoint or cmd.
    case noCommand(container: String, image: String)
    /// A value the container refers to (ConfigMap, Secret, key, field) is missing.
    case configMissing(String)
    /// A volume kind the local runtime does not provide.
    case unsupportedVolume(name: String, kind: String)
    /// The kubeconfig kf-local wrote cannot be used.
    case kubeconfig(String)
    /// A file of the Pod's folder cannot be written.
    case filesystem(path: String, reason: String)

    public var description: String {
        switch self {
        case let .spawnFailed(program, reason):
            return "cannot start \(program): \(reason)"
        case let .commandNotFound(command, path):
            return "executable file not found: \"\(command)\" is not on the container's PATH (\(path)) nor a file relative to its working directory; map the image to a venv that has it in kf.yaml local.images, or install it on this machine"
        case let .noCommand(container, image):
            return "container \(container) sets no command and the mapping of image \(image) in kf.yaml local.images gives no entrypoint or cmd; set command in the Pod or cmd in the mapping"
        case let .configMissing(message):
            return message
        case let .unsupportedVolume(name, kind):
            return "volume \"\(name)\": \(kind) volumes are not provided by kf-local (supported: emptyDir, configMap, secret, hostPath, persistentVolumeClaim, downwardAPI, projected)"
        case let .kubeconfig(reason):
            return "cannot use kf-local's kubeconfig: \(reason)"
        case let .filesystem(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
