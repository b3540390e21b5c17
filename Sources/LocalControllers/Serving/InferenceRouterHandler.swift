import NIOCore
import NIOHTTP1
import NIOPosix

/// One client connection to the router: reads each request, lets the router plan it, and answers it, forwarding to
/// a model server over a keep-alive connection this client connection owns (one per model server), on the same
/// event loop. NIO's pipelining handler (`configureHTTPServerPipeline`) hands it one request at a time.
final class InferenceRouterHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: InferenceRouter
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private var active = true
    /// Idle connections to model servers, kept for this client's next requests.
    private var upstreams: [InferenceRouter.Backend: InferenceRouterUpstream] = [:]

    init(router: InferenceRouter) { self.router = router }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(received):
            head = received
            body = nil
            tooLarge = false
            // curl asks before sending a body over 1 KiB; waiting a second for nothing would be its answer.
            if received.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: received.version, status: .continue))), promise: nil)
            }
        case var .body(chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > InferenceRouter.maxBodyBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let request = head else { return }
            head = nil
            let received = body
            body = nil
            if tooLarge {
                respond(context, request, InferenceRouter.Answer(status: 413, body: InferenceRouter.errorBody(
                    "the request body is larger than \(InferenceRouter.maxBodyBytes) bytes"), revision: nil), close: true)
                return
            }
            switch router.plan(method: request.method, uri: request.uri, authority: request.headers.first(name: "host"), body: received) {
            case let .answer(answer): respond(context, request, answer)
            case let .forward(forward): send(context, request, forward, index: 0, fresh: false, lastError: "")
            }
        }
    }

    /// Tries `forward.servers[index]`: over its idle connection unless `fresh`, else over a new one. A reused
    /// connection that fails before any answer (the server closed it while idle) is retried once on a new one; any
    /// other failure moves to the next server, and after the last the answer is 503.
    private func send(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ forward: InferenceRouter.Forward,
                      index: Int, fresh: Bool, lastError: String) {
        guard active else { return }
        guard index < forward.servers.count else {
            respond(context, request, router.unreachable(forward, reason: lastError))
            return
        }
        let server = forward.servers[index]
        if !fresh, let idle = upstreams.removeValue(forKey: server) {
            if idle.isIdle {
                exchange(context, request, forward, index: index, over: idle, reused: true)
                return
            }
            idle.close()
        }
        let connecting = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(InferenceRouter.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(InferenceRouterUpstream())
                }
            }
            .connect(host: server.host, port: server.port)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case let .success(channel):
                guard let upstream = try? channel.pipeline.syncOperations.handler(type: InferenceRouterUpstream.self) else {
                    channel.close(promise: nil)
                    self.send(context, request, forward, index: index + 1, fresh: false, lastError: "\(server): no HTTP handler")
                    return
                }
                self.exchange(context, request, forward, index: index, over: upstream, reused: false)
            case let .failure(error):
                self.send(context, request, forward, index: index + 1, fresh: false, lastError: "\(server): \(error)")
            }
        }
    }

    private func exchange(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ forward: InferenceRouter.Forward,
                          index: Int, over upstream: InferenceRouterUpstream, reused: Bool) {
        let server = forward.servers[index]
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: server.description)
        headers.add(name: "Accept", value: "application/json")
        if let body = forward.body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        let head = HTTPRequestHead(version: .http1_1, method: forward.method, uri: forward.path, headers: headers)
        upstream.send(head, body: forward.body, timeout: InferenceRouter.answerTimeout) { result in
            switch result {
            case let .success(response):
                if self.active, response.keepAlive {
                    self.upstreams[server]?.close()
                    self.upstreams[server] = upstream
                } else {
                    upstream.close()
                }
                self.respond(context, request, self.router.finish(forward, status: response.status, body: response.body))
            case let .failure(failure):
                upstream.close()
                if reused && !failure.answered {
                    self.send(context, request, forward, index: index, fresh: true, lastError: "\(server): \(failure.reason)")
                } else {
                    self.send(context, request, forward, index: index + 1, fresh: false, lastError: "\(server): \(failure.reason)")
                }
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ answer: InferenceRouter.Answer, close: Bool = false) {
        guard active else { return }
        let keepAlive = request.isKeepAlive && !close
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if let revision = answer.revision { headers.add(name: "x-kf-revision", value: revision) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
        buffer.writeBytes(answer.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        for upstream in upstreams.values { upstream.close() }
        upstreams = [:]
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// One connection from the router to a model server: sends a request and hands back its whole answer, or why there
/// was none (`answered` tells whether any of the answer had arrived).
final class InferenceRouterUpstream: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Response {
        var status: Int
        var keepAlive: Bool
        var body: ByteBuffer
    }

    struct Failure: Error {
        var reason: String
        var answered: Bool
    }

    private var context: ChannelHandlerContext?
    private var pending: ((Result<Response, Failure>) -> Void)?
    private var status = 0
    private var keepAlive = true
    private var body: ByteBuffer?
    private var answered = false
    private var timer: Scheduled<Void>?

    /// Whether the connection can take another request.
    var isIdle: Bool { pending == nil && keepAlive && context?.channel.isActive == true }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func send(_ head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount, done: @escaping (Result<Response, Failure>) -> Void) {
        guard let context, context.channel.isActive else {
            done(.failure(Failure(reason: "the connection is closed", answered: false)))
            return
        }
        pending = done
        status = 0
        self.body = nil
        answered = false
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.fail("no answer within \(timeout.nanoseconds / 1_000_000_000) s")
            self?.close()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            answered = true
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
        case var .body(chunk):
            if body == nil { body = chunk } else { body?.writeBuffer(&chunk) }
        case .end:
            timer?.cancel()
            timer = nil
            let done = pending
            pending = nil
            done?(.success(Response(status: status, keepAlive: keepAlive, body: body ?? ByteBuffer())))
            body = nil
        }
    }

    private func fail(_ reason: String) {
        timer?.cancel()
        timer = nil
        keepAlive = false
        let done = pending
        pending = nil
        done?(.failure(Failure(reason: reason, answered: answered)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("the model server closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail("\(error)")
        context.close(promise: nil)
    }

    func close() {
        keepAlive = false
        context?.close(promise: nil)
    }
}
