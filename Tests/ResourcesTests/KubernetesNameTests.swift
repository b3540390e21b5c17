import Resources
import Testing

/// Kubernetes' name rules, as the API server's validation applies them.
struct KubernetesNameTests {
    @Test func subdomainsLabelsAndDNS1035Labels() {
        for name in ["a", "digits", "my.model-2", String(repeating: "a", count: 253)] {
            #expect(KubernetesName.isDNS1123Subdomain(name), "\(name)")
        }
        for name in ["", "-a", "a-", "A", "a_b", "é", ".a", String(repeating: "a", count: 254)] {
            #expect(!KubernetesName.isDNS1123Subdomain(name), "\(name)")
        }
        #expect(KubernetesName.isDNS1123Label("0-digits"))
        #expect(!KubernetesName.isDNS1123Label("a.b"))
        #expect(!KubernetesName.isDNS1123Label(String(repeating: "a", count: 64)))
        // DNS-1035: a letter first (Services).
        #expect(KubernetesName.isDNS1035Label("digits-v2-predictor"))
        #expect(!KubernetesName.isDNS1035Label("0-digits"))
        #expect(!KubernetesName.isDNS1035Label("a.b"))
        #expect(!KubernetesName.isDNS1035Label(String(repeating: "a", count: 64)))
    }
}
