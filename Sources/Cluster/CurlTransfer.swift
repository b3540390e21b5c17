import CCurl
import Foundation

/// One HTTP request as libcurl carries it: everything except authentication, which the client adds.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Whether repeating the request cannot change the outcome (GET, PUT, DELETE, server-side apply...).
    public var idempotent: Bool
    /// The whole request's time limit; nil for streams (watch, follow logs), which end when the server ends them.
    public var timeout: Duration?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                idempotent: Bool? = nil, timeout: Duration? = .seconds(60)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method)
        self.timeout = timeout
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased; the last value of a repeated header.
    public var headers: [String: String]
    public var body: [UInt8]
    /// "1.1" or "2".
    public var httpVersion: String
}

/// TLS, proxy and timeout settings of a connection (from ClusterConfig), applied to each easy handle.
struct ConnectionOptions: Sendable {
    var tls = ClusterConfig.TLS()
    var proxyURL: String?
    var connectTimeout: Duration = .seconds(10)
    var acceptCompressed = true
    /// Requests that are not safe to repeat reuse pooled connections too (see `Transport.init`).
    var reuseForUnsafeRequests = false
}

/// What ended a transfer.
enum TransferOutcome: Sendable {
    case completed(HTTPResponse)
    case failed(code: Int, kind: TransportFailure, message: String)
    case cancelled
}

/// Owns one curl easy handle and everything curl points into (header list, error buffer, callback context);
/// frees them in deinit. Used only by the multi loop's thread once added.
final class CurlTransfer: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var status = 0
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    /// For streams: chunks of a 2xx body go here instead of `body`.
    private let onData: (@Sendable ([UInt8]) -> Void)?
    private let completion: @Sendable (TransferOutcome) -> Void
    private var finished = false

    init?(_ request: HTTPRequest, options: ConnectionOptions, onData: (@Sendable ([UInt8]) -> Void)?,
          completion: @escaping @Sendable (TransferOutcome) -> Void) {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.onData = onData
        self.completion = completion
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(request, options)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
        errorBuffer.deallocate()
    }

    private func set(_ option: CURLoption, _ value: Int) { _ = kf_curl_easy_setopt_long(handle, option, value) }
    private func set(_ option: CURLoption, _ value: String) { _ = kf_curl_easy_setopt_string(handle, option, value) }
    private func set(_ option: CURLoption, blob: [UInt8]) {
        _ = blob.withUnsafeBytes { kf_curl_easy_setopt_blob(handle, option, $0.baseAddress, $0.count) }
    }

    private func configure(_ request: HTTPRequest, _ options: ConnectionOptions) {
        var url = request.url
        var headers = request.headers
        // tls-server-name: name the server in the URL (SNI and certificate check) and connect to the real host.
        if let serverName = options.tls.serverName, var components = URLComponents(string: url),
           let host = components.host, components.scheme == "https" {
            let port = components.port ?? 443
            components.host = serverName
            if let rewritten = components.string {
                url = rewritten
                resolveList = curl_slist_append(resolveList, "\(serverName):\(port):\(host):\(port)")
                _ = kf_curl_easy_setopt_slist(handle, CURLOPT_CONNECT_TO, resolveList)
                headers.append(("Host", components.port != nil ? "\(host):\(port)" : host))
            }
        }
        set(CURLOPT_URL, url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        if let timeout = request.timeout { set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout)) }
        if options.acceptCompressed { set(CURLOPT_ACCEPT_ENCODING, "") }
        set(CURLOPT_TCP_KEEPALIVE, 1)
        // curl silently re-sends a request whose reused connection died before the answer; that is only safe
        // when repeating the request is, so other requests get a connection of their own.
        if !request.idempotent && !options.reuseForUnsafeRequests { set(CURLOPT_FRESH_CONNECT, 1) }
        _ = kf_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)

        // TLS: verification on unless the kubeconfig says insecure-skip-tls-verify.
        if options.tls.insecureSkipVerify {
            set(CURLOPT_SSL_VERIFYPEER, 0)
            set(CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            set(CURLOPT_SSL_VERIFYPEER, 1)
            set(CURLOPT_SSL_VERIFYHOST, 2)
            if let ca = options.tls.certificateAuthorityData { set(CURLOPT_CAINFO_BLOB, blob: ca) }
        }
        if let cert = options.tls.clientCertificateData, let key = options.tls.clientKeyData {
            set(CURLOPT_SSLCERTTYPE, "PEM")
            set(CURLOPT_SSLCERT_BLOB, blob: cert)
            set(CURLOPT_SSLKEYTYPE, "PEM")
            set(CURLOPT_SSLKEY_BLOB, blob: key)
        }
        if let proxy = options.proxyURL { set(CURLOPT_PROXY, proxy) }

        // Method and body. COPYPOSTFIELDS copies the body, so nothing here must outlive the call.
        switch request.method {
        case "GET": set(CURLOPT_HTTPGET, 1)
        case "HEAD": set(CURLOPT_NOBODY, 1)
        default: set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            _ = kf_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, Int64(body.count))
            body.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    _ = kf_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS,
                                                    UnsafeMutableRawPointer(mutating: chars.baseAddress ?? UnsafePointer(errorBuffer)))
                }
            }
            if request.method == "GET" { set(CURLOPT_CUSTOMREQUEST, "GET") }
        }
        headers.append(("Expect", ""))
        for (name, value) in headers {
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        _ = kf_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        // Callbacks find this object through an unretained pointer; the multi loop holds it while curl runs.
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = kf_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = kf_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = kf_curl_easy_setopt_write_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            transfer.received(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        _ = kf_curl_easy_setopt_header_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            transfer.receivedHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
    }

    private func receivedHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new response (after a 100 Continue or a proxy's CONNECT): start over.
            headers = [:]
            let parts = line.split(separator: " ")
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        if let onData, (200..<300).contains(status) {
            onData([UInt8](bytes))
        } else {
            body.append(contentsOf: bytes)
        }
    }

    /// Called by the multi loop when curl is done with the transfer.
    func finish(_ code: CURLcode) {
        guard !finished else { return }
        finished = true
        if code == CURLE_OK {
            var responseCode = 0
            _ = kf_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
            var version = 0
            _ = kf_curl_easy_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
            let versionText = version == CURL_HTTP_VERSION_2_0 ? "2" : "1.1"
            completion(.completed(HTTPResponse(status: responseCode == 0 ? status : responseCode, headers: headers,
                                               body: body, httpVersion: versionText)))
            return
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        completion(.failed(code: Int(code.rawValue), kind: Self.kind(of: code), message: message))
    }

    func cancel() {
        guard !finished else { return }
        finished = true
        completion(.cancelled)
    }

    /// A duration in whole milliseconds for curl: at least 1, at most a day (no overflow on absurd values).
    static func milliseconds(_ duration: Duration) -> Int {
        let seconds = min(max(duration.components.seconds, 0), 86_400)
        return max(1, Int(seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000))
    }

    static func kind(of code: CURLcode) -> TransportFailure {
        switch code {
        case CURLE_COULDNT_CONNECT: return .couldNotConnect
        case CURLE_COULDNT_RESOLVE_HOST: return .couldNotResolve
        case CURLE_OPERATION_TIMEDOUT: return .timedOut
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
             CURLE_HTTP2_STREAM:
            return .connectionReset
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_COULDNT_RESOLVE_PROXY: return .proxy
        default: return .other
        }
    }
}
