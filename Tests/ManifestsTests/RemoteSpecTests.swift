import Testing
@testable import Manifests

/// The remote-base grammar, checked with the cases kustomize v5.8.1's own parser tests use.
struct RemoteSpecTests {
    struct Expected {
        let input: String
        let cloneURL: String
        let host: String
        let repoPath: String
        let rootPath: String
        let ref: String
    }

    /// Every combination of host form, repository, path and ref parses back into its parts.
    @Test func permutationsOfHostRepositoryPathAndRef() throws {
        let hosts: [(raw: String, normalized: String)] = [
            ("gitHub.com/", "https://github.com/"),
            ("github.com:", "https://github.com/"),
            ("http://github.com/", "https://github.com/"),
            ("https://github.com/", "https://github.com/"),
            ("hTTps://github.com/", "https://github.com/"),
            ("https://git-codecommit.us-east-2.amazonaws.com/", "https://git-codecommit.us-east-2.amazonaws.com/"),
            ("https://fabrikops2.visualstudio.com/", "https://fabrikops2.visualstudio.com/"),
            ("ssh://git.example.com:7999/", "ssh://git.example.com:7999/"),
            ("git::https://gitlab.com/", "https://gitlab.com/"),
            ("git::http://git.example.com/", "http://git.example.com/"),
            ("git::https://git.example.com/", "https://git.example.com/"),
            ("git@github.com:", "git@github.com:"),
            ("git@github.com/", "git@github.com:"),
            ("git::git@github.com:", "git@github.com:"),
            ("org-12345@github.com:", "org-12345@github.com:"),
            ("org-12345@github.com/", "org-12345@github.com:"),
        ]
        var count = 0
        for host in hosts {
            for repo in ["someOrg/someRepo", "kubernetes/website"] {
                for path in ["README.md", "foo/krusty.txt", ""] {
                    for ref in ["group/version", "someBranch", "master", "v0.1.0", ""] {
                        var url = host.raw + repo + (path.isEmpty ? "" : "/" + path)
                        if !ref.isEmpty { url += "?ref=" + ref }
                        let spec = try RemoteSpec(url)
                        #expect(spec.host == host.normalized, "host of \(url)")
                        #expect(spec.repoPath == repo, "repository of \(url)")
                        #expect(spec.rootPath == path, "path of \(url)")
                        #expect(spec.ref == ref, "ref of \(url)")
                        count += 1
                    }
                }
            }
        }
        #expect(count == 480)
    }

