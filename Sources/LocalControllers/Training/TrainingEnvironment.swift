import Foundation
import Resources

/// The environment contract of each framework, as the operator's `setPodEnv`/`SetClusterSpec` write it
/// (pkg/controller.v1/<framework>/envvar.go, tensorflow.go, xgboost.go), with one change for kf-local: where the
/// operator names a replica's Service (`job-master-0`), the replica's local address stands instead.
struct TrainingEnvironment {
    let kind: TrainingKind
    let job: NamespacedName
    let spec: Value
    let replicas: [ReplicaSpec]
    /// Addresses by `LocalAddresses.replicaKey`.
    let addresses: [String: String]
    /// MPIJob: the launcher's hostfile and rsh agent.
    let mpiFiles: MPIFiles?

    struct Variables {
        var pairs: [(String, String)]
        /// Only the kind's own container gets them (TFJob's TF_CONFIG); otherwise every container.
        var onlyDefaultContainer = false
    }

    private func address(_ type: String, _ index: Int) -> String {
        addresses[LocalAddresses.replicaKey(type, index)] ?? kind.replicaName(job: job.name, type: type, index: index)
    }

    private func replica(_ type: String) -> ReplicaSpec? { replicas.first { $0.type == type } }

    private var totalReplicas: Int { replicas.reduce(0) { $0 + $1.replicas } }

    /// What a replica's containers get.
    func variables(type: String, index: Int) -> Variables {
        switch kind.kind {
        case "PyTorchJob": return pyTorch(type: type, index: index)
        case "TFJob": return tensorFlow(type: type, index: index)
        case "XGBoostJob": return xgBoost(type: type, index: index)
        case "JAXJob": return jax(index: index)
        case "PaddleJob": return paddle(type: type, index: index)
        default: return mpi(type: type)
        }
    }

    private func pyTorch(type: String, index: Int) -> Variables {
        var pairs = [("PYTHONUNBUFFERED", "1")]
        let nprocText = spec.field("nprocPerNode")
        let nproc = nprocText.flatMap(Int.init) ?? 1
        if let master = replica("Master") {
            let port = String(master.port(kind))
            let address = address("Master", 0)
            pairs += [("MASTER_PORT", port), ("PET_MASTER_PORT", port), ("MASTER_ADDR", address), ("PET_MASTER_ADDR", address)]
            let rank = type == "Worker" ? index + 1 : index
            pairs += [("WORLD_SIZE", String(totalReplicas * nproc)), ("RANK", String(rank)), ("PET_NODE_RANK", String(rank))]
        }
        if let nprocText { pairs.append(("PET_NPROC_PER_NODE", nprocText)) }
        if let elastic = spec["elasticPolicy"], elastic.mapping != nil {
            pairs += pyTorchElastic(elastic)
        } else {
            pairs.append(("PET_NNODES", String(totalReplicas)))
        }
        return Variables(pairs: pairs)
    }

