import Foundation
@testable import LocalCluster
import Resources
import Testing

/// kubectl 1.37's generator commands send protobuf bodies; each must store the same object as its YAML does.
@Suite(.serialized)
struct ProtobufTests {
    /// A generator command run in namespace `ns` for objects suffixed `suffix` (cluster-scoped names differ per run).
    struct Generator {
        let arguments: (_ suffix: String) -> [String]
        /// `kubectl get` arguments (resource and name) for the created object.
        let get: (_ suffix: String) -> [String]
    }

    static func generators(tls: (cert: String, key: String)) -> [(String, Generator)] {
        [
            ("namespace", Generator(arguments: { ["create", "namespace", "team\($0)"] },
                                    get: { ["namespace", "team\($0)"] })),
            ("configmap", Generator(arguments: { _ in ["create", "configmap", "cm", "--from-literal=a=b",
                                                       "--from-literal=level=3"] },
                                    get: { _ in ["configmap", "cm"] })),
            ("secret generic", Generator(arguments: { _ in ["create", "secret", "generic", "gen", "--from-literal=user=admin",
                                                            "--type=Opaque"] },
                                         get: { _ in ["secret", "gen"] })),
            ("secret docker-registry", Generator(arguments: { _ in ["create", "secret", "docker-registry", "reg",
                                                                    "--docker-server=r.example.com", "--docker-username=u",
                                                                    "--docker-password=p", "--docker-email=u@example.com"] },
                                                 get: { _ in ["secret", "reg"] })),
            ("secret tls", Generator(arguments: { _ in ["create", "secret", "tls", "tls", "--cert=\(tls.cert)",
                                                        "--key=\(tls.key)"] },
                                     get: { _ in ["secret", "tls"] })),
            ("serviceaccount", Generator(arguments: { _ in ["create", "serviceaccount", "robot"] },
                                         get: { _ in ["serviceaccount", "robot"] })),
            ("deployment", Generator(arguments: { _ in ["create", "deployment", "web", "--image=nginx:1.27",
                                                        "--replicas=3", "--port=8080"] },
                                     get: { _ in ["deployment", "web"] })),
            ("job", Generator(arguments: { _ in ["create", "job", "once", "--image=busybox", "--", "echo", "hi"] },
                              get: { _ in ["job", "once"] })),
            ("cronjob", Generator(arguments: { _ in ["create", "cronjob", "tick", "--image=busybox",
                                                     "--schedule=*/5 * * * *", "--restart=OnFailure", "--", "date"] },
                                  get: { _ in ["cronjob", "tick"] })),
            ("service clusterip", Generator(arguments: { _ in ["create", "service", "clusterip", "front",
                                                               "--tcp=80:8080", "--tcp=443:8443"] },
                                            get: { _ in ["service", "front"] })),
            ("service nodeport", Generator(arguments: { _ in ["create", "service", "nodeport", "edge", "--tcp=80:8080",
                                                              "--node-port=30080"] },
                                           get: { _ in ["service", "edge"] })),
            ("role", Generator(arguments: { _ in ["create", "role", "reader", "--verb=get,list",
                                                  "--resource=pods,deployments.apps", "--resource-name=web"] },
                               get: { _ in ["role", "reader"] })),
            ("rolebinding", Generator(arguments: { _ in ["create", "rolebinding", "read", "--role=reader", "--user=alice",
                                                         "--group=devs", "--serviceaccount=default:robot"] },
                                      get: { _ in ["rolebinding", "read"] })),
            ("clusterrole", Generator(arguments: { ["create", "clusterrole", "lister\($0)", "--verb=get",
                                                    "--resource=namespaces", "--non-resource-url=/logs/*"] },
                                      get: { ["clusterrole", "lister\($0)"] })),
            ("clusterrolebinding", Generator(arguments: { ["create", "clusterrolebinding", "listers\($0)",
                                                           "--clusterrole=view", "--group=devs"] },
                                             get: { ["clusterrolebinding", "listers\($0)"] })),
            ("quota", Generator(arguments: { _ in ["create", "quota", "limits", "--hard=pods=10,cpu=2,memory=1Gi",
                                                   "--scopes=NotTerminating"] },
                                get: { _ in ["resourcequota", "limits"] })),
            ("priorityclass", Generator(arguments: { ["create", "priorityclass", "urgent\($0)", "--value=1000",
                                                      "--description=urgent work", "--preemption-policy=Never"] },
                                        get: { ["priorityclass", "urgent\($0)"] })),
            ("poddisruptionbudget", Generator(arguments: { _ in ["create", "poddisruptionbudget", "keep",
                                                                 "--selector=app=web", "--min-available=50%"] },
                                              get: { _ in ["poddisruptionbudget", "keep"] })),
            ("ingress", Generator(arguments: { _ in ["create", "ingress", "site", "--class=nginx",
                                                     "--rule=foo.example.com/bar*=front:80,tls=tls",
                                                     "--annotation=team=web"] },
                                  get: { _ in ["ingress", "site"] })),
            ("run", Generator(arguments: { _ in ["run", "pod", "--image=nginx:1.27", "--labels=app=pod,tier=web",
                                                 "--env=A=B", "--port=80", "--restart=Never", "--image-pull-policy=IfNotPresent",
                                                 "--", "nginx", "-g", "daemon off;"] },
                              get: { _ in ["pod", "pod"] })),
        ]
    }

