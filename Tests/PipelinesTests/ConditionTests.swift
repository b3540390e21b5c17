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

    /// A condition in Argo's `when` form, substituted as Argo substitutes `{{...}}` (the value's bare text), decides
    /// as the CEL condition does; what govaluate cannot say is not translated.
    @Test(arguments: [
        ("int(inputs.parameter_values['pipelinechannel--add-Output']) > 3", "{{p.pipelinechannel--add-Output}} > 3"),
        ("!(int(inputs.parameter_values['pipelinechannel--add-Output']) > 3)", "!({{p.pipelinechannel--add-Output}} > 3)"),
        ("inputs.parameter_values['flip'] == 'heads' && inputs.parameter_values['rate'] < 1.0",
         "('{{p.flip}}' == 'heads') && ({{p.rate}} < 1.0)"),
        ("inputs.parameter_values['flip'] == \"tails\" || false", "('{{p.flip}}' == 'tails') || (false)"),
        ("inputs.parameter_values['pipelinechannel--add-Output'] % 4 == 2", "{{p.pipelinechannel--add-Output}} % 4 == 2"),
        ("string(inputs.parameter_values['pipelinechannel--add-Output']) == '6'", "'{{p.pipelinechannel--add-Output}}' == '6'"),
    ])
    func argoWhenDecidesAsTheCondition(_ text: String, _ expected: String) throws {
        let condition = try Condition(text)
        let when = try #require(condition.argoWhen { "{{p.\($0)}}" })
        #expect(when == expected)
        var substituted = when
        if case let .map(pairs)? = inputs["inputs.parameter_values"] {
            for (name, value) in pairs { substituted = substituted.replacingOccurrences(of: "{{p.\(name)}}", with: value.description) }
        }
        #expect(try Condition(substituted, bareWords: true).evaluate([:]) == condition.evaluate(inputs), "\(substituted)")
    }

    @Test func argoWhenLeavesOutWhatGovaluateCannotSay() throws {
        for text in ["inputs.parameter_values['flip'] in ['heads', 'tails']", "size(inputs.parameter_values['flip']) == 5",
                     "inputs.parameter_values['unknown'] == 1"] {
            #expect(try Condition(text).argoWhen { $0 == "unknown" ? nil : "{{p.\($0)}}" } == nil, "\(text)")
        }
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
