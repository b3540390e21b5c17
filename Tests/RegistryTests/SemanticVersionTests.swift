import Testing
@testable import Registry

struct SemanticVersionTests {
    @Test(arguments: ["v0.0.1", "v1.2.3", "v10.20.30", "v1.0.0-rc.1", "v1.0.0-0a", "v1.0.0-alpha-1.x", "v1.0.0+b.1",
                      "v1.0.0-rc.1+20260101"])
    func acceptsSemver(text: String) { #expect(SemanticVersion(text)?.text == text) }

    @Test(arguments: ["1.0.0", "V1.0.0", "v1.0", "v1.0.0.0", "v01.0.0", "v1.00.0", "v1.0.0-", "v1.0.0-01", "v1.0.0+",
                      "v1.0.0-a..b", "v1.0.0+b..1", "v 1.0.0", "v1.0.0 ", "v-1.0.0", "v1.0.0-a_b"])
    func rejectsOthers(text: String) { #expect(SemanticVersion(text) == nil) }

    @Test func ordersAsPythonSemver() throws {
        func v(_ text: String) throws -> SemanticVersion { try #require(SemanticVersion(text)) }
        #expect(try v("v1.0.0").compare(v("v2.0.0")) == -1)
        #expect(try v("v1.10.0").compare(v("v1.9.0")) == 1)
        #expect(try v("v1.0.0-rc.1").compare(v("v1.0.0")) == -1)
        #expect(try v("v1.0.0-alpha").compare(v("v1.0.0-alpha.1")) == -1)
        #expect(try v("v1.0.0-a.10").compare(v("v1.0.0-a.9")) == 1)
        #expect(try v("v1.0.0-a10").compare(v("v1.0.0-a9")) == -1)
        #expect(try v("v1.0.0-1").compare(v("v1.0.0-a")) == -1)
        #expect(try v("v1.0.0+b1").compare(v("v1.0.0+b2")) == 0)
    }

    @Test func bumpsAsPythonSemver() throws {
        let version = try #require(SemanticVersion("v1.2.3-rc.1+b"))
        #expect(version.bumped(.patch).text == "v1.2.4")
        #expect(version.bumped(.minor).text == "v1.3.0")
        #expect(version.bumped(.major).text == "v2.0.0")
        #expect(SemanticVersion.minimal.text == "v0.0.1")
    }
}
