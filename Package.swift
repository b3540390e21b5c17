// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kf", targets: ["kf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System libraries, each with a small shim header. Only Git imports CGit2; only Cluster imports CCurl.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),

        // Build-time embedding of templates/ and the build's git metadata into the binary.
        .executableTarget(name: "KfEmbedTool", path: "Sources/KfEmbedTool"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["KfEmbedTool"]),

        .target(name: "Git", dependencies: ["CGit2"]),
        .target(name: "Cluster", dependencies: ["CCurl", "Resources", .product(name: "Yams", package: "Yams")]),
        .target(name: "Registry", dependencies: ["Git", "Resources", .product(name: "Yams", package: "Yams")]),
        .target(name: "Resources", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Project", dependencies: ["Resources", .product(name: "Yams", package: "Yams")]),
        .target(name: "Manifests", dependencies: ["Resources", "Git"]),
        .target(name: "Templates", plugins: ["EmbedResources"]),
        // Kubeflow Pipelines: the v2 IR, kf's pipeline YAML, the Argo Workflow form, and the engine that plays KFP's
        // driver (DAG scheduling, placeholders, executor input, caching); no I/O beyond the run's own files.
        .target(name: "Pipelines", dependencies: ["Resources"]),
        .target(name: "Workloads", dependencies: ["Manifests", "Resources", "Templates", "Tuning"]),
        // Katib's suggestion algorithms and early stopping, pure Swift (no dependency on other kf modules).
        // Numeric code: optimised in debug builds too, so its tests (Branin runs) take seconds, not minutes.
        .target(name: "Tuning", swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Benchmark driver for benchmarks/tune-quality.sh (not part of the kf product).
        .executableTarget(name: "kf-tune-bench", dependencies: ["Tuning"], path: "Sources/TuneBench"),
        .target(name: "LocalCluster", dependencies: [
            "Resources", "Templates", "Manifests",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // kf-local's controllers (Job, Deployment, ReplicaSet, Endpoints, the Service proxy) and the framework the
        // Kubeflow operators build on: clients of kf-local through the Kubernetes API only.
        // The InferenceService controller's router (Serving/) serves and forwards HTTP with SwiftNIO on one event
        // loop per connection; Project gives it kf.yaml's image mappings (where MLServer is installed).
        .target(name: "LocalControllers", dependencies: [
            "Cluster", "LocalCluster", "Pipelines", "Project", "Resources", "Templates", "Tuning", "Workloads",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The node agent of kf-local: schedules Pods onto this machine and runs their containers as processes.
        .target(name: "LocalRuntime", dependencies: ["Cluster", "LocalCluster", "Project", "Resources"]),
        .target(name: "Actions", dependencies: [
            "Git", "Cluster", "LocalCluster", "Manifests", "Pipelines", "Project", "Registry", "Resources", "Templates", "Tuning", "Workloads",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "kf", dependencies: [
            "Actions", "Cluster", "LocalCluster", "LocalControllers", "LocalRuntime", "Manifests", "Pipelines", "Project", "Registry", "Resources", "Templates", "Workloads",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (not part of the product): `swift run -c release yaml-bench`.
        .executableTarget(name: "yaml-bench", dependencies: [
            "Resources", .product(name: "Yams", package: "Yams"),
        ], path: "benchmarks/yaml-bench"),

        .testTarget(name: "GitTests", dependencies: ["Git"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Git"]),
        .testTarget(name: "ProjectTests", dependencies: ["Project"]),
        .testTarget(name: "ResourcesTests", dependencies: ["Resources", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ManifestsTests",
                    dependencies: ["Manifests", "Resources"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Cluster", "Git", "LocalTestSupport", "Pipelines", "Resources", "Workloads"],
                    exclude: ["Fixtures"]),
        // kf-local (in-process) and the build engine: the client against a real server, through the fault proxy.
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Resources", "LocalCluster", "Manifests"]),
        // What the test suites that start kf-local in-process share (not part of the kf product).
        .target(name: "LocalTestSupport", dependencies: ["LocalCluster"], path: "Tests/LocalTestSupport"),
        .testTarget(name: "LocalClusterTests", dependencies: [
            "LocalCluster", "LocalTestSupport", "Resources",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .testTarget(name: "LocalControllersTests", dependencies: [
            "Actions", "LocalControllers", "LocalCluster", "LocalTestSupport", "LocalRuntime", "Cluster", "Pipelines", "Project", "Resources", "Workloads",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "LocalRuntimeTests", dependencies: ["LocalRuntime", "LocalCluster", "LocalTestSupport", "Cluster", "Project", "Resources"]),
        .testTarget(name: "kfTests", dependencies: ["kf"]),
        .testTarget(name: "PipelinesTests", dependencies: ["Pipelines", "Resources"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "Manifests", "Resources", "Templates", "Tuning"]),
    ],
    swiftLanguageModes: [.v6]
)
