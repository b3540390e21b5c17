import Foundation

/// Adds a cluster's credentials and impersonation headers to each request, and the exec plugin's client
/// certificate to the connection options.
final class Authenticator: Sendable {
    let config: ClusterConfig
    let plugin: ExecCredentialPlugin?

    init(config: ClusterConfig) {
        self.config = config
        if case let .exec(configuration) = config.credentials {
            plugin = ExecCredentialPlugin(configuration)
        } else {
            plugin = nil
        }
    }

    struct Prepared: Sendable {
        var request: HTTPRequest
        var options: ConnectionOptions
    }

    func prepare(_ request: HTTPRequest, base options: ConnectionOptions) async throws(ClusterError) -> Prepared {
        var request = request
        var options = options
        switch config.credentials {
        case .none: break
        case let .token(token): request.headers.append(("Authorization", "Bearer " + token))
        case let .tokenFile(path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .credentialFileUnreadable(config.userLocation ?? KubeconfigLocation(file: path), field: "tokenFile",
                                                path: path, reason: "cannot be read")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            request.headers.append(("Authorization", "Bearer " + token))
        case let .basic(username, password):
            request.headers.append(("Authorization", "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()))
        case .exec:
            guard let plugin else { break }
            let credential = try await plugin.credential()
            if let token = credential.token { request.headers.append(("Authorization", "Bearer " + token)) }
            if let cert = credential.clientCertificateData, let key = credential.clientKeyData {
                options.tls.clientCertificateData = cert
                options.tls.clientKeyData = key
            }
        }
        let impersonation = config.impersonation
        if let user = impersonation.user { request.headers.append(("Impersonate-User", user)) }
        if let uid = impersonation.uid { request.headers.append(("Impersonate-Uid", uid)) }
        for group in impersonation.groups { request.headers.append(("Impersonate-Group", group)) }
        for key in impersonation.extra.keys.sorted() {
            let escaped = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
                ?? key
            for value in impersonation.extra[key] ?? [] { request.headers.append(("Impersonate-Extra-" + escaped, value)) }
        }
        return Prepared(request: request, options: options)
    }

    /// After a 401: forget an exec plugin's cached credential so the next attempt asks again. True when that
    /// can help (there is a plugin).
    func refreshAfterUnauthorized() async -> Bool {
        guard let plugin else { return false }
        await plugin.invalidate()
        return true
    }

    /// Advice for a 401 answer, naming the user entry.
    var unauthorizedHint: String {
        let whereText = config.userLocation.map { " (\($0))" } ?? ""
        switch config.credentials {
        case .token, .tokenFile:
            return "the token of user \"\(config.userName)\"\(whereText) was rejected: it has probably expired or "
                + "been revoked; get a new one and update the kubeconfig"
        case .exec:
            return "the credential from the exec plugin of user \"\(config.userName)\"\(whereText) was rejected "
                + "even after asking the plugin again; log in again with the plugin"
        case .basic:
            return "the username and password of user \"\(config.userName)\"\(whereText) were rejected"
        case .none:
            return config.tls.clientCertificateData != nil
                ? "the client certificate of user \"\(config.userName)\"\(whereText) was rejected: it may have expired"
                : "the context \"\(config.contextName)\" has no credentials; add a token, certificate or exec plugin"
        }
    }
}
