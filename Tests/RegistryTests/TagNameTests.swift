import Testing
@testable import Registry

struct TagNameTests {
    @Test(arguments: [
        ("m@v1.2.3", TagAction.register, "m", "v1.2.3", nil, nil),
        ("m@v1.2.3!", .deregister, "m", "v1.2.3", nil, nil),
        ("m@v1.2.3#4", .register, "m", "v1.2.3", nil, 4),
        ("m@v1.0.0-rc.1+build.5!#12", .deregister, "m", "v1.0.0-rc.1+build.5", nil, 12),
        ("m#prod", .assign, "m", nil, "prod", nil),
        ("m#prod#3", .assign, "m", nil, "prod", 3),
        ("m#prod!#007", .unassign, "m", nil, "prod", 7),
        ("m@deprecated", .deprecate, "m", nil, nil, nil),
        ("m@deprecated#2", .deprecate, "m", nil, nil, 2),
        ("m@created", .create, "m", nil, nil, nil),
        ("dir/sub=model#dev#1", .assign, "dir/sub:model", nil, "dev", 1),
        ("a/b_c-d@v0.0.1", .register, "a/b_c-d", "v0.0.1", nil, nil),
    ] as [(String, TagAction, String, String?, String?, Int?)])
    func parsesGTOTags(tag: String, action: TagAction, artifact: String, version: String?, stage: String?, counter: Int?) throws {
        let parsed = try #require(TagName(parsing: tag))
        #expect(parsed.action == action)
        #expect(parsed.artifact == artifact)
        #expect(parsed.version == version)
        #expect(parsed.stage == stage)
        #expect(parsed.counter == counter)
    }

    @Test(arguments: ["m", "v1.0.0", "m@1.0.0", "m@v1.0", "m#", "m#-x", "m@deprecated!", "m@created!", "m#prod#",
                      "m#prod#x", "-m@v1.0.0", "m.n@v1.0.0", "a=b=c@v1.0.0", "m@v1.0.0#", "m@latest", "m##prod"])
    func rejectsOtherTags(tag: String) {
        #expect(TagName(parsing: tag) == nil)
    }

    @Test func formatsTagsAsGTO() {
        #expect(TagName.simple(.register, artifact: "dir:m", version: "v1.0.0") == "dir=m@v1.0.0")
        #expect(TagName.simple(.deregister, artifact: "m", version: "v1.0.0") == "m@v1.0.0!")
        #expect(TagName.simple(.assign, artifact: "m", stage: "prod") == "m#prod")
        #expect(TagName.simple(.unassign, artifact: "m", stage: "prod") == "m#prod!")
        #expect(TagName.simple(.deprecate, artifact: "m") == "m@deprecated")
    }

    @Test func namesFollowGTOsPattern() {
        for valid in ["a", "ab", "a/b", "a-/b", "A1", "x_y", "dir/x:model", "d.ir:m"] { #expect(ArtifactName.isValid(valid), "\(valid)") }
        for invalid in ["", "a.b", "-a", "a-", "a:b:c", "a b", "ab/", "a#b", ":m", "m:"] { #expect(!ArtifactName.isValid(invalid), "\(invalid)") }
        #expect(!ArtifactName.isValidName("dir:m"))
    }

    @Test func parsesShortcuts() {
        #expect(RegistryViews.parseReference("m")?.selector == .all)
        #expect(RegistryViews.parseReference("m@latest")?.selector == .latest)
        #expect(RegistryViews.parseReference("m@greatest")?.selector == .latest)
        #expect(RegistryViews.parseReference("dir:m@v1.0.0")?.selector == .version("v1.0.0"))
        #expect(RegistryViews.parseReference("m#prod")?.selector == .stage("prod"))
        #expect(RegistryViews.parseReference("m@1.0") == nil)
        #expect(RegistryViews.parseReference("m#") == nil)
    }
}
