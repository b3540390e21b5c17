import Foundation
import Resources
import Synchronization

/// When and how often a failed request is tried again.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest Retry-After honoured; a longer one ends the retries.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5),
                maxRetryAfter: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// Full jitter: a random delay up to base * 2^(attempt-1), capped.
    func backoff(attempt: Int, random: Double) -> Duration {
        let ceiling = min(Double(maxDelay.components.seconds) + Double(maxDelay.components.attoseconds) / 1e18,
                          (Double(baseDelay.components.seconds) + Double(baseDelay.components.attoseconds) / 1e18)
                              * pow(2, Double(attempt - 1)))
        return .milliseconds(Int(ceiling * (0.5 + random / 2) * 1000))
    }
}

/// One line of verbose output: a request and how it ended. Never holds a credential.
public struct RequestLogEntry: Sendable, CustomStringConvertible {
    public let method: String
    public let url: String
    /// The HTTP status, or nil when the transport failed.
    public let status: Int?
    public let duration: Duration
    public let attempt: Int
    /// The transport error, or the reason for a retry.
    public let note: String?
    /// Request headers with credentials redacted.
    public let headers: [(String, String)]
    /// The request body with Secret data redacted (nil when none).
    public let body: String?

    public var description: String {
        let millis = CurlTransfer.milliseconds(duration)
        var text = "\(method) \(url) " + (status.map(String.init) ?? "failed") + " in \(millis) ms"
        if attempt > 1 { text += " (attempt \(attempt))" }
        if let note { text += ": \(note)" }
        return text
    }
}

/// Receives a RequestLogEntry per attempt (kf's -v prints them).
public typealias RequestLogger = @Sendable (RequestLogEntry) -> Void

/// HTTP over libcurl for one cluster: TLS and proxy from the kubeconfig, credentials on every request, retries
/// with backoff and jitter for what is safe to repeat, and a log line per attempt.
public final class Transport: Sendable {
    let options: ConnectionOptions
    let authenticator: Authenticator
    public let retry: RetryPolicy
    let logger: RequestLogger?
    private let random: Mutex<SplitMix64>

    /// `reuseConnectionsForWrites`: requests that are not safe to repeat (POST, PATCH) go over pooled connections
    /// too instead of a new connection (and TLS handshake) each. Off by default, since curl silently sends a request
    /// again when a reused connection dies before the answer; for a client in the same process as its server
    /// (kf-local's controllers and node agent), a connection dies only with both, and a write costs no handshake.
    public init(config: ClusterConfig, retry: RetryPolicy = RetryPolicy(), connectTimeout: Duration = .seconds(10),
                logger: RequestLogger? = nil, seed: UInt64? = nil, reuseConnectionsForWrites: Bool = false) {
        var options = ConnectionOptions()
        options.reuseForUnsafeRequests = reuseConnectionsForWrites
        options.tls = config.tls
        options.proxyURL = config.proxyURL
        options.connectTimeout = connectTimeout
        options.acceptCompressed = !config.disableCompression
        self.options = options
        self.authenticator = Authenticator(config: config)
        self.retry = retry
        self.logger = logger
        self.random = Mutex(SplitMix64(seed: seed ?? UInt64.random(in: 1...UInt64.max)))
    }

    /// Sends a request, retrying what is safe to retry, and returns the final response (any status).
    public func send(_ request: HTTPRequest) async throws(ClusterError) -> HTTPResponse {
        var attempt = 0
        var refreshedCredentials = false
        while true {
            attempt += 1
            let started = ContinuousClock.now
            let prepared = try await authenticator.prepare(request, base: options)
            let outcome = await perform(prepared.request, options: prepared.options, onData: nil).outcome
            let elapsed = ContinuousClock.now - started
            switch outcome {
            case let .completed(response):
                var delay: Duration?
                var note: String?
                if response.status == 401, !refreshedCredentials, await authenticator.refreshAfterUnauthorized() {
                    refreshedCredentials = true
                    delay = .zero
                    note = "credentials rejected; asking the exec plugin again"
                } else if attempt < retry.maxAttempts, let wait = retryDelay(for: response, request: request, attempt: attempt) {
                    delay = wait
                    note = "retrying in \(wait)"
                }
                log(prepared.request, status: response.status, elapsed: elapsed, attempt: attempt, note: note)
                guard let delay else { return response }
                if delay > .zero { try? await Task.sleep(for: delay) }
            case let .failed(_, kind, message):
                let retryable = kind == .couldNotConnect || (request.idempotent && [.connectionReset, .timedOut].contains(kind))
                let canRetry = retryable && attempt < retry.maxAttempts
                let wait = canRetry ? backoff(attempt) : nil
                log(prepared.request, status: nil, elapsed: elapsed, attempt: attempt,
                    note: "\(kind.rawValue): \(message)" + (wait.map { "; retrying in \($0)" } ?? ""))
                guard let wait else {
                    throw .transport(method: request.method, url: request.url, kind: kind, message: message,
                                     attempts: attempt)
                }
                try? await Task.sleep(for: wait)
            case .cancelled:
                throw .transport(method: request.method, url: request.url, kind: .other, message: "cancelled",
                                 attempts: attempt)
            }
        }
    }