    /// elastic.go: the rendezvous endpoint (worker 0 unless rdzvHost), backend, nnodes as min:max, the rest.
    private func pyTorchElastic(_ elastic: Value) -> [(String, String)] {
        var pairs: [(String, String)] = []
        let host = elastic.field("rdzvHost") ?? address("Worker", 0)
        let port = elastic.integer("rdzvPort") ?? replica("Worker")?.port(kind) ?? kind.defaultPort
        pairs.append(("PET_RDZV_ENDPOINT", "\(host):\(port)"))
        pairs.append(("PET_RDZV_BACKEND", elastic.field("rdzvBackend") ?? "c10d"))
        if let minimum = elastic.integer("minReplicas"), let maximum = elastic.integer("maxReplicas") {
            pairs.append(("PET_NNODES", "\(minimum):\(maximum)"))
        } else if elastic.integer("minReplicas") == nil && elastic.integer("maxReplicas") == nil {
            pairs.append(("PET_NNODES", String(replica("Worker")?.replicas ?? 0)))
        } else {
            let only = elastic.integer("minReplicas") ?? elastic.integer("maxReplicas") ?? 0
            pairs.append(("PET_NNODES", "\(elastic.integer("minReplicas") ?? only):\(elastic.integer("maxReplicas") ?? only)"))
        }
        if let restarts = elastic.integer("maxRestarts") { pairs.append(("PET_MAX_RESTARTS", String(restarts))) }
        if let nproc = elastic.integer("nProcPerNode") { pairs.append(("PET_NPROC_PER_NODE", String(nproc))) }
        if let id = elastic.field("rdzvId") { pairs.append(("PET_RDZV_ID", id)) }
        let conf = (elastic["rdzvConf"]?.sequence ?? []).compactMap { item -> String? in
            guard let key = item.field("key") else { return nil }
            return "\(key)=\(item.field("value") ?? "")"
        }
        if !conf.isEmpty { pairs.append(("PET_RDZV_CONF", conf.joined(separator: ","))) }
        if elastic.flag("standalone") == true { pairs.append(("PET_STANDALONE", "")) }
        return pairs
    }

    /// TF_CONFIG when the job is distributed (more than one replica in all): the cluster by replica type (lower
    /// case, keys sorted as Go's encoder writes a map), the task, environment "cloud"; enableDynamicWorker gives
    /// the sparse form (this task's entry and the PS list).
    private func tensorFlow(type: String, index: Int) -> Variables {
        guard totalReplicas != 1 else { return Variables(pairs: [], onlyDefaultContainer: true) }
        var cluster: [(String, [String])] = []
        for replica in replicas.sorted(by: { $0.type.lowercased() < $1.type.lowercased() }) {
            let port = replica.port(kind)
            cluster.append((replica.type.lowercased(), (0..<replica.replicas).map { "\(address(replica.type, $0)):\(port)" }))
        }
        func quoted(_ text: String) -> String {
            var bytes: [UInt8] = []
            JSONEmitter.quote(text, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ",") + "]" }
        let task = "{\"type\":\(quoted(type.lowercased())),\"index\":\(index)}"
        let json: String
        if spec.flag("enableDynamicWorker") == true {
            let ps = cluster.first { $0.0 == "ps" }?.1 ?? []
            var worker = "{}"
            var sparsePS = "[]"
            if type == "PS" {
                sparsePS = list(index < ps.count ? [ps[index]] : [])
            } else if type == "Worker" {
                sparsePS = list(ps)
                let workers = cluster.first { $0.0 == "worker" }?.1 ?? []
                if index < workers.count { worker = "{\(quoted(String(index))):\(quoted(workers[index]))}" }
            }
            json = "{\"cluster\":{\"worker\":\(worker),\"ps\":\(sparsePS)},\"task\":\(task)}"
        } else {
            let body = cluster.map { "\(quoted($0.0)):\(list($0.1))" }.joined(separator: ",")
            json = "{\"cluster\":{\(body)},\"task\":\(task),\"environment\":\"cloud\"}"
        }
        return Variables(pairs: [("TF_CONFIG", json)], onlyDefaultContainer: true)
    }

    private func xgBoost(type: String, index: Int) -> Variables {
        let masters = replica("Master")?.replicas ?? 0
        let rank = type == "Worker" ? index + masters : index
        var pairs = [("MASTER_PORT", String(replica("Master")?.port(kind) ?? kind.defaultPort)),
                     ("MASTER_ADDR", address("Master", 0)),
                     ("WORLD_SIZE", String(totalReplicas)), ("RANK", String(rank)), ("PYTHONUNBUFFERED", "1")]
        if totalReplicas > 1 {
            pairs.append(("WORKER_PORT", String(replica("Worker")?.port(kind) ?? kind.defaultPort)))
            pairs.append(("WORKER_ADDRS", (0..<(totalReplicas - 1)).map { address("Worker", $0) }.joined(separator: ",")))
        }
        return Variables(pairs: pairs)
    }

