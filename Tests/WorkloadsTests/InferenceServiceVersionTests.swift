import Resources
import Testing
@testable import Workloads

/// `kf serve status` says whose the recorded model version is: the canary's while one is out.
struct InferenceServiceVersionTests {
    func status(_ spec: String) throws -> InferenceServiceStatus {
        let yaml = """
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata:
              name: digits
              namespace: ml
              annotations: {kf.dev/model-version: 'digits@v0.0.2'}
            spec:
            \(spec)
            """
        return InferenceServiceStatus(try #require(try YAMLParser.parse(yaml, file: "isvc.yaml").first))
    }

    @Test func aCanaryVersionIsNamedAsTheCanarys() throws {
        let serverless = try status("  predictor: {canaryTrafficPercent: 30, model: {modelFormat: {name: sklearn}}}")
        #expect(serverless.modelVersion == "digits@v0.0.2")
        #expect(serverless.modelVersionRole == "the canary's (30% of the traffic)")
        let rolledBack = try status("  predictor: {canaryTrafficPercent: 0, model: {modelFormat: {name: sklearn}}}")
        #expect(rolledBack.modelVersionRole == "the canary's (0% of the traffic, rolled back)")
        let standard = try status("""
              predictor: {model: {modelFormat: {name: sklearn}}}
              canary:
              - trafficPercent: 20
                predictor: {name: v0-0-2, model: {modelFormat: {name: sklearn}, storageUri: 's3://m/2'}}
            """)
        #expect(standard.modelVersionRole == "the canary's (v0-0-2, 20% of the traffic)")
        let whole = try status("  predictor: {model: {modelFormat: {name: sklearn}}}")
        #expect(whole.modelVersionRole == "the last rolled out")
        let promoted = try status("  predictor: {canaryTrafficPercent: 100, model: {modelFormat: {name: sklearn}}}")
        #expect(promoted.modelVersionRole == "the last rolled out")
    }
}