    /// The object as stored, as canonical JSON, with what differs between any two creations removed and the
    /// YAML run's names mapped onto the protobuf run's. A null `creationTimestamp` (kubectl prints one for some
    /// embedded templates) is the same as none.
    static func canonical(_ json: String, suffix: String) throws -> String {
        var mapped = json.replacingOccurrences(of: suffix, with: "-pb")
        // The object's uid also appears where the server copies it (a Job's controller-uid selector and labels).
        if let parsed = try JSONSerialization.jsonObject(with: Data(mapped.utf8)) as? [String: Any],
           let uid = (parsed["metadata"] as? [String: Any])?["uid"] as? String, !uid.isEmpty {
            mapped = mapped.replacingOccurrences(of: uid, with: "UID")
        }
        guard var object = try JSONSerialization.jsonObject(with: Data(mapped.utf8)) as? [String: Any],
              var meta = object["metadata"] as? [String: Any] else {
            throw TestFailure.setup("an object in \(json)")
        }
        for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"] {
            meta.removeValue(forKey: key)
        }
        object["metadata"] = meta
        func dropNullTimestamps(_ value: Any) -> Any {
            if var map = value as? [String: Any] {
                if map["creationTimestamp"] is NSNull { map.removeValue(forKey: "creationTimestamp") }
                return map.mapValues(dropNullTimestamps)
            }
            if let list = value as? [Any] { return list.map(dropNullTimestamps) }
            return value
        }
        object = dropNullTimestamps(object) as? [String: Any] ?? object
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func everyGeneratorCommandStoresWhatItsYAMLStores() async throws {
        try await withServer { server in
            let tls = (cert: server.directory.appendingPathComponent("server.crt").path,
                       key: server.directory.appendingPathComponent("server.key").path)
            #expect(FileManager.default.fileExists(atPath: tls.cert), "kf-local's own certificate serves as a TLS pair")
            for ns in ["ns-pb", "ns-yml"] {
                let made = try await server.kubectl("create", "namespace", ns)
                #expect(made.ok, "\(made.stderr)")
            }
            var compared = 0
            for (name, generator) in Self.generators(tls: tls) {
                // Through protobuf, checking that protobuf is what kubectl sent.
                let direct = try await server.kubectl(["-n", "ns-pb", "-v=8"] + generator.arguments("-pb"))
                #expect(direct.ok, "\(name): \(direct.stderr.suffix(600))")
                // kubectl 1.37.1's `run` posts JSON (its -v=8 log shows it); every `create` generator posts protobuf.
                let expected = name == "run" ? "Content-Type: application/json" : "Content-Type: application/vnd.kubernetes.protobuf"
                #expect(direct.stderr.contains(expected), "\(name): kubectl did not send \(expected)")
                // Through YAML: the same command printed, then created from the file.
                var printing = generator.arguments("-yml")
                printing.insert(contentsOf: ["--dry-run=client", "-o", "yaml"], at: 1)
                let printed = try await server.kubectl(["-n", "ns-yml"] + printing)
                #expect(printed.ok, "\(name): \(printed.stderr)")
                let created = try await server.kubectl(["-n", "ns-yml", "create", "-f", "-"], input: printed.stdout)
                #expect(created.ok, "\(name): \(created.stderr)")
                let fromProtobuf = try await server.kubectl(["-n", "ns-pb", "get", "-o", "json"] + generator.get("-pb"))
                let fromYAML = try await server.kubectl(["-n", "ns-yml", "get", "-o", "json"] + generator.get("-yml"))
                #expect(fromProtobuf.ok && fromYAML.ok, "\(name): \(fromProtobuf.stderr) \(fromYAML.stderr)")
                let a = try Self.canonical(fromProtobuf.stdout.replacingOccurrences(of: "ns-pb", with: "NS"), suffix: "-pb")
                let b = try Self.canonical(fromYAML.stdout.replacingOccurrences(of: "ns-yml", with: "NS"), suffix: "-yml")
                #expect(a == b, "\(name): stored from protobuf\n\(a)\nstored from YAML\n\(b)")
                compared += 1
            }
            print("protobuf generator commands compared with their YAML: \(compared)")
            #expect(compared == 20)
        }
    }