    private func jax(index: Int) -> Variables {
        Variables(pairs: [("PYTHONUNBUFFERED", "1"),
                          ("COORDINATOR_PORT", String(replica("Worker")?.port(kind) ?? kind.defaultPort)),
                          ("COORDINATOR_ADDRESS", address("Worker", 0)),
                          ("NUM_PROCESSES", String(totalReplicas)), ("PROCESS_ID", String(index))])
    }

    /// Paddle: the master endpoint is the Master's (else worker 0's) address and port (the operator gives rank 0
    /// its own Pod IP through the downward API: on kf-local that is the same requested address); with a Master,
    /// the Master gets PADDLE_SERVER_NUM=1 and the Workers PADDLE_TRAINER_NUM=1, as the operator writes them.
    private func paddle(type: String, index: Int) -> Variables {
        var pairs = [("PYTHONUNBUFFERED", "1"), ("PADDLE_JOB_ID", job.name), ("PADDLE_NNODES", String(totalReplicas))]
        if let master = replica("Master") {
            pairs.append(("PADDLE_MASTER", "\(address("Master", 0)):\(master.port(kind))"))
            pairs.append(type == "Master" ? ("PADDLE_SERVER_NUM", "1") : ("PADDLE_TRAINER_NUM", "1"))
        } else {
            let port = replica("Worker")?.port(kind) ?? kind.defaultPort
            pairs.append(("PADDLE_MASTER", "\(address("Worker", 0)):\(port)"))
        }
        return Variables(pairs: pairs)
    }

    /// MPI: the launcher finds its Workers through the hostfile and reaches them through the rsh agent. OpenMPI's
    /// hwloc topology in shared memory is turned off (`rtc_hwloc_vmhole=none`): mapped at a fixed address of
    /// mpirun's own, it made mpirun crash in `hwloc_shmem_topology_write` about one run in three here, and every
    /// "node" of kf-local is this machine anyway.
    private func mpi(type: String) -> Variables {
        guard type == "Launcher", let mpiFiles else { return Variables(pairs: []) }
        return Variables(pairs: [("OMPI_MCA_plm_rsh_agent", mpiFiles.rshAgent.path),
                                 ("OMPI_MCA_orte_default_hostfile", mpiFiles.hostfile.path),
                                 ("OMPI_MCA_orte_keep_fqdn_hostnames", "true"),
                                 ("OMPI_MCA_rtc_hwloc_vmhole", "none"),
                                 ("OMPI_ALLOW_RUN_AS_ROOT", "1"), ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
                                 ("I_MPI_HYDRA_BOOTSTRAP", "rsh"), ("I_MPI_HYDRA_BOOTSTRAP_EXEC", mpiFiles.rshAgent.path)])
    }

    /// `pod` with the variables appended to its containers' env (a variable the template sets is left alone, as
    /// the API server would keep the first of two).
    func applying(_ variables: Variables, to pod: Value) -> Value {
        guard !variables.pairs.isEmpty, let containers = pod[path: ["spec", "containers"]]?.sequence else { return pod }
        let defaultIndex = containers.firstIndex { $0.field("name") == kind.containerName } ?? 0
        var updated: [Value] = []
        for (position, container) in containers.enumerated() {
            if variables.onlyDefaultContainer && position != defaultIndex {
                updated.append(container)
                continue
            }
            var env = container["env"]?.sequence ?? []
            let existing = Set(env.compactMap { $0.field("name") })
            for (name, value) in variables.pairs where !existing.contains(name) {
                env.append(.fields([("name", .string(name)), ("value", .string(value))]))
            }
            updated.append(container.setting(["env"], to: .sequence(env)))
        }
        return pod.setting(["spec", "containers"], to: .sequence(updated))
    }
}
