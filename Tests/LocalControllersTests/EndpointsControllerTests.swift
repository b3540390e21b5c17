import Cluster
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LocalControllers
import Resources
import Testing

/// Endpoints, EndpointSlices and the Service proxy against a real kf-local and a fake kubelet.
@Suite(.serialized)
struct EndpointsControllerTests {
    static let pods = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web-a, labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: web-b, labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: other, labels: {app: other}}
    spec: {containers: [{name: c, image: nginx}]}
    """

    @Test func readinessGatesAnAddressAndSlicesFollow() async throws {
        try await withControllers { harness in
            try await harness.create(Self.pods)
            try await harness.create("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, labels: {tier: front}}
            spec:
              selector: {app: web}
              ports: [{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090, targetPort: 9090}]
            """)
            // No Pod has an address yet: Endpoints with no subsets, and one empty slice.
            #expect(try await eventually { try await harness.get("v1", "Endpoints", "web") != nil })
            #expect(try await harness.get("v1", "Endpoints", "web")?["subsets"] == nil)
            let pods = try await harness.list("v1", "Pod")
            let a = try #require(pods.first { $0.field("metadata", "name") == "web-a" })
            let b = try #require(pods.first { $0.field("metadata", "name") == "web-b" })
            try await harness.kubelet.run(a, ready: true)
            try await harness.kubelet.run(b, ready: false)
            try await harness.kubelet.run(try #require(pods.first { $0.field("metadata", "name") == "other" }), ready: true)
            #expect(try await eventually {
                let subsets = try await harness.get("v1", "Endpoints", "web")?["subsets"]?.sequence ?? []
                return subsets.count == 1 && subsets[0]["addresses"]?.sequence?.count == 1 && subsets[0]["notReadyAddresses"]?.sequence?.count == 1
            })
            let endpoints = try #require(try await harness.get("v1", "Endpoints", "web"))
            let subset = try #require(endpoints["subsets"]?.sequence?.first)
            let readyAddress = try #require(subset["addresses"]?.sequence?.first)
            let aIP = try #require(try await harness.get("v1", "Pod", "web-a")?.field("status", "podIP"))
            #expect(readyAddress.field("ip") == aIP)
            #expect(readyAddress.field("targetRef", "name") == "web-a" && readyAddress.field("targetRef", "kind") == "Pod")
            let ports = subset["ports"]?.sequence ?? []
            #expect(ports.contains { $0.field("name") == "http" && $0.integer("port") == 8080 && $0.field("protocol") == "TCP" })
            #expect(ports.contains { $0.field("name") == "metrics" && $0.integer("port") == 9090 })
            #expect(endpoints.field("metadata", "labels", "tier") == "front")
            if let output = try await harness.kubectl("get", "endpoints", "web") {
                #expect(output.ok, "\(output.stderr)")
                #expect(output.stdout.contains("web") && output.stdout.contains("\(aIP):8080"), "\(output.stdout)")
            }
            // The slice says the same, with conditions per endpoint and an owner reference to the Service. The
            // controller writes the slices after the Endpoints, so wait for them too rather than read them once.
            let slices = Box<[Value]>([])
            #expect(try await eventually {
                slices.value = try await harness.list("discovery.k8s.io/v1", "EndpointSlice", selector: "kubernetes.io/service-name=web")
                return slices.value.count == 1 && slices.value[0]["endpoints"]?.sequence?.count == 2
            }, "slices: \(slices.value.map { JSON.string($0) })")
            let slice = try #require(slices.value.first)
            #expect(slice.field("addressType") == "IPv4")
            #expect(slice.field("metadata", "labels", "endpointslice.kubernetes.io/managed-by") == "endpointslice-controller.k8s.io")
            #expect(OwnerReferences.controllerOf(slice)?.field("kind") == "Service")
            let entries = slice["endpoints"]?.sequence ?? []
            #expect(entries.count == 2)
            #expect(entries.contains { $0["addresses"]?.sequence?.first?.text == aIP && $0.flag("conditions", "ready") == true })
            #expect(entries.contains { $0.field("targetRef", "name") == "web-b" && $0.flag("conditions", "ready") == false })

            // Readiness turns b into an address.
            try await harness.kubelet.run(try #require(try await harness.get("v1", "Pod", "web-b")), ready: true)
            #expect(try await eventually {
                let subsets = try await harness.get("v1", "Endpoints", "web")?["subsets"]?.sequence ?? []
                return subsets.first?["addresses"]?.sequence?.count == 2 && subsets.first?["notReadyAddresses"] == nil
            })
            // A finished Pod leaves.
            try await harness.kubelet.finish(try #require(try await harness.get("v1", "Pod", "web-a")), exitCode: 0)
            #expect(try await eventually {
                let addresses = try await harness.get("v1", "Endpoints", "web")?["subsets"]?.sequence?.first?["addresses"]?.sequence ?? []
                return addresses.count == 1 && addresses.first?.field("targetRef", "name") == "web-b"
            })
            #expect(try await eventually {
                let slices = try await harness.list("discovery.k8s.io/v1", "EndpointSlice", selector: "kubernetes.io/service-name=web")
                return slices.count == 1 && slices.first?["endpoints"]?.sequence?.count == 1
            })
            // Deleting the Service removes its Endpoints and slices.
            _ = try await harness.client.delete(ObjectReference(apiVersion: "v1", kind: "Service", name: "web", namespace: "default"))
            #expect(try await eventually { try await harness.get("v1", "Endpoints", "web") == nil })
            #expect(try await eventually {
                try await harness.list("discovery.k8s.io/v1", "EndpointSlice", selector: "kubernetes.io/service-name=web").isEmpty
            })
        }
    }

    @Test func headlessServicesListPodHostnames() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create("""
            apiVersion: v1
            kind: Service
            metadata: {name: workers}
            spec: {clusterIP: None, selector: {role: worker}, ports: [{port: 2222}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: worker-0, labels: {role: worker}}
            spec: {hostname: worker-0, subdomain: workers, containers: [{name: c, image: python}]}
            """)
            #expect(try await eventually {
                let address = try await harness.get("v1", "Endpoints", "workers")?["subsets"]?.sequence?.first?["addresses"]?.sequence?.first
                return address?.field("hostname") == "worker-0"
            })
            let endpoints = try #require(try await harness.get("v1", "Endpoints", "workers"))
            #expect(endpoints[path: ["metadata", "labels"]]?["service.kubernetes.io/headless"] != nil)
            #expect(endpoints["subsets"]?.sequence?.first?["ports"]?.sequence?.first?.integer("port") == 2222)
        }
    }

    @Test func aServiceWithoutSelectorKeepsItsOwnEndpoints() async throws {
        try await withControllers { harness in
            try await harness.create("""
            apiVersion: v1
            kind: Service
            metadata: {name: external}
            spec: {ports: [{port: 5432}]}
            ---
            apiVersion: v1
            kind: Endpoints
            metadata: {name: external}
            subsets: [{addresses: [{ip: 10.0.0.9}], ports: [{port: 5432}]}]
            """)
            try await Task.sleep(for: .milliseconds(500))
            let endpoints = try #require(try await harness.get("v1", "Endpoints", "external"))
            #expect(endpoints["subsets"]?.sequence?.first?["addresses"]?.sequence?.first?.field("ip") == "10.0.0.9")
            #expect(try await harness.get("v1", "Service", "external")?.field("metadata", "annotations", ServiceProxy.addressAnnotation) == nil)
        }
    }

    @Test func theServiceProxyForwardsToAReadyEndpoint() async throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        try await withControllers { harness in
            harness.kubelet.address = { _ in "127.0.0.1" }
            harness.kubelet.autoStart()
            try await harness.create("""
            apiVersion: v1
            kind: Pod
            metadata: {name: server, labels: {app: echo}}
            spec: {containers: [{name: c, image: python, ports: [{name: tcp, containerPort: \(echo.port)}]}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo}
            spec: {selector: {app: echo}, ports: [{name: tcp, port: 80, targetPort: tcp}]}
            """)
            let address = Box<String?>(nil)
            #expect(try await eventually {
                address.value = try await harness.get("v1", "Service", "echo")?.field("metadata", "annotations", ServiceProxy.addressAnnotation)
                return address.value != nil
            })
            let local = try #require(address.value)
            #expect(local.hasPrefix("127.0.0.1:"))
            let ports = try await harness.get("v1", "Service", "echo")?.field("metadata", "annotations", ServiceProxy.portsAnnotation)
            #expect(ports == "80=\(local)")
            let port = try #require(Int(local.dropFirst("127.0.0.1:".count)))
            #expect(try await eventually {
                (try await harness.get("v1", "Endpoints", "echo")?["subsets"]?.sequence?.first?["addresses"]) != nil
            })
            // The proxy picks from its own cache of Endpoints, which may trail the server by more than the second it
            // waits for an endpoint on a loaded machine: try again until the echo comes back.
            let reply = Box("")
            #expect(try await eventually(10) {
                reply.value = (try? await Task.detached { try EchoServer.roundTrip(port: port, message: "hello through kf-local\n") }.value) ?? "(refused)"
                return reply.value == "hello through kf-local\n"
            }, "last reply: \(reply.value.debugDescription)")
            // Without a ready endpoint, a connection is closed (after a second of waiting for one).
            try await harness.kubelet.run(try #require(try await harness.get("v1", "Pod", "server")), ready: false)
            #expect(try await eventually {
                (try await harness.get("v1", "Endpoints", "echo")?["subsets"]?.sequence?.first?["addresses"]) == nil
            })
            // (The proxy reads its own cache of Endpoints, which may trail the server by a moment.)
            #expect(try await eventually(10) {
                try await Task.detached { try EchoServer.roundTrip(port: port, message: "x\n") }.value == ""
            })
            // Deleting the Service closes its port.
            _ = try await harness.client.delete(ObjectReference(apiVersion: "v1", kind: "Service", name: "echo", namespace: "default"))
            #expect(try await eventually { !EchoServer.canConnect(port: port) })
        }
    }
}

