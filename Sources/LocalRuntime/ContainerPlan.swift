import Cluster
import Foundation
import Project
import Resources

/// Reads ConfigMaps and Secrets through the API for one Pod start, each at most once.
final class ObjectLookup: @unchecked Sendable {
    let client: ClusterClient
    private var cache: [String: Value?] = [:]
    private let lock = NSLock()

    init(client: ClusterClient) { self.client = client }

    func get(kind: String, namespace: String, name: String) async throws(RuntimeError) -> Value? {
        let key = "\(kind)/\(namespace)/\(name)"
        if let cached = lock.withLock({ cache[key] }) { return cached }
        let object: Value?
        do {
            object = try await client.get(ObjectReference(apiVersion: "v1", kind: kind, name: name, namespace: namespace))
        } catch {
            throw .configMissing("cannot read \(kind.lowercased()) \"\(name)\": \(error)")
        }
        lock.withLock { cache[key] = object }
        return object
    }

    /// A ConfigMap's data and binaryData, or a Secret's data (base64-decoded) and stringData, by key.
    static func data(of object: Value, kind: String) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        if kind == "Secret" {
            for (key, value) in object["data"]?.mapping?.pairs ?? Mapping().pairs {
                if let text = value.text, let data = Data(base64Encoded: text) { result[key] = [UInt8](data) }
            }
            for (key, value) in object["stringData"]?.mapping?.pairs ?? Mapping().pairs { result[key] = Array((value.text ?? "").utf8) }
        } else {
            for (key, value) in object["data"]?.mapping?.pairs ?? Mapping().pairs { result[key] = Array((value.text ?? "").utf8) }
            for (key, value) in object["binaryData"]?.mapping?.pairs ?? Mapping().pairs {
                if let text = value.text, let data = Data(base64Encoded: text) { result[key] = [UInt8](data) }
            }
        }
        return result
    }
}

/// The downward API's fields of a Pod.
enum PodFields {
    static func value(_ field: String, pod: Value) -> String? {
        func labelKey(_ prefix: String) -> String? {
            guard field.hasPrefix(prefix + "['"), field.hasSuffix("']") else { return nil }
            return String(field.dropFirst(prefix.count + 2).dropLast(2))
        }
        if let key = labelKey("metadata.labels") { return pod[path: ["metadata", "labels", key]]?.text ?? "" }
        if let key = labelKey("metadata.annotations") { return pod[path: ["metadata", "annotations", key]]?.text ?? "" }
        switch field {
        case "metadata.name": return pod[path: ["metadata", "name"]]?.text
        case "metadata.namespace": return pod[path: ["metadata", "namespace"]]?.text ?? "default"
        case "metadata.uid": return pod[path: ["metadata", "uid"]]?.text
        case "spec.nodeName": return pod[path: ["spec", "nodeName"]]?.text
        case "spec.serviceAccountName": return pod[path: ["spec", "serviceAccountName"]]?.text ?? "default"
        case "status.hostIP", "status.hostIPs": return "127.0.0.1"
        case "status.podIP", "status.podIPs": return pod[path: ["status", "podIP"]]?.text
        default: return nil
        }
    }

    /// A resourceFieldRef (limits.cpu, requests.memory...) divided by its divisor; a missing limit is the node's.
    static func resource(_ reference: Value, pod: Value, container: String?, node: NodeCapacity = .machine) -> String? {
        guard let resource = reference["resource"]?.text else { return nil }
        let containers = pod[path: ["spec", "containers"]]?.sequence ?? []
        let target = containers.first { $0["name"]?.text == container } ?? containers.first
        let parts = resource.split(separator: ".")
        guard parts.count == 2 else { return nil }
        let isCPU = parts[1] == "cpu"
        var amount: Double?
        if let text = target?[path: ["resources", String(parts[0]), String(parts[1])]]?.text { amount = Quantity.parse(text) }
        if amount == nil, parts[0] == "requests", let text = target?[path: ["resources", "limits", String(parts[1])]]?.text {
            amount = Quantity.parse(text)
        }
        if amount == nil {
            if parts[0] == "requests" { amount = 0 } else { amount = isCPU ? Double(node.millicores) / 1000 : Double(node.memoryBytes) }
        }
        let divisor = reference["divisor"]?.text.flatMap(Quantity.parse) ?? 1
        let value = (amount ?? 0) / (divisor > 0 ? divisor : 1)
        return String(Int(value.rounded(.up)))
    }
}