    /// The delay before retrying a response, or nil when it must not be retried.
    func retryDelay(for response: HTTPResponse, request: HTTPRequest, attempt: Int) -> Duration? {
        switch response.status {
        case 429:
            // The server refused before doing anything: safe for every method.
            return retryAfter(response) ?? backoff(attempt)
        case 500, 502, 503, 504:
            guard request.idempotent else { return nil }
            return retryAfter(response) ?? backoff(attempt)
        default:
            return nil
        }
    }

    private func retryAfter(_ response: HTTPResponse) -> Duration? {
        guard let text = response.headers["retry-after"], let seconds = Int(text.trimmingCharacters(in: .whitespaces)),
              seconds >= 0 else { return nil }
        let wait = Duration.seconds(seconds)
        return wait <= retry.maxRetryAfter ? wait : nil
    }

    private func backoff(_ attempt: Int) -> Duration {
        let value = random.withLock { $0.nextDouble() }
        return retry.backoff(attempt: attempt, random: value)
    }

    private func log(_ request: HTTPRequest, status: Int?, elapsed: Duration, attempt: Int, note: String?) {
        guard let logger else { return }
        logger(RequestLogEntry(method: request.method, url: Redaction.url(request.url), status: status,
                               duration: elapsed, attempt: attempt, note: note,
                               headers: Redaction.headers(request.headers),
                               body: request.body.map { Redaction.body($0) }))
    }

    /// A stream's handle: its status and headers arrive with the first bytes; cancel() ends it.
    final class StreamHandle: Sendable {
        let transfer: CurlTransfer?
        init(transfer: CurlTransfer?) { self.transfer = transfer }
        func cancel() { if let transfer { CurlMulti.shared.cancel(transfer) } }
    }

    /// Opens a streaming request (watch, follow logs): body chunks of a 2xx answer go to `onData` as they
    /// arrive; the result is the final outcome (a non-2xx answer's body is in the response).
    func stream(_ request: HTTPRequest, onData: @escaping @Sendable ([UInt8]) -> Void,
                started: @Sendable (StreamHandle) -> Void = { _ in }) async throws(ClusterError) -> HTTPResponse {
        let begun = ContinuousClock.now
        let prepared = try await authenticator.prepare(request, base: options)
        let (outcome, _) = await perform(prepared.request, options: prepared.options, onData: onData, started: started)
        switch outcome {
        case let .completed(response):
            log(prepared.request, status: response.status, elapsed: ContinuousClock.now - begun, attempt: 1, note: nil)
            return response
        case let .failed(_, kind, message):
            log(prepared.request, status: nil, elapsed: ContinuousClock.now - begun, attempt: 1,
                note: "\(kind.rawValue): \(message)")
            throw .transport(method: request.method, url: request.url, kind: kind, message: message, attempts: 1)
        case .cancelled:
            throw .transport(method: request.method, url: request.url, kind: .other, message: "cancelled", attempts: 1)
        }
    }

    private func perform(_ request: HTTPRequest, options: ConnectionOptions, onData: (@Sendable ([UInt8]) -> Void)?,
                         started: @Sendable (StreamHandle) -> Void = { _ in }) async -> (outcome: TransferOutcome, Void) {
        let box = Mutex<CurlTransfer?>(nil)
        let outcome: TransferOutcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TransferOutcome, Never>) in
                guard let transfer = CurlTransfer(request, options: options, onData: onData,
                                                  completion: { continuation.resume(returning: $0) }) else {
                    continuation.resume(returning: .failed(code: 2, kind: .other, message: "curl_easy_init failed"))
                    return
                }
                box.withLock { $0 = transfer }
                started(StreamHandle(transfer: transfer))
                CurlMulti.shared.add(transfer)
            }
        } onCancel: {
            if let transfer = box.withLock({ $0 }) { CurlMulti.shared.cancel(transfer) }
        }
        return (outcome, ())
    }
}

