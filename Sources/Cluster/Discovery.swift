import Foundation
import Resources

/// A resource the server serves: how a kind maps to a REST path.
public struct APIResource: Sendable, Equatable {
    public let group: String
    public let version: String
    public let kind: String
    /// The plural path segment (e.g. "deployments").
    public let name: String
    public let namespaced: Bool
    public let verbs: [String]

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The collection path, in `namespace` when the resource is namespaced.
    public func path(namespace: String?) -> String {
        let root = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(root)/namespaces/\(Discovery.escape(namespace))/\(name)"
        }
        return "\(root)/\(name)"
    }
}

/// The server's API resources, from aggregated discovery (two requests) or the legacy endpoints, cached in memory
/// and on disk per server like kubectl's ~/.kube/cache/discovery, and fetched again when a kind is unknown.
public actor Discovery {
    private let fetch: @Sendable (String, String) async throws(ClusterError) -> HTTPResponse
    private let cacheFile: String?
    private let timeToLive: TimeInterval
    private var resources: [String: APIResource]?
    private var fetchedFromServer = false

    static let aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// `fetch(path, accept)` performs a GET; `cacheDirectory` nil disables the disk cache.
    init(server: String, cacheDirectory: String?, timeToLive: TimeInterval = 6 * 3600,
         fetch: @escaping @Sendable (String, String) async throws(ClusterError) -> HTTPResponse) {
        self.fetch = fetch
        self.timeToLive = timeToLive
        if let cacheDirectory {
            cacheFile = (cacheDirectory as NSString).appendingPathComponent(Self.hostKey(server) + "/kf-resources.json")
        } else {
            cacheFile = nil
        }
    }

    /// kubectl's cache key: the server's host and port with unsafe characters replaced.
    static func hostKey(_ server: String) -> String {
        let withoutScheme = server.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        return String(withoutScheme.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:"))) ?? segment
    }

    static func key(_ apiVersion: String, _ kind: String) -> String { "\(apiVersion)|\(kind)" }

    /// The resource for a kind, refreshing discovery once when the kind is unknown.
    public func resource(apiVersion: String, kind: String, server: String) async throws(ClusterError) -> APIResource {
        let key = Self.key(apiVersion, kind)
        if resources == nil { try await load() }
        if let found = resources?[key] { return found }
        if !fetchedFromServer {
            try await refresh()
            if let found = resources?[key] { return found }
        }
        throw .unknownKind(apiVersion: apiVersion, kind: kind, server: server)
    }

    /// Every resource served, for listing.
    public func all() async throws(ClusterError) -> [APIResource] {
        if resources == nil { try await load() }
        return resources.map { Array($0.values) } ?? []
    }

    /// Forgets what is cached (memory and disk) so the next lookup asks the server.
    public func invalidate() {
        resources = nil
        fetchedFromServer = false
        if let cacheFile { try? FileManager.default.removeItem(atPath: cacheFile) }
    }

    private func load() async throws(ClusterError) {
        if let cacheFile, let attributes = try? FileManager.default.attributesOfItem(atPath: cacheFile),
           let modified = attributes[.modificationDate] as? Date, Date().timeIntervalSince(modified) < timeToLive,
           let data = FileManager.default.contents(atPath: cacheFile),
           let value = try? ValueJSON.decode([UInt8](data)), let items = value.sequence {
            var table: [String: APIResource] = [:]
            for item in items {
                guard let group = item["group"]?.text, let version = item["version"]?.text, let kind = item["kind"]?.text,
                      let name = item["name"]?.text else { continue }
                let resource = APIResource(group: group, version: version, kind: kind, name: name,
                                           namespaced: item["namespaced"]?.text == "true",
                                           verbs: item["verbs"]?.sequence?.compactMap(\.text) ?? [])
                table[Self.key(resource.apiVersion, kind)] = resource
            }
            if !table.isEmpty {
                resources = table
                return
            }
        }
        try await refresh()
    }

    private func refresh() async throws(ClusterError) {
        var table: [String: APIResource] = [:]
        for resource in try await discover() {
            table[Self.key(resource.apiVersion, resource.kind)] = resource
        }
        resources = table
        fetchedFromServer = true
        save(table)
    }

    private func save(_ table: [String: APIResource]) {
        guard let cacheFile else { return }
        let items = table.keys.sorted().compactMap { table[$0] }.map { resource in
            Value.mapping(Mapping([("group", .string(resource.group)), ("version", .string(resource.version)),
                                   ("kind", .string(resource.kind)), ("name", .string(resource.name)),
                                   ("namespaced", .bool(resource.namespaced)),
                                   ("verbs", .sequence(resource.verbs.map(Value.string)))]))
        }
        let folder = (cacheFile as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = cacheFile + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        if FileManager.default.createFile(atPath: temporary, contents: Data(ValueJSON.encodeBytes(.sequence(items)))) {
            _ = try? FileManager.default.replaceItemAt(URL(fileURLWithPath: cacheFile),
                                                       withItemAt: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: temporary) {
                try? FileManager.default.moveItem(atPath: temporary, toPath: cacheFile)
            }
        }
    }

    private func json(_ path: String, accept: String = "application/json") async throws(ClusterError) -> Value {
        let response = try await fetch(path, accept)
        guard (200..<300).contains(response.status) else {
            throw .api(method: "GET", url: path, status: APIStatus(httpCode: response.status, body: response.body), hint: nil)
        }
        do {
            return try ValueJSON.decode(response.body)
        } catch {
            throw .badResponse(method: "GET", url: path, reason: "\(error)")
        }
    }

    private func discover() async throws(ClusterError) -> [APIResource] {
        let core = try await json("/api", accept: Self.aggregatedAccept)
        let groups = try await json("/apis", accept: Self.aggregatedAccept)
        if core["kind"]?.text == "APIGroupDiscoveryList", groups["kind"]?.text == "APIGroupDiscoveryList" {
            return Self.aggregated(core) + Self.aggregated(groups)
        }
        // Legacy discovery: one request per group version.
        var paths: [String] = []
        for version in core["versions"]?.sequence ?? [] {
            if let text = version.text { paths.append("/api/\(text)") }
        }
        for group in groups["groups"]?.sequence ?? [] {
            for version in group["versions"]?.sequence ?? [] {
                if let groupVersion = version["groupVersion"]?.text { paths.append("/apis/\(groupVersion)") }
            }
        }
        var out: [APIResource] = []
        for path in paths {
            let list: Value
            do {
                list = try await json(path)
            } catch {
                // An unavailable aggregated API (e.g. metrics) must not break discovery of the others.
                if case let .api(_, _, status, _) = error, status.code == 503 || status.code == 404 { continue }
                throw error
            }
            let groupVersion = list["groupVersion"]?.text ?? ""
            let parts = groupVersion.split(separator: "/", maxSplits: 1).map(String.init)
            let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts.first ?? "")
            for item in list["resources"]?.sequence ?? [] {
                guard let name = item["name"]?.text, !name.contains("/"), let kind = item["kind"]?.text else { continue }
                out.append(APIResource(group: group, version: version, kind: kind, name: name,
                                       namespaced: item["namespaced"]?.text == "true",
                                       verbs: item["verbs"]?.sequence?.compactMap(\.text) ?? []))
            }
        }
        return out
    }

    static func aggregated(_ list: Value) -> [APIResource] {
        var out: [APIResource] = []
        for group in list["items"]?.sequence ?? [] {
            let groupName = group["metadata"]?["name"]?.text ?? ""
            for version in group["versions"]?.sequence ?? [] {
                guard let versionName = version["version"]?.text else { continue }
                for item in version["resources"]?.sequence ?? [] {
                    guard let name = item["resource"]?.text, let kind = item["responseKind"]?["kind"]?.text else { continue }
                    out.append(APIResource(group: groupName, version: versionName, kind: kind, name: name,
                                           namespaced: item["scope"]?.text == "Namespaced",
                                           verbs: item["verbs"]?.sequence?.compactMap(\.text) ?? []))
                }
            }
        }
        return out
    }
}
