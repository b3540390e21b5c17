import Foundation
import Testing
@testable import Manifests

/// A git repository made on disk with the git CLI, served to builds as `file://` (no network anywhere).
final class RemoteRepositoryFixture: @unchecked Sendable {
    let root: URL
    var repository: URL { root.appendingPathComponent("repo") }
    var cache: RemoteCache { RemoteCache(directory: root.appendingPathComponent("cache").path) }
    /// Commits by name: v1 (tagged, annotated), main, dev (a branch).
    var commits: [String: String] = [:]

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"])
        try git(["config", "user.name", "Remote Tester"])
        try git(["config", "user.email", "remote@example.com"])
        try write("base/kustomization.yaml", """
            resources:
            - deploy.yaml
            configMapGenerator:
            - name: settings
              literals:
              - mode=remote
            labels:
            - pairs:
                from: remote
            """)
        try write("base/deploy.yaml", Self.deployment(replicas: 1))
        try write("overlays/prod/kustomization.yaml", """
            namePrefix: prod-
            resources:
            - ../../base
            patches:
            - patch: |-
                - op: replace
                  path: /spec/replicas
                  value: 5
              target:
                kind: Deployment
            """)
        try write("components/extra/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1alpha1
            kind: Component
            commonAnnotations:
              extra: "yes"
            """)
        try write("escape/kustomization.yaml", "resources:\n- ../outside.yaml\n")
        try write("outside.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n")
        try write("file.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: file\n")
        try commit("v1 content")
        try git(["tag", "-a", "v1", "-m", "release v1"])
        commits["v1"] = try git(["rev-parse", "HEAD"])
        try write("base/deploy.yaml", Self.deployment(replicas: 2))
        try commit("main content")
        commits["main"] = try git(["rev-parse", "HEAD"])
        try git(["checkout", "-q", "-b", "dev"])
        try write("base/deploy.yaml", Self.deployment(replicas: 3))
        try commit("dev content")
        commits["dev"] = try git(["rev-parse", "HEAD"])
        try git(["checkout", "-q", "main"])
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    static func deployment(replicas: Int) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: \(replicas)
          template:
            spec:
              containers:
              - name: web
                image: nginx:1.27
                envFrom:
                - configMapRef:
                    name: settings

        """
    }

    func write(_ path: String, _ text: String) throws {
        let url = repository.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((text.hasSuffix("\n") ? text : text + "\n").utf8).write(to: url)
    }

    func commit(_ message: String) throws {
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", message], environment: ["GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
                                                               "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z"])
    }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let (status, out, err) = try Self.run("/usr/bin/git", arguments, in: repository, environment: environment)
        guard status == 0 else { throw ManifestsError.message("git \(arguments.joined(separator: " ")) failed: \(err)") }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The file:// URL of the fixture repository with a path and query.
    func url(_ path: String = "", ref: String? = nil) -> String {
        "file://" + repository.path + (path.isEmpty ? "" : "//" + path) + (ref.map { "?ref=" + $0 } ?? "")
    }

    /// A local kustomization (in its own folder) listing `resources`, and optionally `components`.
    func kustomization(_ name: String, resources: [String], components: [String] = [],
                       extra: String = "") throws -> String {
        let dir = root.appendingPathComponent("local/" + name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var text = "resources:\n" + resources.map { "- \($0)\n" }.joined()
        if !components.isEmpty { text += "components:\n" + components.map { "- \($0)\n" }.joined() }
        text += extra
        try Data(text.utf8).write(to: dir.appendingPathComponent("kustomization.yaml"))
        return dir.path
    }

    /// `kf build`'s YAML with this fixture's cache; warnings collected.
    func build(_ dir: String, cache: RemoteCache? = nil, restriction: LoadRestriction = .rootOnly) throws
        -> (yaml: String, warnings: [String]) {
        let warnings = Warnings()
        let options = BuildOptions(loadRestriction: restriction, warn: { warnings.add($0) },
                                   remoteCache: cache ?? self.cache)
        let yaml = try Kustomizer(options: options).buildYAML(dir)
        return (yaml, warnings.lines)
    }

    func failure(_ dir: String, restriction: LoadRestriction = .rootOnly) -> String {
        do {
            _ = try build(dir, restriction: restriction)
            return "(built)"
        } catch {
            return "\(error)"
        }
    }

    /// `kubectl kustomize dir` with the pinned kubectl, or nil (with the reason printed) when it is absent.
    static func kubectl(_ dir: String) throws -> String? {
        let kubectl = TestPaths.kubectl.path
        guard FileManager.default.isExecutableFile(atPath: kubectl) else {
            print("skipping the kubectl comparison: \(kubectl) is absent (run scripts/install-tools.sh)")
            return nil
        }
        let (status, out, err) = try run(kubectl, ["kustomize", dir], in: URL(fileURLWithPath: dir))
        guard status == 0 else { throw ManifestsError.message("kubectl kustomize \(dir) failed: \(err)") }
        return out
    }

    static func run(_ tool: String, _ arguments: [String], in directory: URL,
                    environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = Results()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.set(0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            group.leave()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errData.all[0] ?? "")
    }
}

