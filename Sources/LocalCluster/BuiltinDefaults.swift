import Resources

/// The defaults a real API server fills into built-in kinds before it validates and stores them: its defaulting
/// functions (kubernetes/kubernetes `pkg/apis/core/v1/defaults.go`, `apps/v1`, `batch/v1`, `networking/v1`,
/// `rbac/v1`, and the declarative `+default` markers of k8s.io/api), plus what the admission plugins every cluster
/// enables add to Pods (ServiceAccount, DefaultTolerationSeconds, Priority). Only absent fields are filled, so
/// applying the defaults again changes nothing, and a configuration that does not name a defaulted field never
/// differs from the stored object in it (client-side `kubectl apply` stays quiet, a server-side re-apply is a no-op).
///
/// kf-local fills them on create, update, patch and apply (dry run included); the status subresource changes
/// status only and fills nothing.
enum BuiltinDefaults {
    /// Fills the defaults of `kind` (group `group`) into `object`.
    static func apply(_ object: inout Value, group: String, kind: String) {
        guard object.mapping != nil else { return }
        switch (group, kind) {
        case ("", "Pod"):
            edit(&object, ["spec"]) { spec in
                podSpec(&spec)
                podOnly(&spec)
            }
        case ("", "PodTemplate"):
            edit(&object, ["template", "spec"]) { podSpec(&$0) }
        case ("", "ReplicationController"):
            replicationController(&object)
        case ("", "Service"):
            edit(&object, ["spec"]) { service(&$0) }
        case ("", "Secret"):
            if object["type"] == nil { object.set(["type"], .string("Opaque")) }
        case ("", "Endpoints"):
            edit(&object, ["subsets"]) { subsets in
                eachItem(&subsets) { subset in eachItem(in: &subset, "ports") { setIfAbsent(&$0, "protocol", .string("TCP")) } }
            }
        case ("", "PersistentVolumeClaim"):
            edit(&object, ["spec"]) { setIfAbsent(&$0, "volumeMode", .string("Filesystem")) }
            if object[path: ["status", "phase"]] == nil { object.set(["status", "phase"], .string("Pending")) }
        case ("", "PersistentVolume"):
            edit(&object, ["spec"]) { spec in
                setIfAbsent(&spec, "persistentVolumeReclaimPolicy", .string("Retain"))
                setIfAbsent(&spec, "volumeMode", .string("Filesystem"))
            }
            if object[path: ["status", "phase"]] == nil { object.set(["status", "phase"], .string("Pending")) }
        case ("", "LimitRange"):
            edit(&object, ["spec", "limits"]) { limits in eachItem(&limits) { limitRangeItem(&$0) } }
        case ("apps", "Deployment"):
            edit(&object, ["spec"]) { spec in
                setIfAbsent(&spec, "replicas", .int(1))
                var strategy = spec["strategy"] ?? .emptyObject
                if strategy.mapping != nil {
                    setIfAbsent(&strategy, "type", .string("RollingUpdate"))
                    if strategy.string(at: "type") == "RollingUpdate" {
                        var rolling = strategy["rollingUpdate"] ?? .emptyObject
                        if rolling.mapping != nil {
                            setIfAbsent(&rolling, "maxUnavailable", .string("25%"))
                            setIfAbsent(&rolling, "maxSurge", .string("25%"))
                            strategy.set(["rollingUpdate"], rolling)
                        }
                    }
                    spec.set(["strategy"], strategy)
                }
                setIfAbsent(&spec, "revisionHistoryLimit", .int(10))
                setIfAbsent(&spec, "progressDeadlineSeconds", .int(600))
                edit(&spec, ["template", "spec"]) { podSpec(&$0) }
            }
        case ("apps", "ReplicaSet"):
            edit(&object, ["spec"]) { spec in
                setIfAbsent(&spec, "replicas", .int(1))
                edit(&spec, ["template", "spec"]) { podSpec(&$0) }
            }
        case ("apps", "StatefulSet"):
            edit(&object, ["spec"]) { statefulSet(&$0) }
        case ("apps", "DaemonSet"):
            edit(&object, ["spec"]) { spec in
                var strategy = spec["updateStrategy"] ?? .emptyObject
                if strategy.mapping != nil {
                    setIfAbsent(&strategy, "type", .string("RollingUpdate"))
                    if strategy.string(at: "type") == "RollingUpdate" {
                        var rolling = strategy["rollingUpdate"] ?? .emptyObject
                        if rolling.mapping != nil {
                            setIfAbsent(&rolling, "maxUnavailable", .int(1))
                            setIfAbsent(&rolling, "maxSurge", .int(0))
                            strategy.set(["rollingUpdate"], rolling)
                        }
                    }
                    spec.set(["updateStrategy"], strategy)
                }
                setIfAbsent(&spec, "revisionHistoryLimit", .int(10))
                edit(&spec, ["template", "spec"]) { podSpec(&$0) }
            }
        case ("batch", "Job"):
            job(&object)
        case ("batch", "CronJob"):
            edit(&object, ["spec"]) { spec in
                setIfAbsent(&spec, "concurrencyPolicy", .string("Allow"))
                setIfAbsent(&spec, "suspend", .bool(false))
                setIfAbsent(&spec, "successfulJobsHistoryLimit", .int(3))
                setIfAbsent(&spec, "failedJobsHistoryLimit", .int(1))
                // The job template's spec is a JobSpec, not a Job: only its Pod template is defaulted.
                edit(&spec, ["jobTemplate", "spec", "template", "spec"]) { podSpec(&$0) }
            }
        case ("networking.k8s.io", "NetworkPolicy"):
            edit(&object, ["spec"]) { networkPolicy(&$0) }
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            edit(&object, ["subjects"]) { subjects in
                eachItem(&subjects) { subject in
                    guard subject["apiGroup"] == nil, let kind = subject.string(at: "kind") else { return }
                    if kind == "User" || kind == "Group" { subject.set(["apiGroup"], .string("rbac.authorization.k8s.io")) }
                    if kind == "ServiceAccount" { subject.set(["apiGroup"], .string("")) }
                }
            }
        default:
            break
        }
    }

