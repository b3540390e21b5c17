import Foundation

/// What an MPIJob's launcher reads on kf-local, where the operator mounts a ConfigMap at /etc/mpi: a hostfile of
/// the Workers' addresses (`ADDRESS slots=N`) and the rsh agent `mpirun` starts remote daemons with. Every Pod of
/// kf-local runs on this machine, so the agent runs the remote command here, with the Worker's address in
/// `KF_MPI_HOST` (the operator's kubexec.sh runs it in the Worker's container through `kubectl exec`).
/// Both live under the state directory: `training/<namespace>/<job>/`.
struct MPIFiles: Sendable {
    let directory: URL
    var hostfile: URL { directory.appendingPathComponent("hostfile") }
    var rshAgent: URL { directory.appendingPathComponent("rsh-agent.sh") }

    init(stateDirectory: URL, job: NamespacedName) {
        directory = stateDirectory.appendingPathComponent("training")
            .appendingPathComponent(job.namespace.isEmpty ? "default" : job.namespace)
            .appendingPathComponent(job.name)
    }

    static func hostfileText(workers: [String], slots: Int) -> String {
        workers.map { "\($0) slots=\(slots)\n" }.joined()
    }

    /// mpirun calls the agent as `AGENT [ssh options] HOST COMMAND...`: options before the host are skipped.
    static let rshAgentText = """
        #!/bin/sh
        # kf-local rsh agent for MPIJob launchers: every Pod runs on this machine, so the "remote" command runs here.
        while [ $# -gt 0 ]; do
          case "$1" in
            -p|-l|-i|-o|-F) shift 2 ;;
            -*) shift ;;
            *) break ;;
          esac
        done
        KF_MPI_HOST="$1"
        export KF_MPI_HOST
        shift
        exec /bin/sh -c "$*"

        """

    /// Writes both files (the agent executable); an error names the file.
    func write(workers: [String], slots: Int) throws(ControllerError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(MPIFiles.hostfileText(workers: workers, slots: slots).utf8).write(to: hostfile, options: .atomic)
            try Data(MPIFiles.rshAgentText.utf8).write(to: rshAgent, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: rshAgent.path)
        } catch {
            throw .stateFile(path: directory.path, reason: error.localizedDescription)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
