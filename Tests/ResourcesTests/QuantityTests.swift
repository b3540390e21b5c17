import Testing
@testable import Resources

@Suite struct QuantityTests {
    @Test(arguments: [("500m", true), ("2", true), ("1.5Gi", true), ("1e3", true), ("-1", true), ("Gi", false),
                      ("1..2", false), ("1Gb", false), ("", false), ("1e", false), (".5", true), ("+3k", true),
                      ("1E-2", true), ("1e400", false)])
    func validity(text: String, valid: Bool) {
        #expect(Quantity.isValid(text) == valid)
    }

    @Test(arguments: [("500m", 0.5), ("2", 2), ("1.5Gi", 1_610_612_736), ("1e3", 1000), ("-1", -1), ("4Ki", 4096),
                      ("250M", 250_000_000), ("1E-2", 0.01), (".5", 0.5), ("100n", 1e-7)])
    func amounts(text: String, amount: Double) throws {
        let quantity = try #require(Quantity(text))
        #expect(abs(quantity.amount - amount) <= abs(amount) * 1e-12)
        #expect(quantity.description == text)
    }
}
