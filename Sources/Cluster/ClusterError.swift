import Foundation
import Resources

/// Where in a kubeconfig something was found: the file, the entry ("users[alice]") and the line when known.
public struct KubeconfigLocation: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let entry: String?
    public let line: Int?

    public init(file: String, entry: String? = nil, line: Int? = nil) {
        self.file = file
        self.entry = entry
        self.line = line
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let entry { text += " (\(entry))" }
        return text
    }
}

/// Everything that can go wrong talking to a cluster. Each message says what failed, where, and what to do.
public enum ClusterError: Error, Sendable, CustomStringConvertible {
    /// A kubeconfig file could not be read (an explicitly named one that is missing, or unreadable).
    case kubeconfigUnreadable(file: String, reason: String)
    /// A kubeconfig field has the wrong form.
    case kubeconfigInvalid(KubeconfigLocation, field: String, expected: String)
    /// No current context and none chosen.
    case noCurrentContext(files: [String])
    /// No kubeconfig at all and not inside a cluster.
    case noConfiguration(searched: [String])
    /// A context, cluster or user named somewhere does not exist.
    case missingEntry(kind: String, name: String, referencedBy: String, files: [String], available: [String])
    /// A cluster entry has no usable server URL.
    case invalidServer(KubeconfigLocation, server: String)
    /// A file a kubeconfig field points at (certificate, key, token file) could not be read.
    case credentialFileUnreadable(KubeconfigLocation, field: String, path: String, reason: String)
    /// An exec credential plugin failed.
    case execPlugin(command: String, user: String, reason: String)
    /// The kubeconfig asks for something kf does not support (e.g. an auth-provider).
    case unsupported(KubeconfigLocation, field: String, hint: String)
    /// In-cluster configuration was incomplete.
    case inCluster(reason: String)
    /// The request could not be carried out (connection, TLS, timeout, reset).
    case transport(method: String, url: String, kind: TransportFailure, message: String, attempts: Int)
    /// The server answered with an error status.
    case api(method: String, url: String, status: APIStatus, hint: String?)
    /// The server's answer was not what the API promises.
    case badResponse(method: String, url: String, reason: String)
    /// A kind the server does not serve.
    case unknownKind(apiVersion: String, kind: String, server: String)
    /// A resource without the fields an operation needs (kind, apiVersion, metadata.name).
    case invalidObject(reason: String)
    /// A watch's resourceVersion is too old and the caller asked not to relist.
    case watchExpired(resource: String, resourceVersion: String)

    public var description: String {
        switch self {
        case let .kubeconfigUnreadable(file, reason):
            return "cannot read kubeconfig \(file): \(reason); check --kubeconfig and KUBECONFIG"
        case let .kubeconfigInvalid(location, field, expected):
            return "kubeconfig \(location): field \(field): expected \(expected)"
        case let .noCurrentContext(files):
            return "no current-context is set in \(Self.list(files)); pass --context NAME or run "
                + "`kubectl config use-context NAME`"
        case let .noConfiguration(searched):
            return "no kubeconfig found (looked at \(Self.list(searched))) and not running inside a cluster; "
                + "pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
        case let .missingEntry(kind, name, referencedBy, files, available):
            let choices = available.isEmpty ? "there are none" : "available: " + available.joined(separator: ", ")
            return "\(kind) \"\(name)\" (named by \(referencedBy)) is not in \(Self.list(files)); \(choices)"
        case let .invalidServer(location, server):
            return "kubeconfig \(location): server \"\(server)\" is not a URL; expected https://HOST[:PORT][/PATH]"
        case let .credentialFileUnreadable(location, field, path, reason):
            return "kubeconfig \(location): \(field) \(path) cannot be read: \(reason)"
        case let .execPlugin(command, user, reason):
            return "exec credential plugin \(command) for user \"\(user)\" failed: \(reason)"
        case let .unsupported(location, field, hint):
            return "kubeconfig \(location): \(field) is not supported by kf; \(hint)"
        case let .inCluster(reason):
            return "in-cluster configuration: \(reason)"
        case let .transport(method, url, kind, message, attempts):
            let tries = attempts > 1 ? " after \(attempts) attempts" : ""
            return "\(method) \(url) failed\(tries): \(kind.rawValue): \(message)" + (kind == .tls ? Self.tlsAdvice(message) : "")
        case let .api(method, url, status, hint):
            var text = "\(method) \(url): \(status.code) \(status.reason.isEmpty ? "error" : status.reason): \(status.message)"
            for cause in status.causes {
                text += "\n  " + [cause.field, cause.message].filter { !$0.isEmpty }.joined(separator: ": ")
            }
            if let hint { text += "\n" + hint }
            return text
        case let .badResponse(method, url, reason):
            return "\(method) \(url): unexpected answer from the server: \(reason)"
        case let .unknownKind(apiVersion, kind, server):
            return "the server \(server) does not serve kind \(kind) in \(apiVersion); is its CRD installed?"
        case let .invalidObject(reason):
            return "invalid object: \(reason)"
        case let .watchExpired(resource, resourceVersion):
            return "watch of \(resource) from resourceVersion \(resourceVersion) expired (410 Gone); list again"
        }
    }

