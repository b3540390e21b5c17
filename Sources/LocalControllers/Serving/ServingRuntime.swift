import Foundation
import Project
import Resources

/// The model server kf-local runs for an InferenceService's predictor: MLServer (KServe's `kserve-mlserver`
/// runtime) with the runtime package of the model's format, started from the image `docker.io/seldonio/mlserver`
/// through kf.yaml's `local.images` (whose venv must have MLServer installed).
public struct ServingRuntime: Sendable, Equatable {
    /// The model format (`spec.predictor.model.modelFormat.name`, lower-cased).
    public let format: String
    /// MLServer's implementation class (`MLSERVER_MODEL_IMPLEMENTATION`).
    public let implementation: String
    /// The Python module that must be importable, and the PyPI package that provides it.
    public let module: String
    public let package: String

    /// KServe's name for the runtime (status.servingRuntimeName).
    public static let name = "kserve-mlserver"
    /// The image of the predictor container, mapped to a local venv by kf.yaml's `local.images`.
    public static let image = "docker.io/seldonio/mlserver:1.7.1"
    /// The container's name, as KServe names it.
    public static let containerName = "kserve-container"
    /// Where the model is mounted in the container, as KServe's storage initializer leaves it.
    public static let modelMount = "/mnt/models"

    /// The formats MLServer serves through one of its runtime packages.
    static let known: [ServingRuntime] = [
        ServingRuntime(format: "sklearn", implementation: "mlserver_sklearn.SKLearnModel", module: "mlserver_sklearn", package: "mlserver-sklearn"),
        ServingRuntime(format: "xgboost", implementation: "mlserver_xgboost.XGBoostModel", module: "mlserver_xgboost", package: "mlserver-xgboost"),
        ServingRuntime(format: "lightgbm", implementation: "mlserver_lightgbm.LightGBMModel", module: "mlserver_lightgbm", package: "mlserver-lightgbm"),
        ServingRuntime(format: "mlflow", implementation: "mlserver_mlflow.MLflowRuntime", module: "mlserver_mlflow", package: "mlserver-mlflow"),
    ]

    /// KServe's runtimes for the formats kf-local cannot serve, named in the message.
    static let clusterOnly: [String: String] = [
        "tensorflow": "kserve-tensorflow-serving", "pytorch": "kserve-torchserve", "onnx": "kserve-tritonserver",
        "triton": "kserve-tritonserver", "tensorrt": "kserve-tritonserver", "huggingface": "kserve-huggingfaceserver",
        "pmml": "kserve-pmmlserver", "paddle": "kserve-paddleserver",
    ]

    /// The runtime for a format, or why there is none on kf-local.
    static func forFormat(_ format: String) -> Result<ServingRuntime, RuntimeProblem> {
        let lowered = format.lowercased()
        if let runtime = known.first(where: { $0.format == lowered }) { return .success(runtime) }
        let served = known.map(\.format).joined(separator: ", ")
        if let clusterRuntime = clusterOnly[lowered] {
            return .failure(RuntimeProblem(reason: "NoSupportingRuntime", message:
                "modelFormat \(format) has no local runtime: kf-local serves \(served) with MLServer; \(format) models are "
                + "served by KServe's \(clusterRuntime) runtime on a cluster (kf serve --context <cluster>)"))
        }
        return .failure(RuntimeProblem(reason: "NoSupportingRuntime", message:
            "modelFormat \(format) is not known: kf-local serves \(served) with MLServer (pip install mlserver mlserver-<format>)"))
    }

    /// Checks that the image is mapped and its venv can import MLServer and this runtime's module; nil when it can
    /// (or when no venv is known to look in: the Pod will tell).
    func problem(images: [ImageMapping], projectRoot: URL?, path: String) -> RuntimeProblem? {
        guard let mapping = ImageMapping.lookup(ServingRuntime.image, in: images) else {
            return RuntimeProblem(reason: "NoSupportingRuntime", message:
                "no entry of kf.yaml's local.images matches \(ServingRuntime.image): add `- {match: seldonio/mlserver, venv: .venv}` "
                + "with a venv where `pip install mlserver \(package) 'uvloop<0.22'` ran")
        }
        let venv: URL?
        if let folder = mapping.venv {
            venv = folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : projectRoot?.appendingPathComponent(folder)
        } else {
            venv = ServingRuntime.venvOnPath(path)
            if venv == nil && ServingRuntime.executableOnPath("mlserver", path) == nil {
                return RuntimeProblem(reason: "NoSupportingRuntime", message:
                    "mlserver is not installed: run `pip install mlserver \(package) 'uvloop<0.22'` in a venv and map "
                    + "seldonio/mlserver to it in kf.yaml's local.images (venv: ...)")
            }
        }
        guard let venv else { return nil }
        let where_ = mapping.venv ?? venv.path
        if !FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/mlserver").path) {
            return RuntimeProblem(reason: "NoSupportingRuntime", message:
                "mlserver is not installed in \(where_) (local.images: seldonio/mlserver): run `\(venv.path)/bin/pip install mlserver \(package) 'uvloop<0.22'`")
        }
        if !ServingRuntime.hasModule(module, venv: venv) {
            return RuntimeProblem(reason: "NoSupportingRuntime", message:
                "modelFormat \(format) needs the MLServer runtime \(package), which \(where_) cannot import: run `\(venv.path)/bin/pip install \(package)`")
        }
        return nil
    }

    /// Whether a venv's site-packages hold a module (a package folder or a single file).
    static func hasModule(_ module: String, venv: URL) -> Bool {
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for version in versions where version.hasPrefix("python") {
            let site = lib.appendingPathComponent(version).appendingPathComponent("site-packages")
            for candidate in [module + "/__init__.py", module + ".py"]
            where FileManager.default.fileExists(atPath: site.appendingPathComponent(candidate).path) {
                return true
            }
        }
        return false
    }

    static func executableOnPath(_ name: String, _ path: String) -> String? {
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = String(folder) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The venv whose bin/ holds the mlserver found on PATH (nil when it is not in a venv).
    static func venvOnPath(_ path: String) -> URL? {
        guard let executable = executableOnPath("mlserver", path) else { return nil }
        let venv = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent()
        return FileManager.default.fileExists(atPath: venv.appendingPathComponent("pyvenv.cfg").path) ? venv : nil
    }
}