final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    func add(_ line: String) { lock.lock(); collected.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return collected }
}

@Suite(.serialized)
struct RemoteBaseTests {
    @Test func tagBranchCommitAndDefaultBranchEachBuildTheirOwnContent() throws {
        let fixture = try RemoteRepositoryFixture()
        let cases: [(String?, Int)] = [("v1", 1), ("main", 2), ("dev", 3), (fixture.commits["v1"], 1),
                                       (fixture.commits["dev"], 3), (nil, 2)]
        for (index, (ref, replicas)) in cases.enumerated() {
            let dir = try fixture.kustomization("ref\(index)", resources: [fixture.url("base", ref: ref)])
            let built = try fixture.build(dir)
            #expect(built.yaml.contains("replicas: \(replicas)\n"), "ref \(ref ?? "(default)"): \(built.yaml)")
            #expect(built.yaml.contains("from: remote"))
            #expect(built.warnings.isEmpty, "\(built.warnings)")
            if let expected = try RemoteRepositoryFixture.kubectl(dir) {
                #expect(built.yaml == expected, "ref \(ref ?? "(default)") differs from kubectl kustomize")
            }
        }
    }

    @Test func subdirectoryWithALocalBaseInsideTheRepositoryAndARemoteComponent() throws {
        let fixture = try RemoteRepositoryFixture()
        let dir = try fixture.kustomization("overlay", resources: [fixture.url("overlays/prod", ref: "v1")],
                                            components: [fixture.url("components/extra", ref: "main")])
        let built = try fixture.build(dir)
        #expect(built.yaml.contains("name: prod-web"))
        #expect(built.yaml.contains("replicas: 5"))
        #expect(built.yaml.contains("extra: \"yes\""))
        if let expected = try RemoteRepositoryFixture.kubectl(dir) {
            #expect(built.yaml == expected)
        }
    }

    @Test func originAnnotationsRecordTheRepositoryAndRefAsKustomizeDoes() throws {
        let fixture = try RemoteRepositoryFixture()
        let dir = try fixture.kustomization("origin", resources: [fixture.url("base", ref: "v1"),
                                                                  fixture.url("overlays/prod", ref: "main")],
                                            extra: "namespace: demo\nbuildMetadata: [originAnnotations]\n")
        let built = try fixture.build(dir)
        #expect(built.yaml.contains("repo: file://\(fixture.repository.path)"))
        #expect(built.yaml.contains("ref: v1"))
        if let expected = try RemoteRepositoryFixture.kubectl(dir) {
            #expect(built.yaml == expected)
        }
    }