    // MARK: Pods

    /// SetDefaults_PodSpec and what the generated defaulters apply to everything inside a PodSpec (containers,
    /// probes, HTTP actions, ports, env field references, volumes). Used for Pods and every Pod template.
    static func podSpec(_ spec: inout Value) {
        setIfAbsent(&spec, "dnsPolicy", .string("ClusterFirst"))
        setIfAbsent(&spec, "restartPolicy", .string("Always"))
        setIfAbsent(&spec, "securityContext", .emptyObject)
        setIfAbsent(&spec, "terminationGracePeriodSeconds", .int(30))
        setIfAbsent(&spec, "schedulerName", .string("default-scheduler"))
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            eachItem(in: &spec, key) { container(&$0) }
        }
        eachItem(in: &spec, "volumes") { volume(&$0) }
    }

    /// SetDefaults_Pod (not applied to templates) and the admission plugins a cluster runs on Pods.
    static func podOnly(_ spec: inout Value) {
        for key in ["initContainers", "containers"] {
            eachItem(in: &spec, key) { container in
                // Requests default to the limits a container sets without a request.
                guard let limits = container[path: ["resources", "limits"]]?.mapping, !limits.isEmpty else { return }
                var requests = container[path: ["resources", "requests"]]?.mapping ?? Mapping()
                for (resource, value) in limits.pairs where requests[resource] == nil { requests[resource] = value }
                container.set(["resources", "requests"], .mapping(requests))
            }
        }
        setIfAbsent(&spec, "enableServiceLinks", .bool(true))
        if spec["hostNetwork"]?.boolValue == true {
            for key in ["initContainers", "containers"] {
                eachItem(in: &spec, key) { container in
                    eachItem(in: &container, "ports") { port in
                        if (port["hostPort"]?.intValue ?? 0) == 0, let number = port["containerPort"] { port.set(["hostPort"], number) }
                    }
                }
            }
        }
        // Admission: ServiceAccount names the namespace's default account (kf-local mounts no token: in-Pod
        // clients get KUBECONFIG), DefaultTolerationSeconds tolerates a not-ready or unreachable node for 300 s,
        // Priority gives Pods without a priority class priority 0.
        if spec["serviceAccountName"] == nil {
            spec.set(["serviceAccountName"], spec["serviceAccount"] ?? .string("default"))
        }
        setIfAbsent(&spec, "serviceAccount", spec["serviceAccountName"] ?? .string("default"))
        var tolerations = spec["tolerations"]?.sequence ?? []
        for taint in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let tolerated = tolerations.contains { toleration in
                let key = toleration.string(at: "key")
                let effect = toleration.string(at: "effect") ?? ""
                let keyMatches = key == taint || (key ?? "").isEmpty && toleration.string(at: "operator") == "Exists"
                return keyMatches && (effect.isEmpty || effect == "NoExecute")
            }
            if !tolerated {
                tolerations.append(.object([("key", .string(taint)), ("operator", .string("Exists")),
                                            ("effect", .string("NoExecute")), ("tolerationSeconds", .int(300))]))
            }
        }
        spec.set(["tolerations"], .sequence(tolerations))
        if spec["priorityClassName"] == nil {
            setIfAbsent(&spec, "priority", .int(0))
            setIfAbsent(&spec, "preemptionPolicy", .string("PreemptLowerPriority"))
        }
    }

    static func container(_ container: inout Value) {
        if container["imagePullPolicy"] == nil {
            container.set(["imagePullPolicy"], .string(pullsAlways(container.string(at: "image") ?? "") ? "Always" : "IfNotPresent"))
        }
        setIfAbsent(&container, "terminationMessagePath", .string("/dev/termination-log"))
        setIfAbsent(&container, "terminationMessagePolicy", .string("File"))
        eachItem(in: &container, "ports") { setIfAbsent(&$0, "protocol", .string("TCP")) }
        for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
            edit(&container, [key]) { probe in
                setIfAbsent(&probe, "timeoutSeconds", .int(1))
                setIfAbsent(&probe, "periodSeconds", .int(10))
                setIfAbsent(&probe, "successThreshold", .int(1))
                setIfAbsent(&probe, "failureThreshold", .int(3))
                edit(&probe, ["httpGet"]) { httpGet(&$0) }
            }
        }
        for hook in ["postStart", "preStop"] {
            edit(&container, ["lifecycle", hook, "httpGet"]) { httpGet(&$0) }
        }
        eachItem(in: &container, "env") { variable in
            edit(&variable, ["valueFrom", "fieldRef"]) { setIfAbsent(&$0, "apiVersion", .string("v1")) }
        }
    }

    /// ParseImageName's rule: an image without a tag and without a digest means `:latest`, which is pulled always.
    static func pullsAlways(_ image: String) -> Bool {
        if image.isEmpty { return false }
        let withoutDigest = image.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let hasDigest = withoutDigest.count > 1
        let lastComponent = withoutDigest[0].split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if let colon = lastComponent.lastIndex(of: ":") {
            return lastComponent[lastComponent.index(after: colon)...] == "latest"
        }
        return !hasDigest
    }

    static func httpGet(_ action: inout Value) {
        setIfAbsent(&action, "path", .string("/"))
        setIfAbsent(&action, "scheme", .string("HTTP"))
    }

    static func volume(_ volume: inout Value) {
        guard let mapping = volume.mapping else { return }
        if mapping.keys.allSatisfy({ $0 == "name" }) {
            volume.set(["emptyDir"], .emptyObject)
            return
        }
        for source in ["configMap", "secret", "downwardAPI", "projected"] {
            edit(&volume, [source]) { setIfAbsent(&$0, "defaultMode", .int(420)) }
        }
        edit(&volume, ["downwardAPI", "items"]) { items in eachItem(&items) { fieldRef(&$0) } }
        edit(&volume, ["projected", "sources"]) { sources in
            eachItem(&sources) { source in
                edit(&source, ["downwardAPI", "items"]) { items in eachItem(&items) { fieldRef(&$0) } }
                edit(&source, ["serviceAccountToken"]) { setIfAbsent(&$0, "expirationSeconds", .int(3600)) }
            }
        }
        edit(&volume, ["hostPath"]) { setIfAbsent(&$0, "type", .string("")) }
        edit(&volume, ["ephemeral", "volumeClaimTemplate", "spec"]) { setIfAbsent(&$0, "volumeMode", .string("Filesystem")) }
    }

    static func fieldRef(_ item: inout Value) {
        edit(&item, ["fieldRef"]) { setIfAbsent(&$0, "apiVersion", .string("v1")) }
    }

    // MARK: Other kinds

    static func service(_ spec: inout Value) {
        setIfAbsent(&spec, "sessionAffinity", .string("None"))
        if spec.string(at: "sessionAffinity") == "None" { spec.set(["sessionAffinityConfig"], nil) }
        if spec.string(at: "sessionAffinity") == "ClientIP", spec[path: ["sessionAffinityConfig", "clientIP", "timeoutSeconds"]] == nil {
            spec.set(["sessionAffinityConfig", "clientIP", "timeoutSeconds"], .int(10800))
        }
        setIfAbsent(&spec, "type", .string("ClusterIP"))
        let type = spec.string(at: "type") ?? "ClusterIP"
        eachItem(in: &spec, "ports") { port in
            setIfAbsent(&port, "protocol", .string("TCP"))
            let target = port["targetPort"]
            if target == nil || target?.isNull == true || target?.intValue == 0 || target?.string == "" {
                if let number = port["port"] { port.set(["targetPort"], number) }
            }
        }
        let externallyAccessible = type == "NodePort" || type == "LoadBalancer"
            || type == "ClusterIP" && !(spec["externalIPs"]?.sequence ?? []).isEmpty
        if externallyAccessible { setIfAbsent(&spec, "externalTrafficPolicy", .string("Cluster")) }
        if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) { setIfAbsent(&spec, "internalTrafficPolicy", .string("Cluster")) }
        if type == "LoadBalancer" { setIfAbsent(&spec, "allocateLoadBalancerNodePorts", .bool(true)) }
        // The registry's IP family defaults on a single-stack IPv4 cluster (kf-local allocates no cluster IP).
        if type != "ExternalName" {
            setIfAbsent(&spec, "ipFamilyPolicy", .string("SingleStack"))
            setIfAbsent(&spec, "ipFamilies", .sequence([.string("IPv4")]))
        }
    }

    static func replicationController(_ object: inout Value) {
        if let labels = object[path: ["spec", "template", "metadata", "labels"]], labels.mapping != nil {
            if (object[path: ["spec", "selector"]]?.mapping ?? Mapping()).isEmpty { object.set(["spec", "selector"], labels) }
            if (object[path: ["metadata", "labels"]]?.mapping ?? Mapping()).isEmpty { object.set(["metadata", "labels"], labels) }
        }
        edit(&object, ["spec"]) { spec in
            setIfAbsent(&spec, "replicas", .int(1))
            edit(&spec, ["template", "spec"]) { podSpec(&$0) }
        }
    }

    static func statefulSet(_ spec: inout Value) {
        setIfAbsent(&spec, "podManagementPolicy", .string("OrderedReady"))
        var strategy = spec["updateStrategy"] ?? .emptyObject
        if strategy.mapping != nil {
            if strategy["type"] == nil {
                strategy.set(["type"], .string("RollingUpdate"))
                setIfAbsent(&strategy, "rollingUpdate", .emptyObject)
            }
            if strategy.string(at: "type") == "RollingUpdate", strategy["rollingUpdate"]?.mapping != nil {
                edit(&strategy, ["rollingUpdate"]) { setIfAbsent(&$0, "partition", .int(0)) }
            }
            spec.set(["updateStrategy"], strategy)
        }
        var retention = spec["persistentVolumeClaimRetentionPolicy"] ?? .emptyObject
        if retention.mapping != nil {
            setIfAbsent(&retention, "whenDeleted", .string("Retain"))
            setIfAbsent(&retention, "whenScaled", .string("Retain"))
            spec.set(["persistentVolumeClaimRetentionPolicy"], retention)
        }
        setIfAbsent(&spec, "replicas", .int(1))
        setIfAbsent(&spec, "revisionHistoryLimit", .int(10))
        edit(&spec, ["template", "spec"]) { podSpec(&$0) }
        eachItem(in: &spec, "volumeClaimTemplates") { claim in
            edit(&claim, ["spec"]) { setIfAbsent(&$0, "volumeMode", .string("Filesystem")) }
            if claim[path: ["status", "phase"]] == nil { claim.set(["status", "phase"], .string("Pending")) }
        }
    }

    /// SetDefaults_Job (the selector the registry generates is `APIServer.generateJobSelector`, on create).
    static func job(_ object: inout Value) {
        edit(&object, ["spec"]) { spec in
            if spec["completions"] == nil && spec["parallelism"] == nil {
                spec.set(["completions"], .int(1))
                spec.set(["parallelism"], .int(1))
            }
            setIfAbsent(&spec, "parallelism", .int(1))
            setIfAbsent(&spec, "backoffLimit", .int(spec["backoffLimitPerIndex"] == nil ? 6 : Int(Int32.max)))
            setIfAbsent(&spec, "completionMode", .string("NonIndexed"))
            setIfAbsent(&spec, "suspend", .bool(false))
            edit(&spec, ["podFailurePolicy", "rules"]) { rules in
                eachItem(&rules) { rule in
                    eachItem(in: &rule, "onPodConditions") { setIfAbsent(&$0, "status", .string("True")) }
                }
            }
            setIfAbsent(&spec, "podReplacementPolicy", .string(spec["podFailurePolicy"] == nil ? "TerminatingOrFailed" : "Failed"))
            setIfAbsent(&spec, "manualSelector", .bool(false))
            edit(&spec, ["template", "spec"]) { podSpec(&$0) }
        }
        // A Job without labels takes its Pod template's.
        if let labels = object[path: ["spec", "template", "metadata", "labels"]], let mapping = labels.mapping, !mapping.isEmpty,
           (object[path: ["metadata", "labels"]]?.mapping ?? Mapping()).isEmpty {
            object.set(["metadata", "labels"], labels)
        }
    }

    static func networkPolicy(_ spec: inout Value) {
        if (spec["policyTypes"]?.sequence ?? []).isEmpty {
            var types: [Value] = [.string("Ingress")]
            if !(spec["egress"]?.sequence ?? []).isEmpty { types.append(.string("Egress")) }
            spec.set(["policyTypes"], .sequence(types))
        }
        for direction in ["ingress", "egress"] {
            eachItem(in: &spec, direction) { rule in
                eachItem(in: &rule, "ports") { setIfAbsent(&$0, "protocol", .string("TCP")) }
            }
        }
    }

    static func limitRangeItem(_ item: inout Value) {
        guard item.string(at: "type") == "Container" else { return }
        var defaults = item["default"]?.mapping ?? Mapping()
        var requests = item["defaultRequest"]?.mapping ?? Mapping()
        for (key, value) in item["max"]?.mapping?.pairs.map({ ($0.0, $0.1) }) ?? [] where defaults[key] == nil { defaults[key] = value }
        for (key, value) in defaults.pairs.map({ ($0.0, $0.1) }) where requests[key] == nil { requests[key] = value }
        for (key, value) in item["min"]?.mapping?.pairs.map({ ($0.0, $0.1) }) ?? [] where requests[key] == nil { requests[key] = value }
        if !defaults.isEmpty { item.set(["default"], .mapping(defaults)) }
        if !requests.isEmpty { item.set(["defaultRequest"], .mapping(requests)) }
    }

    // MARK: Helpers

    /// Sets `key` when the object has no such key (a null counts as absent, as it decodes to a nil pointer).
    static func setIfAbsent(_ object: inout Value, _ key: String, _ value: Value) {
        guard object.mapping != nil else { return }
        if object[key] == nil || object[key]?.isNull == true { object.set([key], value) }
    }

    /// Runs `change` on the value at `path` when it is present and not null.
    static func edit(_ object: inout Value, _ path: [String], _ change: (inout Value) -> Void) {
        guard var value = object[path: path], !value.isNull else { return }
        change(&value)
        object.set(path, value)
    }

    /// Runs `change` on each object of the list at `key`.
    static func eachItem(in object: inout Value, _ key: String, _ change: (inout Value) -> Void) {
        edit(&object, [key]) { eachItem(&$0, change) }
    }

    static func eachItem(_ list: inout Value, _ change: (inout Value) -> Void) {
        guard var items = list.sequence else { return }
        for index in items.indices where items[index].mapping != nil { change(&items[index]) }
        list = .sequence(items)
    }
}

/// A Pod's quality-of-service class as the API server records it at create (and the node reports it):
/// BestEffort without any request or limit, Guaranteed when every container limits CPU and memory and requests
/// the same (a missing request defaults to the limit), else Burstable.
public enum PodQOS {
    public static func qosClass(of pod: Value) -> String {
        let containers = (pod[path: ["spec", "initContainers"]]?.sequence ?? []) + (pod[path: ["spec", "containers"]]?.sequence ?? [])
        let resources = containers.map { $0["resources"] }
        if resources.allSatisfy({ ($0?["requests"]?.mapping?.isEmpty ?? true) && ($0?["limits"]?.mapping?.isEmpty ?? true) }) { return "BestEffort" }
        let guaranteed = resources.allSatisfy { resource in
            guard let limits = resource?["limits"], let cpu = limits["cpu"]?.text, let memory = limits["memory"]?.text else { return false }
            let requests = resource?["requests"]
            return (requests?["cpu"]?.text ?? cpu) == cpu && (requests?["memory"]?.text ?? memory) == memory
        }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