    @Test(arguments: [
        ("/tmp", "uri looks like abs path"),
        ("../../tmp", "failed to parse scheme"),
        ("src/github.com/org/repo/path", "failed to parse scheme"),
        ("iauhsdiuashduas", "failed to parse scheme"),
        ("htxxxtp://github.com/", "failed to parse scheme"),
        ("ssh://git.example.com", "failed to parse repo path segment"),
        ("git::___", "failed to parse scheme"),
        ("https://host?ref=group/version/minor_version", "failed to parse repo path segment"),
        ("https://github.com/org/repo.git//path/../../exits/repo", "url path exits repo"),
        ("github.com!org/repo.git//path", "failed to parse scheme"),
        ("gh:org/repo", "failed to parse scheme"),
        ("https://github.com/thisisa404.yaml", "failed to parse repo path segment"),
        ("file:////tmp//path/to/whatever", "failed to parse repo path segment"),
        ("git@scp://github.com/org/repo.git//path", "failed to parse repo path segment"),
        ("git@ssh://github.com/org/repo.git//path", "failed to parse repo path segment"),
        ("base", "failed to parse scheme"),
        ("deployment.yaml", "failed to parse scheme"),
    ])
    func localPathsAndBadURLsAreNotRemote(input: String, reason: String) {
        #expect(throws: RemoteSpecError.self) { try RemoteSpec(input) }
        do {
            _ = try RemoteSpec(input)
        } catch let error as RemoteSpecError {
            #expect(error.reason.hasPrefix(reason), "\(input): \(error.reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(!RemoteSpec.isRemote(input))
    }

    static let smoke: [Expected] = [
        .init(input: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir",
              cloneURL: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
              host: "https://git-codecommit.us-east-2.amazonaws.com/", repoPath: "someorg/somerepo",
              rootPath: "somedir", ref: ""),
        .init(input: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir?ref=testbranch",
              cloneURL: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
              host: "https://git-codecommit.us-east-2.amazonaws.com/", repoPath: "someorg/somerepo",
              rootPath: "somedir", ref: "testbranch"),
        .init(input: "https://fabrikops2.visualstudio.com/someorg/somerepo?ref=master",
              cloneURL: "https://fabrikops2.visualstudio.com/someorg/somerepo",
              host: "https://fabrikops2.visualstudio.com/", repoPath: "someorg/somerepo", rootPath: "", ref: "master"),
        .init(input: "http://github.com/someorg/somerepo/somedir", cloneURL: "https://github.com/someorg/somerepo",
              host: "https://github.com/", repoPath: "someorg/somerepo", rootPath: "somedir", ref: ""),
        .init(input: "git@github.com:someorg/somerepo/somedir", cloneURL: "git@github.com:someorg/somerepo",
              host: "git@github.com:", repoPath: "someorg/somerepo", rootPath: "somedir", ref: ""),
        .init(input: "http://github.com/someorg/somerepo.git/somedir",
              cloneURL: "https://github.com/someorg/somerepo.git",
              host: "https://github.com/", repoPath: "someorg/somerepo.git", rootPath: "somedir", ref: ""),
        .init(input: "git@github.com:someorg/somerepo.git/somedir", cloneURL: "git@github.com:someorg/somerepo.git",
              host: "git@github.com:", repoPath: "someorg/somerepo.git", rootPath: "somedir", ref: ""),
        .init(input: "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git?ref=v0.1.0",
              cloneURL: "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git",
              host: "git@gitlab2.sqtools.ru:", repoPath: "infra/kubernetes/thanos-base.git", rootPath: "",
              ref: "v0.1.0"),
        .init(input: "git@bitbucket.org:company/project.git//path?ref=branch",
              cloneURL: "git@bitbucket.org:company/project.git",
              host: "git@bitbucket.org:", repoPath: "company/project.git", rootPath: "path", ref: "branch"),
        .init(input: "git@bitbucket.org/company/project.git//path?ref=branch",
              cloneURL: "git@bitbucket.org/company/project.git",
              host: "git@bitbucket.org/", repoPath: "company/project.git", rootPath: "path", ref: "branch"),
        .init(input: "ssh://git@bitbucket.org/company/project.git//path?ref=branch",
              cloneURL: "ssh://git@bitbucket.org/company/project.git",
              host: "ssh://git@bitbucket.org/", repoPath: "company/project.git", rootPath: "path", ref: "branch"),
        .init(input: "https://itfs.mycompany.com/collection/project/_git/somerepos",
              cloneURL: "https://itfs.mycompany.com/collection/project/_git/somerepos",
              host: "https://itfs.mycompany.com/", repoPath: "collection/project/_git/somerepos", rootPath: "",
              ref: ""),
        .init(input: "https://itfs.mycompany.com/collection/project/_git/somerepos?version=v1.0.0",
              cloneURL: "https://itfs.mycompany.com/collection/project/_git/somerepos",
              host: "https://itfs.mycompany.com/", repoPath: "collection/project/_git/somerepos", rootPath: "",
              ref: "v1.0.0"),
        .init(input: "https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0",
              cloneURL: "https://itfs.mycompany.com/collection/project/_git/somerepos",
              host: "https://itfs.mycompany.com/", repoPath: "collection/project/_git/somerepos",
              rootPath: "somedir", ref: "v1.0.0"),
        .init(input: "git::https://itfs.mycompany.com/collection/project/_git/somerepos",
              cloneURL: "https://itfs.mycompany.com/collection/project/_git/somerepos",
              host: "https://itfs.mycompany.com/", repoPath: "collection/project/_git/somerepos", rootPath: "",
              ref: ""),
        .init(input: "https://bitbucket.example.com/scm/project/repository.git",
              cloneURL: "https://bitbucket.example.com/scm/project/repository.git",
              host: "https://bitbucket.example.com/", repoPath: "scm/project/repository.git", rootPath: "", ref: ""),
        .init(input: "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somepath",
              cloneURL: "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
              host: "ssh://git-codecommit.us-east-2.amazonaws.com/", repoPath: "someorg/somerepo",
              rootPath: "somepath", ref: ""),
        .init(input: "git@github.com/someorg/somerepo/somepath", cloneURL: "git@github.com:someorg/somerepo",
              host: "git@github.com:", repoPath: "someorg/somerepo", rootPath: "somepath", ref: ""),
        .init(input: "https://github.com/kubernetes-sigs/kustomize//examples/multibases/dev/?ref=v1.0.6",
              cloneURL: "https://github.com/kubernetes-sigs/kustomize",
              host: "https://github.com/", repoPath: "kubernetes-sigs/kustomize",
              rootPath: "examples/multibases/dev/", ref: "v1.0.6"),
        .init(input: "file://a/b/c/someRepo.git/somepath?ref=someBranch", cloneURL: "file://a/b/c/someRepo.git",
              host: "file://", repoPath: "a/b/c/someRepo.git", rootPath: "somepath", ref: "someBranch"),
        .init(input: "file://a/b/c/someRepo//somepath?ref=someBranch", cloneURL: "file://a/b/c/someRepo",
              host: "file://", repoPath: "a/b/c/someRepo", rootPath: "somepath", ref: "someBranch"),
        .init(input: "file://a/b/c/someRepo?ref=someBranch", cloneURL: "file://a/b/c/someRepo",
              host: "file://", repoPath: "a/b/c/someRepo", rootPath: "", ref: "someBranch"),
        .init(input: "file:///a/b/c/someRepo?ref=someBranch", cloneURL: "file:///a/b/c/someRepo",
              host: "file://", repoPath: "/a/b/c/someRepo", rootPath: "", ref: "someBranch"),
        .init(input: "ssh://git@github.com/kubernetes-sigs/kustomize//examples/multibases/dev?ref=v1.0.6",
              cloneURL: "git@github.com:kubernetes-sigs/kustomize",
              host: "git@github.com:", repoPath: "kubernetes-sigs/kustomize", rootPath: "examples/multibases/dev",
              ref: "v1.0.6"),
        .init(input: "file:///a/b/c/someRepo", cloneURL: "file:///a/b/c/someRepo",
              host: "file://", repoPath: "/a/b/c/someRepo", rootPath: "", ref: ""),
        .init(input: "file:///", cloneURL: "file:///", host: "file://", repoPath: "/", rootPath: "", ref: ""),
        .init(input: "https://example.org/path/to/repo//examples/multibases/dev",
              cloneURL: "https://example.org/path/to/repo",
              host: "https://example.org/", repoPath: "path/to/repo", rootPath: "examples/multibases/dev", ref: ""),
        .init(input: "https://example.org/path/to/repo.git/examples/multibases/dev",
              cloneURL: "https://example.org/path/to/repo.git",
              host: "https://example.org/", repoPath: "path/to/repo.git", rootPath: "examples/multibases/dev",
              ref: ""),
        .init(input: "ssh://alice@example.com/path/to/repo//examples/multibases/dev",
              cloneURL: "ssh://alice@example.com/path/to/repo",
              host: "ssh://alice@example.com/", repoPath: "path/to/repo", rootPath: "examples/multibases/dev",
              ref: ""),
        .init(input: "https://authority/org/repo?ref=group/version", cloneURL: "https://authority/org/repo",
              host: "https://authority/", repoPath: "org/repo", rootPath: "", ref: "group/version"),
        .init(input: "https://authority/org/repo/?ref=includes_git/for_some_reason",
              cloneURL: "https://authority/org/repo",
              host: "https://authority/", repoPath: "org/repo", rootPath: "", ref: "includes_git/for_some_reason"),
        .init(input: "https://authority/org/repo/?ref=includes.git/for_some_reason",
              cloneURL: "https://authority/org/repo",
              host: "https://authority/", repoPath: "org/repo", rootPath: "", ref: "includes.git/for_some_reason"),
        .init(input: "https://authority/org/repo/%-invalid-uri-so-not-parsable-by-net/url.Parse",
              cloneURL: "https://authority/org/repo", host: "https://authority/", repoPath: "org/repo",
              rootPath: "%-invalid-uri-so-not-parsable-by-net/url.Parse", ref: ""),
        .init(input: "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git//path?ref=branch",
              cloneURL: "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git",
              host: "ssh://myusername@bitbucket.org/", repoPath: "ourteamname/ourrepositoryname.git",
              rootPath: "path", ref: "branch"),
        .init(input: "file://git@home/path/to/repository.git//path?ref=branch",
              cloneURL: "file://git@home/path/to/repository.git",
              host: "file://", repoPath: "git@home/path/to/repository.git", rootPath: "path", ref: "branch"),
        .init(input: "http://git@home.com/path/to/repository.git//path?ref=branch",
              cloneURL: "http://git@home.com/path/to/repository.git",
              host: "http://git@home.com/", repoPath: "path/to/repository.git", rootPath: "path", ref: "branch"),
        .init(input: "https://git@home.com/path/to/repository.git//path?ref=branch",
              cloneURL: "https://git@home.com/path/to/repository.git",
              host: "https://git@home.com/", repoPath: "path/to/repository.git", rootPath: "path", ref: "branch"),
        .init(input: "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git",
              cloneURL: "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git",
              host: "ssh://git@ssh.github.com:443/", repoPath: "YOUR-USERNAME/YOUR-REPOSITORY.git", rootPath: "",
              ref: ""),
        .init(input: "git@gitlab.com/user:name/YOUR-REPOSITORY.git/path",
              cloneURL: "git@gitlab.com/user:name/YOUR-REPOSITORY.git",
              host: "git@gitlab.com/", repoPath: "user:name/YOUR-REPOSITORY.git", rootPath: "path", ref: ""),
        .init(input: "git@gitlab.com:gitlab-tests/sample-project.git",
              cloneURL: "git@gitlab.com:gitlab-tests/sample-project.git",
              host: "git@gitlab.com:", repoPath: "gitlab-tests/sample-project.git", rootPath: "", ref: ""),
        .init(input: "git@gitlab.com:gitlab-tests/sample-project", cloneURL: "git@gitlab.com:gitlab-tests/sample-project",
              host: "git@gitlab.com:", repoPath: "gitlab-tests/sample-project", rootPath: "", ref: ""),
        .init(input: "https://username@dev.azure.com/org/project/_git/repo//path/to/kustomization/root",
              cloneURL: "https://username@dev.azure.com/org/project/_git/repo",
              host: "https://username@dev.azure.com/", repoPath: "org/project/_git/repo",
              rootPath: "path/to/kustomization/root", ref: ""),
        .init(input: "https://org.visualstudio.com/project/_git/repo/path/to/kustomization/root",
              cloneURL: "https://org.visualstudio.com/project/_git/repo",
              host: "https://org.visualstudio.com/", repoPath: "project/_git/repo",
              rootPath: "path/to/kustomization/root", ref: ""),
        .init(input: "ssh://org-12345@github.com/kubernetes-sigs/kustomize",
              cloneURL: "org-12345@github.com:kubernetes-sigs/kustomize",
              host: "org-12345@github.com:", repoPath: "kubernetes-sigs/kustomize", rootPath: "", ref: ""),
        .init(input: "org-12345@github.com/kubernetes-sigs/kustomize",
              cloneURL: "org-12345@github.com:kubernetes-sigs/kustomize",
              host: "org-12345@github.com:", repoPath: "kubernetes-sigs/kustomize", rootPath: "", ref: ""),
        .init(input: "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git",
              cloneURL: "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git",
              host: "git@gist.github.com:", repoPath: "bc7947cb727d7f9217e7862d961a1ffd.git", rootPath: "", ref: ""),
        .init(input: "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git",
              cloneURL: "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git",
              host: "https://gist.github.com/", repoPath: "bc7947cb727d7f9217e7862d961a1ffd.git", rootPath: "",
              ref: ""),
    ]

    @Test func smokeCases() throws {
        for expected in Self.smoke {
            let spec = try RemoteSpec(expected.input)
            #expect(spec.cloneURL == expected.cloneURL, "clone URL of \(expected.input)")
            #expect(spec.host == expected.host, "host of \(expected.input)")
            #expect(spec.repoPath == expected.repoPath, "repository of \(expected.input)")
            #expect(spec.rootPath == expected.rootPath, "path of \(expected.input)")
            #expect(spec.ref == expected.ref, "ref of \(expected.input)")
            #expect(spec.timeout == 27 && spec.submodules, "defaults of \(expected.input)")
        }
    }

    @Test(arguments: [
        ("somerepos", "", 27.0, true),
        ("somerepos?ref=v1.0.0", "v1.0.0", 27.0, true),
        ("somerepos?version=master", "master", 27.0, true),
        ("somerepos?version=master&ref=v1.0.0", "v1.0.0", 27.0, true),
        ("somerepos?version=master&submodules=", "master", 27.0, true),
        ("somerepos?version=master&submodules=maybe", "master", 27.0, true),
        ("somerepos?version=master&submodules=true", "master", 27.0, true),
        ("somerepos?version=master&submodules=false", "master", 27.0, false),
        ("somerepos?version=master&timeout=", "master", 27.0, true),
        ("somerepos?version=master&timeout=jiffy", "master", 27.0, true),
        ("somerepos?version=master&timeout=0", "master", 27.0, true),
        ("somerepos?version=master&timeout=0s", "master", 27.0, true),
        ("somerepos?version=master&timeout=61", "master", 61.0, true),
        ("somerepos?version=master&timeout=1m1s", "master", 61.0, true),
        ("somerepos?version=master&submodules=false&timeout=1m1s", "master", 61.0, false),
        ("somerepos?ref=a%2Fb&timeout=1.5h", "a/b", 5400.0, true),
        ("somerepos?ref=v1;x=y", "", 27.0, true),
        ("somerepos?ref=v1&bad=%zz", "", 27.0, true),
    ])
    func query(input: String, ref: String, timeout: Double, submodules: Bool) throws {
        let spec = try RemoteSpec("https://example.com/org/" + input)
        #expect(spec.ref == ref, "ref of \(input)")
        #expect(spec.timeout == timeout, "timeout of \(input)")
        #expect(spec.submodules == submodules, "submodules of \(input)")
    }

    @Test func commitRefsAndForcedProtocol() throws {
        let sha = String(repeating: "ab", count: 20)
        #expect(try RemoteSpec("https://github.com/o/r?ref=\(sha)").refIsCommit)
        #expect(try !RemoteSpec("https://github.com/o/r?ref=v1").refIsCommit)
        #expect(try RemoteSpec("git::https://gitlab.com/o/r").forcedGitProtocol)
        #expect(try !RemoteSpec("https://gitlab.com/o/r").forcedGitProtocol)
    }

    @Test func originPathFollowsKustomize() throws {
        #expect(try RemoteSpec("https://github.com/o/r").originPath == "notCloned")
        #expect(try RemoteSpec("https://github.com/o/r//a/b/").originPath == "a/b")
        #expect(try RemoteSpec("https://github.com/o/r/a/./b").originPath == "a/b")
    }
}
