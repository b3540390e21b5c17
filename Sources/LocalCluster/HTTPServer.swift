import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The request context: Hummingbird's core storage and the connection, whose TLS handler knows the client's
/// verified certificate.
struct ConnectionRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// kf-local's HTTP listener (Hummingbird, HTTP/1.1, 127.0.0.1 only) in front of an `APIServer`.
public final class HTTPServer: Sendable {
    public let api: APIServer
    public let host: String
    public let port: Int
    /// The CA that signed the server certificate (PEM), when serving HTTPS.
    public let caPEM: String?
    /// The admin client certificate the same CA signed, when serving HTTPS.
    public let clientCertificate: ClientCertificate?
    private let task: Task<Void, Error>
    private let group: ServiceGroup

    private init(api: APIServer, host: String, port: Int, caPEM: String?, clientCertificate: ClientCertificate?,
                 task: Task<Void, Error>, group: ServiceGroup) {
        self.api = api
        self.host = host
        self.port = port
        self.caPEM = caPEM
        self.clientCertificate = clientCertificate
        self.task = task
        self.group = group
    }

    /// Starts listening on `host`:`port` (0 picks a free port) and returns once the socket is bound. With
    /// `certificateDirectory` it serves HTTPS with kf-local's CA and server certificate kept there (created on
    /// first use), and accepts client certificates that CA signed in place of the bearer token; without, plain HTTP
    /// (kubectl then sends no bearer token, so only tests of other clients use it).
    public static func start(api: APIServer, host: String = "127.0.0.1", port: Int = 0, certificateDirectory: URL?) async throws -> HTTPServer {
        var builder: HTTPServerBuilder = .http1()
        var caPEM: String?
        var clientCertificate: ClientCertificate?
        if let certificateDirectory {
            let certificates = try ServerCertificates.load(orCreateIn: certificateDirectory)
            builder = try .tls(.http1(), tlsConfiguration: try certificates.tlsConfiguration())
            caPEM = certificates.caPEM
            clientCertificate = certificates.client
        }
        let (bound, boundContinuation) = AsyncThrowingStream<Int, Error>.makeStream()
        let limit = api.maxBodyBytes
        let tls = caPEM != nil
        let responder = CallbackResponder<ConnectionRequestContext> { request, context in
            var body: [UInt8] = []
            var total = 0
            for try await buffer in request.body {
                total += buffer.readableBytes
                if total <= limit + 1 { body.append(contentsOf: buffer.readableBytesView) }
            }
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                if let existing = headers[name] { headers[name] = existing + "," + field.value } else { headers[name] = field.value }
            }
            var apiRequest = APIRequest(method: request.method.rawValue, path: request.uri.path, rawQuery: request.uri.query,
                                        headers: headers, body: total > limit ? Array(repeating: 0, count: limit + 1) : body)
            // A request without a bearer token may come over a connection whose client certificate the TLS
            // handshake verified against kf-local's CA (a certificate from another CA never gets this far).
            if tls, headers["authorization"] == nil,
               let certificate = try? await context.channel.nioSSL_peerCertificate().get() {
                apiRequest.clientUser = ServerCertificates.userName(of: certificate) ?? "unnamed client certificate"
            }
            let answer = await api.handle(apiRequest)
            var fields = HTTPFields()
            for (name, value) in answer.headers where name.lowercased() != "transfer-encoding" {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            fields.append(HTTPField(name: .cacheControl, value: "no-cache, private"))
            let status = HTTPResponse.Status(code: answer.status)
            switch answer.body {
            case let .bytes(bytes):
                return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: request.method == .head ? [] : bytes)))
            case let .stream(stream):
                return Response(status: status, headers: fields, body: ResponseBody { writer in
                    for await chunk in stream {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                })
            }
        }
        var logger = Logger(label: "kf-local")
        logger.logLevel = .error
        let application = Application(
            responder: responder,
            server: builder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
        // Stopping goes through the service group's graceful shutdown: cancelling the server task while
        // connections wait to be accepted trips an assertion in NIO.
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await group.run()
                boundContinuation.finish()
            } catch {
                boundContinuation.finish(throwing: error)
                throw error
            }
        }
        do {
            for try await actual in bound {
                return HTTPServer(api: api, host: host, port: actual, caPEM: caPEM, clientCertificate: clientCertificate,
                                  task: task, group: group)
            }
        } catch {
            throw LocalClusterError.cannotBind(address: "\(host):\(port)", detail: Self.bindFailure(error))
        }
        throw LocalClusterError.cannotBind(address: "\(host):\(port)", detail: "the server stopped before it was listening")
    }

    /// Why listening failed: for a system call, its error as strerror says it (NIO's own description of an
    /// IOError carries a stray parenthesis and the name of its internal call).
    static func bindFailure(_ error: any Error) -> String {
        guard let io = error as? IOError else { return String(describing: error) }
        return String(cString: strerror(io.errnoCode)) + " (errno \(io.errnoCode))"
    }

    public var url: String { (caPEM == nil ? "http://" : "https://") + "\(host):\(port)" }

    /// Ends watches, stops listening and waits for the server to finish.
    public func stop() async {
        api.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Runs until the server stops (or the calling task is cancelled).
    public func wait() async {
        _ = try? await task.value
    }
}
