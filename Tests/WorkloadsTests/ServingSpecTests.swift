import Testing
@testable import Workloads

@Suite struct ServingSpecTests {
    func refusal(_ change: (inout ServingSpec) -> Void) -> WorkloadsError? {
        var spec = ServingSpec(name: "digits", source: .registry(reference: "digits#prod"), format: .sklearn)
        change(&spec)
        do {
            try spec.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodSpecPasses() {
        #expect(refusal { _ in } == nil)
        #expect(refusal { $0.source = .registry(reference: "team/churn@v1.2.3") } == nil)
        #expect(refusal { $0.source = .storageURI("pvc://claim/models/digits") } == nil)
        #expect(refusal { $0.source = .storageURI("hf://org/repo:main") } == nil)
        #expect(refusal { $0.source = .storageURI("models/digits.joblib") } == nil, "a path is for the action to judge")
        #expect(refusal { $0.canaryPercent = 0; $0.minReplicas = 0; $0.maxReplicas = 1 } == nil)
    }

    @Test func eachBadValueNamesItsFlag() {
        let cases: [(String, (inout ServingSpec) -> Void)] = [
            ("NAME", { $0.name = "Digits" }),
            ("NAME", { $0.name = "1digits" }),
            ("NAME", { $0.name = String(repeating: "a", count: 64) }),
            ("--model", { $0.source = .registry(reference: "digits") }),
            ("--model", { $0.source = .registry(reference: "digits@") }),
            ("--model", { $0.source = .registry(reference: "#prod") }),
            ("--model", { $0.source = .registry(reference: "digits@v1#prod") }),
            ("--storage-uri", { $0.source = .storageURI("ftp://host/model") }),
            ("--storage-uri", { $0.source = .storageURI("s3://") }),
            ("--storage-uri", { $0.source = .storageURI("s3://a b") }),
            ("--runtime", { $0.runtime = "My_Runtime" }),
            ("--canary", { $0.canaryPercent = 101 }),
            ("--canary", { $0.canaryPercent = -1 }),
            ("--min-replicas", { $0.minReplicas = -1 }),
            ("--max-replicas", { $0.maxReplicas = 0 }),
            ("--max-replicas", { $0.minReplicas = 3; $0.maxReplicas = 2 }),
            ("--cpu", { $0.cpu = "lots" }),
            ("--memory", { $0.memory = "0" }),
        ]
        for (flag, change) in cases {
            guard case let .invalidValue(named, _, _)? = refusal(change) else {
                Issue.record("expected a refusal naming \(flag)")
                continue
            }
            #expect(named == flag)
        }
    }

    @Test func registryReferencesSplitAtTheirSelector() {
        #expect(ServingSpec.registryReference("digits@v0.0.2").map { "\($0.model) \($0.selector) \($0.value)" } == "digits @ v0.0.2")
        #expect(ServingSpec.registryReference("digits#prod").map { "\($0.model) \($0.selector) \($0.value)" } == "digits # prod")
        #expect(ServingSpec.registryReference("digits") == nil)
    }

    @Test func deploymentModesAcceptKServesOldAndNewNames() {
        #expect(DeploymentMode(name: "Knative") == .serverless)
        #expect(DeploymentMode(name: "RawDeployment") == .standard)
        #expect(DeploymentMode(name: "Standard") == .standard)
        #expect(DeploymentMode(name: "serverless") == nil)
    }
}