extension EndpointsControllerTests {
    @Test func theProxyTakesTheServicePortOnlyWhenPodsListenOnAnother() async throws {
        // A port outside the kernel's ephemeral range: one from bind(0) could be taken by any outgoing connection
        // between this check and the proxy's bind, and the proxy would then (rightly) take another.
        let free = try EchoServer.quietPort()
        try await withControllers { harness in
            try await harness.create("""
            apiVersion: v1
            kind: Service
            metadata: {name: distinct}
            spec: {selector: {app: a}, ports: [{port: \(free), targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: same}
            spec: {selector: {app: b}, ports: [{port: 8080, targetPort: 8080}, {name: udp, port: 53, protocol: UDP}]}
            """)
            let annotation = ServiceProxy.addressAnnotation
            #expect(try await eventually { try await harness.get("v1", "Service", "distinct")?.field("metadata", "annotations", annotation) != nil })
            #expect(try await harness.get("v1", "Service", "distinct")?.field("metadata", "annotations", annotation) == "127.0.0.1:\(free)")
            #expect(try await eventually { try await harness.get("v1", "Service", "same")?.field("metadata", "annotations", annotation) != nil })
            let same = try #require(try await harness.get("v1", "Service", "same"))
            #expect(same.field("metadata", "annotations", annotation) != "127.0.0.1:8080")
            #expect(same.field("metadata", "annotations", ServiceProxy.portsAnnotation)?.hasPrefix("8080=127.0.0.1:") == true)
            #expect(same.field("metadata", "annotations", ServiceProxy.portsAnnotation)?.contains("53=") == false)  // UDP is not proxied
        }
    }
}