    /// What to do about a TLS failure, from curl's message: an untrusted certificate needs the cluster's CA in the
    /// kubeconfig; a certificate for another name needs the right server URL (or tls-server-name).
    static func tlsAdvice(_ message: String) -> String {
        let text = message.lowercased()
        if text.contains("subject name") || text.contains("does not match") || text.contains("no alternative certificate") {
            return "\nthe server's certificate does not name the host of the server URL: check the cluster entry's server in the kubeconfig,"
                + " or set tls-server-name to a name the certificate holds"
        }
        if text.contains("certificate") || text.contains("issuer") || text.contains("self-signed") || text.contains("self signed") {
            return "\nthe server's certificate is not signed by a CA this kubeconfig trusts: add the CA that signed it to the cluster entry"
                + " as certificate-authority (a PEM file) or certificate-authority-data (base64 of the PEM); for kf-local use .kf/kubeconfig"
                + " or `kf local kubeconfig`, which carry it. insecure-skip-tls-verify: true in the cluster entry skips the check"
                + " (kf has no flag for it); it is not advised"
        }
        return "\ncheck the cluster entry's certificate-authority(-data) and the user's client-certificate and client-key in the kubeconfig"
    }

    /// Whether the failure is about reaching the server at all (so every other request to it fails the same way).
    public var isUnreachable: Bool {
        guard case let .transport(_, _, kind, _, _) = self else { return false }
        return [.couldNotConnect, .couldNotResolve, .tls, .proxy, .timedOut].contains(kind)
    }

    /// The server's Status when the error came from the API.
    public var status: APIStatus? {
        if case let .api(_, _, status, _) = self { return status }
        return nil
    }

    private static func list(_ files: [String]) -> String {
        files.isEmpty ? "the kubeconfig" : files.joined(separator: ", ")
    }
}

/// What kind of transport failure ended a request.
public enum TransportFailure: String, Sendable, Equatable {
    case couldNotConnect = "could not connect"
    case couldNotResolve = "could not resolve host"
    case timedOut = "timed out"
    case connectionReset = "connection reset"
    case tls = "TLS error"
    case proxy = "proxy error"
    case other = "error"
}

/// The server's metav1.Status, as carried by every API error.
public struct APIStatus: Sendable, Equatable {
    public struct Cause: Sendable, Equatable {
        public let reason: String
        public let message: String
        public let field: String
    }

    public let code: Int
    public let reason: String
    public let message: String
    public let causes: [Cause]
    /// The object the status is about (details.name / details.kind), when the server said.
    public let name: String?
    public let kind: String?
    /// details.retryAfterSeconds, when the server said.
    public let retryAfterSeconds: Int?

    public init(code: Int, reason: String, message: String, causes: [Cause] = [], name: String? = nil,
                kind: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = causes
        self.name = name
        self.kind = kind
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Reads a Status from a response body, or makes one from the HTTP code when the body is not a Status.
    public init(httpCode: Int, body: [UInt8]) {
        if let value = try? ValueJSON.decode(body), value["kind"]?.text == "Status" {
            let details = value["details"]
            let causes = details?["causes"]?.sequence?.map {
                Cause(reason: $0["reason"]?.text ?? "", message: $0["message"]?.text ?? "", field: $0["field"]?.text ?? "")
            } ?? []
            self.init(code: Int(value["code"]?.text ?? "") ?? httpCode,
                      reason: value["reason"]?.text ?? "", message: value["message"]?.text ?? "", causes: causes,
                      name: details?["name"]?.text, kind: details?["kind"]?.text,
                      retryAfterSeconds: details?["retryAfterSeconds"]?.text.flatMap { Int($0) })
        } else {
            let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(code: httpCode, reason: APIStatus.reason(forHTTPCode: httpCode),
                      message: text.isEmpty ? "the server returned HTTP \(httpCode)" : text)
        }
    }

    static func reason(forHTTPCode code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return ""
        }
    }

    public var isNotFound: Bool { code == 404 }
    public var isConflict: Bool { code == 409 }
    public var isGone: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
}