    @Test func aCommitIsReusedFromTheCacheWhenTheRepositoryIsGone() throws {
        let fixture = try RemoteRepositoryFixture()
        let sha = try #require(fixture.commits["v1"])
        let dir = try fixture.kustomization("sha", resources: [fixture.url("base", ref: sha)])
        let first = try fixture.build(dir)
        try FileManager.default.removeItem(at: fixture.repository)
        let second = try fixture.build(dir)
        #expect(second.yaml == first.yaml)
        #expect(second.warnings.isEmpty, "a commit never goes stale: \(second.warnings)")
    }

    @Test func aBranchFallsBackToTheCachedCopyWithAWarningWhenTheRemoteIsUnreachable() throws {
        let fixture = try RemoteRepositoryFixture()
        let dir = try fixture.kustomization("branch", resources: [fixture.url("base", ref: "dev")])
        let first = try fixture.build(dir)
        #expect(first.warnings.isEmpty)
        try FileManager.default.removeItem(at: fixture.repository)
        let second = try fixture.build(dir)
        #expect(second.yaml == first.yaml)
        #expect(second.warnings.count == 1)
        #expect(second.warnings.first?.contains("could not reach file://\(fixture.repository.path)") == true,
                "\(second.warnings)")
        #expect(second.warnings.first?.contains(String(fixture.commits["dev"]!.prefix(12))) == true)
    }

    @Test func aBranchIsFetchedAgainSoNewCommitsAreSeen() throws {
        let fixture = try RemoteRepositoryFixture()
        let dir = try fixture.kustomization("moving", resources: [fixture.url("base", ref: "main")])
        #expect(try fixture.build(dir).yaml.contains("replicas: 2\n"))
        try fixture.write("base/deploy.yaml", RemoteRepositoryFixture.deployment(replicas: 7))
        try fixture.commit("move main")
        #expect(try fixture.build(dir).yaml.contains("replicas: 7\n"))
    }

    @Test func withoutNetworkTheErrorNamesTheURLAndHowToVendorIt() throws {
        let fixture = try RemoteRepositoryFixture()
        let url = "https://kf-test.invalid/org/repo//base?ref=v1"
        let dir = try fixture.kustomization("offline", resources: [url])
        let message = fixture.failure(dir)
        #expect(message.contains("remote base '\(url)'"), "\(message)")
        #expect(message.contains("vendor the base"), "\(message)")
        #expect(message.contains("git clone --branch v1 https://kf-test.invalid/org/repo"), "\(message)")
        #expect(!message.contains("\n"))
        // Nothing half-written: no temporary folders, no tree, no record.
        let cache = fixture.cache.directory
        for sub in ["trees", "refs"] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/" + sub)) ?? []
            #expect(entries.isEmpty, "\(sub): \(entries)")
        }
    }

    @Test func anUnreachableHostIsAConnectionError() throws {
        let fixture = try RemoteRepositoryFixture()
        let url = "http://127.0.0.1:9/org/repo//base"
        let dir = try fixture.kustomization("refused", resources: [url])
        let message = fixture.failure(dir)
        #expect(message.contains("remote base '\(url)': cannot connect"), "\(message)")
        #expect(message.contains("vendor the base"), "\(message)")
    }

    @Test func unknownRefMissingPathAndMissingRepositoryEachSayWhat() throws {
        let fixture = try RemoteRepositoryFixture()
        let unknownRef = fixture.failure(try fixture.kustomization("r", resources: [fixture.url("base", ref: "nope")]))
        #expect(unknownRef.contains("has no branch or tag named 'nope'"), "\(unknownRef)")
        #expect(unknownRef.contains("dev") && unknownRef.contains("v1"), "the refs it has are listed: \(unknownRef)")
        let missingCommit = fixture.failure(try fixture.kustomization("c", resources: [
            fixture.url("base", ref: String(repeating: "0", count: 39) + "1")]))
        #expect(missingCommit.contains("is not in file://"), "\(missingCommit)")
        let missingPath = fixture.failure(try fixture.kustomization("p", resources: [fixture.url("nothere", ref: "v1")]))
        #expect(missingPath.contains("there is no directory 'nothere' in file://"), "\(missingPath)")
        let file = fixture.failure(try fixture.kustomization("f", resources: [fixture.url("file.yaml", ref: "v1")]))
        #expect(file.contains("is a file; a remote base must be a directory"), "\(file)")
        let noRepo = fixture.failure(try fixture.kustomization("n", resources: [
            "file://" + fixture.root.path + "/no-such-repo//base?ref=v1"]))
        #expect(noRepo.contains("there is no git repository at file://"), "\(noRepo)")
    }

    @Test func aRemoteRootIsItsOwnRootWhateverTheRestriction() throws {
        let fixture = try RemoteRepositoryFixture()
        let dir = try fixture.kustomization("escape", resources: [fixture.url("escape", ref: "v1")])
        let message = fixture.failure(dir, restriction: .none)
        #expect(message.contains("is not in or below"), "\(message)")
    }

    @Test func aRemoteKustomizationCannotIncludeItself() throws {
        let fixture = try RemoteRepositoryFixture()
        try fixture.write("loop/kustomization.yaml", "resources:\n- \(fixture.url("loop", ref: "main"))\n")
        try fixture.commit("a loop")
        let dir = try fixture.kustomization("loop", resources: [fixture.url("loop", ref: "main")])
        let message = fixture.failure(dir)
        #expect(message.contains("cycle detected"), "\(message)")
    }

    @Test func concurrentBuildsShareTheCacheWithoutCorruptingIt() throws {
        let fixture = try RemoteRepositoryFixture()
        let dirs = try (0..<4).map { try fixture.kustomization("parallel\($0)", resources: [
            fixture.url("base", ref: ["v1", "main", "dev", "v1"][$0])]) }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                results.set(index, try fixture.build(dirs[index % 4]).yaml)
            } catch {
                results.set(index, "error: \(error)")
            }
        }
        let outputs = results.all
        for index in 0..<8 {
            #expect(outputs[index]?.hasPrefix("error") == false, "\(outputs[index] ?? "")")
            #expect(outputs[index] == outputs[index % 4])
        }
        let trees = try FileManager.default.contentsOfDirectory(atPath: fixture.cache.directory + "/trees")
        #expect(trees.sorted() == [fixture.commits["v1"]!, fixture.commits["main"]!, fixture.commits["dev"]!].sorted(),
                "only whole trees, no temporary folders left: \(trees)")
    }

    @Test func submodulesAreNotFetchedAndTheBuildSaysSo() throws {
        let fixture = try RemoteRepositoryFixture()
        try fixture.git(["checkout", "-q", "-b", "subs"])
        try fixture.write(".gitmodules", "[submodule \"lib\"]\n\tpath = lib\n\turl = https://example.com/lib.git\n")
        try fixture.commit("declare a submodule")
        let warned = try fixture.build(try fixture.kustomization("subs", resources: [fixture.url("base", ref: "subs")]))
        #expect(warned.warnings.contains { $0.contains("has submodules, which kf does not fetch") }, "\(warned.warnings)")
        let quiet = try fixture.build(try fixture.kustomization("quiet", resources: [
            fixture.url("base", ref: "subs") + "&submodules=false"]))
        #expect(quiet.warnings.isEmpty, "\(quiet.warnings)")
    }

    @Test func theTopLevelMayBeARemoteURL() throws {
        let fixture = try RemoteRepositoryFixture()
        let built = try fixture.build(fixture.url("overlays/prod", ref: "dev"))
        #expect(built.yaml.contains("name: prod-web"))
        #expect(built.yaml.contains("replicas: 5"))
    }

    @Test func theCacheLivesUnderXDGCacheHomeOrHome() {
        #expect(RemoteCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"])
                == "/x/cache/kf/remote")
        #expect(RemoteCache.defaultDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.cache/kf/remote")
        #expect(RemoteCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"])
                == "/home/u/.cache/kf/remote")
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: String] = [:]
    func set(_ index: Int, _ value: String) { lock.lock(); values[index] = value; lock.unlock() }
    var all: [Int: String] { lock.lock(); defer { lock.unlock() }; return values }
}