/// A TCP echo server on 127.0.0.1 for the proxy test (one thread per connection).
final class EchoServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    /// Listens on 127.0.0.1:`port` (0: a free port the kernel picks).
    init(port wanted: Int = 0) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(wanted)).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socketFD, 16) == 0 else {
            close(socketFD)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        port = Int(UInt16(bigEndian: actual.sin_port))
        fd = socketFD
        let listener = socketFD
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                Thread.detachNewThread {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let count = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                        if count <= 0 { break }
                        _ = buffer.withUnsafeBytes { send(client, $0.baseAddress, count, Int32(MSG_NOSIGNAL)) }
                    }
                    close(client)
                }
            }
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// A port nothing listens on, below the kernel's ephemeral range (net.ipv4.ip_local_port_range), where neither an
    /// outgoing connection nor another bind(0) can take it before the test binds it; a bind(0) port when that range
    /// leaves no room below it.
    static func quietPort() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) } ?? []
        let low = range.first ?? 32768
        if low > 11000 {
            for _ in 0..<200 {
                guard let probe = try? EchoServer(port: Int.random(in: 10000..<low)) else { continue }
                probe.stop()
                return probe.port
            }
        }
        let probe = try EchoServer()
        probe.stop()
        return probe.port
    }

    static func connectTo(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { close(fd); return nil }
        return fd
    }

    static func canConnect(port: Int) -> Bool {
        guard let fd = connectTo(port) else { return false }
        close(fd)
        return true
    }

    /// Sends `message`, half-closes, and reads the reply until the other side closes ("" when it closes at once).
    static func roundTrip(port: Int, message: String) throws -> String {
        guard let fd = connectTo(port) else { throw POSIXError(.ECONNREFUSED) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(message.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
