import Foundation
@testable import LocalRuntime
import Project
import Resources
import Testing

@Suite struct TranslationTests {
    func translation(_ mounts: [(String, String)]) throws -> PathTranslation {
        var volumes = PodVolumes()
        var container = Mapping()
        var list: [Value] = []
        for (index, (mount, host)) in mounts.enumerated() {
            volumes.folders["v\(index)"] = URL(fileURLWithPath: host)
            list.append(.mapping(Mapping([("name", .string("v\(index)")), ("mountPath", .string(mount))])))
        }
        container["volumeMounts"] = .sequence(list)
        return try PathTranslation(container: .mapping(container), volumes: volumes)
    }

    @Test func mountPathsAreTranslatedOnlyAsWholePathComponents() throws {
        let t = try translation([("/data", "/p/data"), ("/data/models", "/p/models"), ("/etc/app/", "/p/cfg")])
        #expect(t.translate("/data") == "/p/data")
        #expect(t.translate("/data/x.csv") == "/p/data/x.csv")
        #expect(t.translate("/data/models/m.pt") == "/p/models/m.pt")
        #expect(t.translate("/database") == "/database")
        #expect(t.translate("/mnt/data/x") == "/mnt/data/x")
        #expect(t.translate("--out=/data/o; cat '/etc/app/a'") == "--out=/p/data/o; cat '/p/cfg/a'")
        #expect(t.exported.contains("/data=/p/data"))
    }

    @Test func variableExpansionFollowsKubernetes() {
        let vars = ["A": "1", "B": "two"]
        #expect(ContainerPlan.expand("$(A)-$(B)", vars) == "1-two")
        #expect(ContainerPlan.expand("$$(A)", vars) == "$(A)")
        #expect(ContainerPlan.expand("$(C) $A", vars) == "$(C) $A")
    }

    @Test func imagesMatchGlobsAndDockerHubSpellings() {
        let python = ImageMapping(match: "python")
        #expect(python.matches("python"))
        #expect(python.matches("python:3.12-slim"))
        #expect(python.matches("docker.io/library/python:3.12"))
        #expect(!python.matches("mypython:1"))
        let glob = ImageMapping(match: "ghcr.io/acme/*:v*")
        #expect(glob.matches("ghcr.io/acme/trainer:v2"))
        #expect(!glob.matches("ghcr.io/acme/trainer:latest"))
        #expect(ImageMapping.lookup("busybox:1.36", in: [ImageMapping(match: "alpine"), ImageMapping(match: "busybox", cmd: ["sh"])])?.cmd == ["sh"])
    }

    @Test func quantities() {
        #expect(Quantity.millicores("500m") == 500)
        #expect(Quantity.millicores("2") == 2000)
        #expect(Quantity.millicores("0.25") == 250)
        #expect(Quantity.bytes("1Gi") == 1_073_741_824)
        #expect(Quantity.bytes("1e3") == 1000)
        #expect(Quantity.bytes("12x") == nil)
    }
}