    @Test func unknownFieldsAndKindsAreRefusedNamingTheMessageAndNumber() async throws {
        try await withServer(needsKubectl: false) { server in
            let path = "/api/v1/namespaces/default/configmaps"
            // A ConfigMap whose ObjectMeta carries field 99.
            let meta = ProtoWriter().string(1, "odd").varint(99, 1).bytes
            let object = ProtoWriter().message(1, meta).bytes
            let unknownField = try await server.request("POST", path, body: Self.envelope("v1", "ConfigMap", object),
                                                        contentType: Protobuf.mediaType)
            #expect(unknownField.status == 400, "\(unknownField.body)")
            #expect(unknownField.body.contains("field number 99") && unknownField.body.contains("meta/v1.ObjectMeta"),
                    "\(unknownField.body)")
            let unknownKind = try await server.request("POST", path, body: Self.envelope("v1", "Binding", object),
                                                       contentType: Protobuf.mediaType)
            #expect(unknownKind.status == 415, "\(unknownKind.body)")
            #expect(unknownKind.body.contains("does not decode Binding"), "\(unknownKind.body)")
            let good = try await server.request("POST", path, body: Self.envelope("v1", "ConfigMap", ProtoWriter()
                .message(1, ProtoWriter().string(1, "good").bytes)
                .message(2, ProtoWriter().string(1, "k").string(2, "v").bytes).bytes), contentType: Protobuf.mediaType)
            #expect(good.status == 201, "\(good.body)")
            #expect(good.body.contains("\"k\":\"v\""), "\(good.body)")
        }
    }

    @Test func decodingFollowsGoJSON() throws {
        // Zero scalars are dropped when omitempty, kept when a pointer; empty structs stay; zero times are null.
        let spec = ProtoWriter().varint(1, 0).varint(5, 0).message(4, []).bytes
        let template = ProtoWriter().message(1, ProtoWriter().message(8, []).bytes).bytes
        let object = ProtoWriter().message(1, ProtoWriter().string(1, "d").bytes)
            .message(2, spec + ProtoWriter().message(3, template).bytes).bytes
        let value = try Protobuf.decodeObject(Self.envelope("apps/v1", "Deployment", object))
        let json = JSON.string(value)
        #expect(json.contains(#""replicas":0"#), "\(json)")
        #expect(!json.contains("minReadySeconds"), "\(json)")
        #expect(json.contains(#""strategy":{}"#), "\(json)")
        #expect(!json.contains("creationTimestamp"), "a zero time is omitted (omitzero): \(json)")
        let stamped = ProtoWriter().message(1, ProtoWriter().string(1, "c")
            .message(8, ProtoWriter().varint(1, 1_767_225_600).bytes).bytes).bytes
        let withTime = JSON.string(try Protobuf.decodeObject(Self.envelope("v1", "ConfigMap", stamped)))
        #expect(withTime.contains(#""creationTimestamp":"2026-01-01T00:00:00Z""#), "\(withTime)")
        #expect(Protobuf.goDuration(5_400_000_000_000) == "1h30m0s")
        #expect(Protobuf.goDuration(1_500_000_000) == "1.5s")
        #expect(Protobuf.goDuration(250_000_000) == "250ms")
    }

    /// Random and mutated bodies, decoded in-process and sent to the server: never a crash, always a Status.
    @Test func fuzzedBodiesNeverCrashTheServer() async throws {
        try await withServer(needsKubectl: false) { server in
            var random = SplitMix64(seed: 0x6B_3873)
            let seeds: [[UInt8]] = [
                Self.envelope("v1", "ConfigMap", ProtoWriter().message(1, ProtoWriter().string(1, "a").bytes)
                    .message(2, ProtoWriter().string(1, "k").string(2, "v").bytes).bytes),
                Self.envelope("apps/v1", "Deployment", ProtoWriter().message(1, ProtoWriter().string(1, "d").bytes)
                    .message(2, ProtoWriter().varint(1, 2).message(3, ProtoWriter().message(2, ProtoWriter()
                        .message(2, ProtoWriter().string(1, "c").string(2, "nginx").bytes).bytes).bytes).bytes).bytes),
                Self.envelope("v1", "Service", ProtoWriter().message(1, ProtoWriter().string(1, "s").bytes)
                    .message(2, ProtoWriter().message(1, ProtoWriter().varint(3, 80)
                        .message(4, ProtoWriter().varint(1, 1).string(3, "http").bytes).bytes).bytes).bytes),
            ]
            // A fixed number of rounds (not a time bound): the same inputs on a quiet or a loaded machine.
            let rounds = 2000
            var decoded = 0, refused = 0, sent = 0
            for round in 0..<rounds {
                var body = seeds[round % seeds.count]
                switch random.next() % 5 {
                case 0: body = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                case 1: if body.count > 4 { body[4 + Int(random.next() % UInt64(body.count - 4))] ^= UInt8(truncatingIfNeeded: random.next() | 1) }
                case 2: body = Array(body.prefix(Int(random.next() % UInt64(body.count + 1))))
                case 3: body.insert(UInt8(truncatingIfNeeded: random.next()), at: Int(random.next() % UInt64(body.count + 1)))
                default:
                    for _ in 0..<3 where body.count > 4 {
                        body[4 + Int(random.next() % UInt64(body.count - 4))] = UInt8(truncatingIfNeeded: random.next())
                    }
                }
                do {
                    _ = try Protobuf.decodeObject(body)
                    decoded += 1
                } catch {
                    refused += 1
                }
                if round % 20 == 0 {
                    let response = try await server.request("POST", "/api/v1/namespaces/default/configmaps", body: body,
                                                            contentType: Protobuf.mediaType)
                    #expect([201, 400, 409, 415, 422].contains(response.status), "round \(round): \(response.status) \(response.body)")
                    sent += 1
                }
            }
            let alive = try await server.request("GET", "/version")
            #expect(alive.status == 200)
            print("protobuf fuzz: \(decoded) decoded, \(refused) refused in-process, \(sent) sent to the server")
            #expect(decoded + refused == rounds && sent == rounds / 20)
        }
    }

    static func envelope(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) -> [UInt8] {
        Protobuf.magic + ProtoWriter()
            .message(1, ProtoWriter().string(1, apiVersion).string(2, kind).bytes)
            .message(2, raw).string(3, "").string(4, "").bytes
    }
}

/// Writes protobuf wire format for the tests' hand-made bodies.
struct ProtoWriter {
    var bytes: [UInt8] = []

    func varint(_ field: Int, _ value: UInt64) -> ProtoWriter {
        var copy = self
        copy.append(UInt64(field << 3))
        copy.append(value)
        return copy
    }

    func string(_ field: Int, _ text: String) -> ProtoWriter { message(field, Array(text.utf8)) }

    func message(_ field: Int, _ content: [UInt8]) -> ProtoWriter {
        var copy = self
        copy.append(UInt64(field << 3 | 2))
        copy.append(UInt64(content.count))
        copy.bytes += content
        return copy
    }

    private mutating func append(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}