/// Why a predictor cannot run: a reason and message for the conditions and modelStatus.
struct RuntimeProblem: Error, Sendable, Equatable {
    var reason: String
    var message: String
}

/// Where a predictor's model comes from, as volumes of its Pod: the folder mounted at /mnt/models and the model's
/// path in the container (the folder itself, or a file in it).
struct ModelStorage: Equatable, Sendable {
    var volume: Value
    var subPath: String?
    var modelURI: String

    /// Resolves `storageUri`: `file://PATH` and plain paths (relative ones against the project root) as a hostPath,
    /// `pvc://CLAIM/PATH` as the claim (kf-local's folder `.kf/volumes/NAMESPACE/CLAIM`) with PATH as subPath.
    /// A path to a file mounts its folder and names the file. Registry references are resolved by `kf serve`
    /// into file:// before the object is created; other schemes (s3, gs, http, hf, oci) need a cluster.
    static func resolve(_ uri: String, namespace: String, stateDirectory: URL?, projectRoot: URL?) -> Result<ModelStorage, RuntimeProblem> {
        func problem(_ message: String) -> Result<ModelStorage, RuntimeProblem> {
            .failure(RuntimeProblem(reason: "InvalidStorageUri", message: "storageUri \(uri): \(message)"))
        }
        func local(_ path: String) -> Result<ModelStorage, RuntimeProblem> {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                return problem("\(path) does not exist on this machine")
            }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            let folder = isFolder.boolValue ? url : url.deletingLastPathComponent()
            let volume = Value.fields([("name", .string("kserve-provision-location")),
                                       ("hostPath", .fields([("path", .string(folder.path)), ("type", .string("Directory"))]))])
            return .success(ModelStorage(volume: volume, subPath: nil,
                                         modelURI: isFolder.boolValue ? ServingRuntime.modelMount : ServingRuntime.modelMount + "/" + url.lastPathComponent))
        }
        if uri.hasPrefix("file://") {
            let path = String(uri.dropFirst("file://".count))
            guard path.hasPrefix("/") else { return problem("a file:// URI needs an absolute path (file:///folder/model)") }
            return local(path.removingPercentEncoding ?? path)
        }
        if uri.hasPrefix("pvc://") {
            let rest = uri.dropFirst("pvc://".count)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let claim = parts.first, !claim.isEmpty else { return problem("expected pvc://CLAIM/PATH") }
            var subPath = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
            var modelURI = ServingRuntime.modelMount
            if let stateDirectory {
                let claimFolder = stateDirectory.appendingPathComponent("volumes").appendingPathComponent(namespace)
                    .appendingPathComponent(String(claim))
                let target = subPath.isEmpty ? claimFolder : claimFolder.appendingPathComponent(subPath)
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) else {
                    return problem("\(target.path) (kf-local's folder of claim \(claim) in namespace \(namespace)) does not exist")
                }
                if !isFolder.boolValue {
                    modelURI += "/" + target.lastPathComponent
                    subPath = (subPath as NSString).deletingLastPathComponent
                }
            }
            let volume = Value.fields([("name", .string("kserve-provision-location")),
                                       ("persistentVolumeClaim", .fields([("claimName", .string(String(claim))), ("readOnly", .bool(true))]))])
            return .success(ModelStorage(volume: volume, subPath: subPath.isEmpty ? nil : subPath, modelURI: modelURI))
        }
        if let scheme = uri.range(of: "://").map({ String(uri[..<$0.lowerBound]) }) {
            return problem("the \(scheme):// scheme is not available on kf-local (file://, pvc:// and local paths are); "
                + "copy the model into the project, or register it and serve it with kf serve --model NAME@VERSION")
        }
        if uri.hasPrefix("/") { return local(uri) }
        guard let projectRoot else { return problem("a relative path needs the project root; use file:///absolute/path") }
        return local(projectRoot.appendingPathComponent(uri).path)
    }
}
