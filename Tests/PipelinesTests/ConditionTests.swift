@testable import Pipelines
import Resources
import Testing

struct ConditionTests {
    let inputs: [String: Condition.Operand] = [
        "inputs.parameter_values": .map([("pipelinechannel--add-Output", .int(6)), ("flip", .string("heads")), ("rate", .double(0.5))]),
    ]

    @Test(arguments: [
        ("int(inputs.parameter_values['pipelinechannel--add-Output']) > 3", true),
        ("!(int(inputs.parameter_values['pipelinechannel--add-Output']) > 3)", false),
        ("inputs.parameter_values['flip'] == 'heads' && inputs.parameter_values['rate'] < 1.0", true),
        ("inputs.parameter_values['flip'] == \"tails\" || false", false),
        ("inputs.parameter_values['pipelinechannel--add-Output'] % 4 == 2", true),
        ("inputs.parameter_values['flip'] in ['heads', 'tails']", true),
        ("size(inputs.parameter_values['flip']) == 5 && double(inputs.parameter_values['rate']) * 2.0 == 1.0", true),
        ("string(inputs.parameter_values['pipelinechannel--add-Output']) + 'x' == '6x'", true),
    ])
    func kfpConditions(_ text: String, _ expected: Bool) throws {
        #expect(try Condition(text).evaluate(inputs) == expected)
    }

    @Test func argoWhenReadsBareWords() throws {
        #expect(try Condition("heads == heads", bareWords: true).evaluate([:]))
        #expect(try !Condition("5 < 3", bareWords: true).evaluate([:]))
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(throws: PipelineError.self) { try Condition("inputs.parameter_values['x'] >") }
        #expect(throws: PipelineError.self) { try Condition("'open").evaluate([:]) }
        #expect(throws: PipelineError.self) { try Condition("inputs.parameter_values['missing'] == 1").evaluate(inputs) }
        #expect(throws: PipelineError.self) { try Condition("1 + 1").evaluate([:]) }
    }

    @Test func expressionSelectorsPickFieldsOfLoopItems() throws {
        let value = try Condition.select("parseJson(string_value)[\"a\"]", stringValue: "{\"a\": 7, \"b\": 1}", task: "t")
        #expect(value == .int(7))
    }
}