/// What the machine offers to Pods.
public struct NodeCapacity: Sendable, Equatable {
    public var millicores: Int
    public var memoryBytes: Int

    public init(millicores: Int, memoryBytes: Int) {
        self.millicores = millicores
        self.memoryBytes = memoryBytes
    }

    /// This machine's cores and memory (/proc/meminfo on Linux).
    public static var machine: NodeCapacity {
        var memory = Int(ProcessInfo.processInfo.physicalMemory)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") {
            memory = kilobytes * 1024
        }
        return NodeCapacity(millicores: ProcessInfo.processInfo.activeProcessorCount * 1000, memoryBytes: memory)
    }
}

/// How one container runs here: the resolved program, arguments, environment and working directory.
struct ContainerPlan {
    var executable: String
    var arguments: [String]
    var environment: [String]
    var directory: String
    /// Declared port -> the port the process is told to use (differs when the declared one is taken).
    var ports: [Int: Int]

    /// Builds the plan; throws what the container's status reports (CreateContainerConfigError and the like).
    static func make(container: Value, pod: Value, image: ImageMapping, projectRoot: URL, kubeconfig: String,
                     toolsFolder: String? = nil, podIP: String, translation: PathTranslation, lookup: ObjectLookup,
                     node: NodeCapacity) async throws(RuntimeError) -> ContainerPlan {
        let name = container["name"]?.text ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.text ?? "default"
        let host = ProcessInfo.processInfo.environment
        var env = EnvironmentList()

        // The base: the machine's PATH (the mapping's venv first, then kf-local's own `kf`) and identity, then
        // what a kubelet gives.
        var path = host["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        if let toolsFolder { path = toolsFolder + ":" + path }
        if let venv = image.venv {
            let folder = venv.hasPrefix("/") ? venv : projectRoot.appendingPathComponent(venv).path
            path = folder + "/bin:" + path
            env.set("VIRTUAL_ENV", folder)
        }
        env.set("PATH", path)
        for key in ["HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE"] {
            if let value = host[key] { env.set(key, value) }
        }
        env.set("HOSTNAME", pod[path: ["metadata", "name"]]?.text ?? "")
        env.set("KUBECONFIG", kubeconfig)
        env.set("KF_POD_IP", podIP)
        env.set("POD_IP", podIP)
        env.set("KF_POD_NAMESPACE", namespace)
        env.set("KF_NODE_NAME", "kf-local")
        if !translation.mounts.isEmpty { env.set("KF_MOUNTS", translation.exported) }
        // Thread-count hints from the CPU limit (else the request), as containers see their cgroup's quota.
        let cpu = container[path: ["resources", "limits", "cpu"]]?.text ?? container[path: ["resources", "requests", "cpu"]]?.text
        if let cpu, let millicores = Quantity.millicores(cpu), millicores > 0 {
            let threads = String(max(1, (millicores + 999) / 1000))
            for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                        "VECLIB_MAXIMUM_THREADS", "RAYON_NUM_THREADS", "GOMAXPROCS"] {
                env.set(key, threads)
            }
        }
        // Ports: the declared one when free on the Pod's address, else a free one; exported either way.
        var ports: [Int: Int] = [:]
        for port in container["ports"]?.sequence ?? [] {
            guard let number = port["containerPort"]?.text.flatMap({ Int($0) }) else { continue }
            let actual = Sockets.isFree(port: number, host: podIP) ? number : (Sockets.freePort(host: podIP) ?? number)
            ports[number] = actual
            let label = (port["name"]?.text ?? String(number)).uppercased().replacingOccurrences(of: "-", with: "_")
            env.set("KF_PORT_\(label)", String(actual))
        }

        // envFrom, then env (later entries win), as the kubelet orders them.
        for source in container["envFrom"]?.sequence ?? [] {
            let prefix = source["prefix"]?.text ?? ""
            for (kind, key) in [("ConfigMap", "configMapRef"), ("Secret", "secretRef")] {
                guard let reference = source[key] else { continue }
                let objectName = reference["name"]?.text ?? ""
                guard let object = try await lookup.get(kind: kind, namespace: namespace, name: objectName) else {
                    if reference["optional"]?.text == "true" { continue }
                    throw .configMissing("\(kind.lowercased()) \"\(objectName)\" not found")
                }
                for (dataKey, bytes) in ObjectLookup.data(of: object, kind: kind).sorted(by: { $0.key < $1.key }) {
                    env.set(prefix + dataKey, String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        var defined: [String: String] = [:]
        for (key, value) in env.pairs { defined[key] = value }
        for variable in container["env"]?.sequence ?? [] {
            guard let key = variable["name"]?.text else { continue }
            var value: String?
            if let literal = variable["value"]?.text {
                value = Self.expand(literal, defined)
            } else if let source = variable["valueFrom"] {
                if let field = source[path: ["fieldRef", "fieldPath"]]?.text {
                    var withIP = pod
                    if var mapping = pod.mapping {
                        var status = pod["status"]?.mapping ?? Mapping()
                        status["podIP"] = .string(podIP)
                        mapping["status"] = .mapping(status)
                        withIP = .mapping(mapping)
                    }
                    guard let found = PodFields.value(field, pod: withIP) else {
                        throw .configMissing("env \(key): unsupported fieldRef \(field)")
                    }
                    value = found
                } else if let reference = source["resourceFieldRef"] {
                    value = PodFields.resource(reference, pod: pod, container: reference["containerName"]?.text ?? name, node: node)
                } else {
                    for (kind, refKey) in [("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")] {
                        guard let reference = source[refKey] else { continue }
                        let objectName = reference["name"]?.text ?? ""
                        let dataKey = reference["key"]?.text ?? ""
                        let optional = reference["optional"]?.text == "true"
                        guard let object = try await lookup.get(kind: kind, namespace: namespace, name: objectName) else {
                            if optional { break }
                            throw .configMissing("\(kind.lowercased()) \"\(objectName)\" not found")
                        }
                        guard let bytes = ObjectLookup.data(of: object, kind: kind)[dataKey] else {
                            if optional { break }
                            throw .configMissing("couldn't find key \(dataKey) in \(kind) \(namespace)/\(objectName)")
                        }
                        value = String(decoding: bytes, as: UTF8.self)
                    }
                }
            }
            guard let value else { continue }
            let translated = translation.translate(value)
            env.set(key, translated)
            defined[key] = translated
        }

        // command/args against the image's entrypoint/cmd (Kubernetes' rules).
        let command = container["command"]?.sequence?.compactMap(\.text)
        let args = container["args"]?.sequence?.compactMap(\.text)
        var argv: [String]
        switch (command, args) {
        case let (command?, args): argv = command + (args ?? [])
        case let (nil, args?): argv = (image.entrypoint ?? []) + args
        case (nil, nil): argv = (image.entrypoint ?? []) + (image.cmd ?? [])
        }
        argv = argv.map { translation.translate(Self.expand($0, defined)) }
        guard let program = argv.first else {
            throw .noCommand(container: name, image: container["image"]?.text ?? "")
        }
        var directory = projectRoot.path
        if let working = container["workingDir"]?.text, !working.isEmpty {
            directory = translation.translate(working)
        } else if let working = image.workingDir {
            directory = working.hasPrefix("/") ? working : projectRoot.appendingPathComponent(working).path
        }
        if !FileManager.default.fileExists(atPath: directory) { try PodVolumes.makeFolder(URL(fileURLWithPath: directory)) }
        guard let executable = Spawner.resolve(program, path: path, directory: directory) else {
            throw .commandNotFound(command: program, path: path)
        }
        return ContainerPlan(executable: executable, arguments: Array(argv.dropFirst()),
                             environment: env.pairs.map { "\($0.0)=\($0.1)" }, directory: directory, ports: ports)
    }

    /// Kubernetes' `$(VAR)` expansion: defined variables are replaced, `$$` is a literal `$`, anything else stays.
    static func expand(_ text: String, _ variables: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "$", next < text.endIndex {
                if text[next] == "$" {
                    result.append("$")
                    index = text.index(after: next)
                    continue
                }
                if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                    let name = String(text[text.index(after: next)..<close])
                    if let value = variables[name] {
                        result += value
                        index = text.index(after: close)
                        continue
                    }
                }
            }
            result.append(character)
            index = next
        }
        return result
    }
}

/// Environment variables in order of first definition, a later value replacing an earlier one.
struct EnvironmentList {
    private(set) var pairs: [(String, String)] = []
    private var index: [String: Int] = [:]

    mutating func set(_ key: String, _ value: String) {
        if let at = index[key] {
            pairs[at].1 = value
        } else {
            index[key] = pairs.count
            pairs.append((key, value))
        }
    }
}
