import CCurl
import Foundation
import Synchronization

/// Runs every transfer of the process on one curl multi handle, on one thread: connections are reused and
/// HTTP/2 streams multiplexed, and any number of requests run at once without a thread each.
///
/// Other threads hand transfers in (and ask for cancellation) through a locked queue and wake the loop with
/// curl_multi_wakeup; only the loop thread touches the multi handle and the easy handles added to it.
final class CurlMulti: @unchecked Sendable {
    static let shared = CurlMulti()

    private struct Queue {
        var additions: [CurlTransfer] = []
        var cancellations: [ObjectIdentifier] = []
    }

    private let multi: UnsafeMutableRawPointer
    private let queue = Mutex(Queue())
    /// Loop thread only.
    private var active: [ObjectIdentifier: CurlTransfer] = [:]

    private init() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let multi = curl_multi_init() else {
            // Only fails when out of memory; nothing sensible can run without it.
            fatalError("curl_multi_init failed: out of memory")
        }
        self.multi = multi
        _ = kf_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = kf_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 32)
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "kf-curl"
        thread.start()
    }

    deinit { curl_multi_cleanup(multi) }

    func add(_ transfer: CurlTransfer) {
        queue.withLock { $0.additions.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        queue.withLock { $0.cancellations.append(ObjectIdentifier(transfer)) }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (additions, cancellations) = queue.withLock { queue in
                defer { queue = Queue() }
                return (queue.additions, queue.cancellations)
            }
            for transfer in additions {
                active[ObjectIdentifier(transfer)] = transfer
                if curl_multi_add_handle(multi, transfer.handle) != CURLM_OK {
                    active[ObjectIdentifier(transfer)] = nil
                    transfer.finish(CURLE_FAILED_INIT)
                }
            }
            for id in cancellations {
                guard let transfer = active.removeValue(forKey: id) else { continue }
                curl_multi_remove_handle(multi, transfer.handle)
                transfer.cancel()
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE else { continue }
                let handle = message.pointee.easy_handle
                let code = kf_curl_msg_result(message)
                guard let entry = active.first(where: { $0.value.handle == handle }) else { continue }
                active[entry.key] = nil
                curl_multi_remove_handle(multi, handle)
                entry.value.finish(code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
