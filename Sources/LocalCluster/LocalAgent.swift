import Foundation

/// Where an agent finds the kf-local it works for.
public struct LocalAgentContext: Sendable {
    /// The project whose kf-local this is.
    public let projectRoot: URL
    /// The project's `.kf/` folder: agents keep their own state beneath it.
    public let stateDirectory: URL
    /// The kubeconfig (mode 0600) that reaches this server with its token and CA, as any client would use it.
    public let kubeconfigPath: String
    /// The server's URL and token.
    public let endpoint: LocalEndpoint
}

/// Something that runs inside the kf-local process beside the API server and talks to it only through the
/// Kubernetes API, as a kubelet or a controller does on a real cluster: the node agent that runs Pods as
/// processes, the controllers for Jobs, Deployments and the Kubeflow kinds.
public protocol LocalAgent: Sendable {
    /// A short name for logs (`kf-local: <name>: ...`).
    var name: String { get }
    /// Runs until the task is cancelled, which happens when kf-local stops; it must then stop what it started
    /// (processes included) before returning. Called once the server listens and its kubeconfig is written.
    func run(_ context: LocalAgentContext) async throws
}

extension LocalCluster {
    /// Runs the agents until cancelled. An agent that fails is reported on stderr and started again after a pause,
    /// so one faulty controller never takes down the API server or its siblings.
    static func runAgents(_ agents: [any LocalAgent], context: LocalAgentContext) async {
        await withTaskGroup(of: Void.self) { group in
            for agent in agents {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await agent.run(context)
                            if Task.isCancelled { return }
                            log("\(agent.name): stopped by itself; starting it again")
                        } catch is CancellationError {
                            return
                        } catch {
                            if Task.isCancelled { return }
                            log("\(agent.name): \(error); starting it again in 1 s")
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
        }
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data("kf-local: \(line)\n".utf8))
    }
}
