import Cluster
import Foundation

/// `kf delete`: deletes the objects a source names, in reverse apply order; with `wait`, says what holds up
/// anything still terminating (finalizers, a namespace's remaining content) instead of hanging.
public struct DeleteAction: Sendable {
    public var source: ManifestSource
    public var connection: ClusterConnection
    public var wait: Duration?
    public var propagationPolicy: PropagationPolicy = .background

    public init(source: ManifestSource, connection: ClusterConnection, wait: Duration? = nil) {
        self.source = source
        self.connection = connection
        self.wait = wait
    }

    public func run(warn: @escaping @Sendable (String) -> Void = { _ in }, logger: RequestLogger? = nil,
                    progress: (@Sendable (DeleteResult) -> Void)? = nil) async throws -> [DeleteResult] {
        let objects = try source.objects(warn: warn)
        // Deleting on a stopped kf-local would only start it to delete from it: say so instead.
        let client = try await connection.client(startLocal: false, logger: logger)
        try await client.checkReachable()
        let results = await Applier(client: client).delete(objects, propagationPolicy: propagationPolicy, wait: wait,
                                                           progress: progress)
        let bad = results.filter {
            switch $0.outcome {
            case .deleted, .notFound: return false
            case .stuck, .failed: return true
            }
        }
        if !bad.isEmpty {
            // The server went away while deleting: every later object failed the same way; say it once.
            for result in bad {
                if case let .failed(error) = result.outcome, error.isUnreachable { throw error }
            }
            throw ActionError.deleteFailed(failed: bad.count, total: results.count, details: bad.map { result in
                switch result.outcome {
                case let .stuck(why): return "\(result.reference): still terminating: \(why)"
                case let .failed(error): return "\(result.reference): \(error)"
                default: return "\(result.reference)"
                }
            })
        }
        return results
    }
}
