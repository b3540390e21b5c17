import Testing
import Project

@Suite struct ClusterSelectionTests {
    let project = ProjectFile(name: "p", namespace: "from-project", context: "project-ctx")

    @Test func flagBeatsEnvironmentBeatsProject() {
        let env = ["KF_NAMESPACE": "from-env", "KF_CONTEXT": "env-ctx", "KUBECONFIG": "/env/config"]
        let all = ClusterSelection(kubeconfigFlag: "/flag/config", contextFlag: "flag-ctx", namespaceFlag: "from-flag",
                                   environment: env, project: project)
        #expect(all.namespace == Setting(value: "from-flag", source: .flag))
        #expect(all.context == Setting(value: "flag-ctx", source: .flag))
        #expect(all.kubeconfig == Setting(value: "/flag/config", source: .flag))

        let noFlags = ClusterSelection(kubeconfigFlag: nil, contextFlag: nil, namespaceFlag: nil,
                                       environment: env, project: project)
        #expect(noFlags.namespace == Setting(value: "from-env", source: .environment))
        #expect(noFlags.context == Setting(value: "env-ctx", source: .environment))
        #expect(noFlags.kubeconfig == Setting(value: "/env/config", source: .environment))

        let projectOnly = ClusterSelection(kubeconfigFlag: nil, contextFlag: nil, namespaceFlag: nil,
                                           environment: ["KF_NAMESPACE": ""], project: project)
        #expect(projectOnly.namespace == Setting(value: "from-project", source: .project))
        #expect(projectOnly.context == Setting(value: "project-ctx", source: .project))
        #expect(projectOnly.kubeconfig == nil)
    }

    @Test func withoutProjectKubeconfigDecides() {
        let none = ClusterSelection(kubeconfigFlag: nil, contextFlag: nil, namespaceFlag: nil, environment: [:], project: nil)
        #expect(none.namespace == nil && none.context == nil && none.kubeconfig == nil)
    }
}
