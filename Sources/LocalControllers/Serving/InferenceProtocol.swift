import Resources

/// KServe's two REST protocols as kf-local's router checks and translates them:
/// - V1: `POST /v1/models/NAME:predict` with `{"instances": [...]}`, answered `{"predictions": [...]}`;
/// - V2 (Open Inference Protocol): `POST /v2/models/NAME/infer` with `{"inputs": [{name, shape, datatype, data}]}`,
///   answered `{"model_name", "id", "outputs": [...]}`.
/// MLServer speaks only V2, so a V1 request becomes one V2 input tensor (`input-0`, its shape and datatype read from
/// the instances) and the first output tensor becomes the predictions, as KServe's V1-over-V2 runtimes do.
public enum InferenceProtocol {
    /// Why a request body cannot be served (answered 400 with this reason).
    public struct BadRequest: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
        init(_ reason: String) { self.reason = reason }
    }

    /// The Open Inference Protocol's tensor datatypes.
    static let datatypes: Set<String> = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
                                         "FP16", "FP32", "FP64", "BYTES"]

    static func parseObject(_ body: [UInt8], what: String) throws(BadRequest) -> Mapping {
        guard !body.isEmpty else { throw BadRequest("the \(what) body is empty; send a JSON object") }
        let value: Value
        do { value = try JSON.parse(body).value } catch { throw BadRequest("the \(what) body is not JSON: \(error)") }
        guard let object = value.mapping else { throw BadRequest("the \(what) body must be a JSON object") }
        return object
    }

    // MARK: V2

    /// Checks a V2 infer request: a JSON object whose `inputs` is a non-empty list of tensors, each with a `name`,
    /// a `shape` of non-negative integers, a known `datatype`, and `data` holding as many elements as the shape says.
    public static func checkV2(_ body: [UInt8]) throws(BadRequest) {
        let object = try parseObject(body, what: "V2 infer request")
        guard let inputs = object["inputs"] else { throw BadRequest("the V2 infer request has no \"inputs\" (a list of tensors)") }
        guard let tensors = inputs.sequence, !tensors.isEmpty else {
            throw BadRequest("\"inputs\" must be a non-empty list of tensors {name, shape, datatype, data}")
        }
        for (index, tensor) in tensors.enumerated() {
            let place = "inputs[\(index)]"
            guard let fields = tensor.mapping else { throw BadRequest("\(place) must be an object {name, shape, datatype, data}") }
            guard let name = fields["name"]?.string, !name.isEmpty else { throw BadRequest("\(place).name must be a non-empty string") }
            guard let shapeItems = fields["shape"]?.sequence else { throw BadRequest("\(place).shape must be a list of integers") }
            var shape: [Int] = []
            for item in shapeItems {
                guard item.scalar?.tag == .int, let dimension = Int(item.text ?? ""), dimension >= 0 else {
                    throw BadRequest("\(place).shape must be a list of non-negative integers, found \(JSON.string(item))")
                }
                shape.append(dimension)
            }
            guard let datatype = fields["datatype"]?.string else { throw BadRequest("\(place).datatype must be a string such as FP64") }
            guard datatypes.contains(datatype) else {
                throw BadRequest("\(place).datatype \(datatype) is not one of \(datatypes.sorted().joined(separator: ", "))")
            }
            guard let data = fields["data"] else { throw BadRequest("\(place) has no \"data\"") }
            let count = try flatCount(data, place: place + ".data")
            let expected = shape.reduce(1, *)
            guard count == expected else {
                throw BadRequest("\(place): shape \(shape) holds \(expected) elements but data has \(count)")
            }
        }
    }

    /// The number of scalars in `data` (a scalar counts one; lists are flattened).
    static func flatCount(_ data: Value, place: String) throws(BadRequest) -> Int {
        switch data {
        case let .sequence(items):
            var total = 0
            for item in items { total += try flatCount(item, place: place) }
            return total
        case let .scalar(scalar):
            guard scalar.tag != .null else { throw BadRequest("\(place) holds null") }
            return 1
        case .mapping:
            throw BadRequest("\(place) holds an object; tensor data are numbers, booleans or strings")
        }
    }

    // MARK: V1 -> V2

    /// A V1 predict request as a V2 infer request: the instances as one tensor `input-0` of shape
    /// `[instances, ...]`, datatype BOOL, INT64, FP64 or BYTES from the values.
    public static func v1ToV2(_ body: [UInt8]) throws(BadRequest) -> [UInt8] {
        let object = try parseObject(body, what: "V1 predict request")
        guard let instances = object["instances"] ?? object["inputs"] else {
            throw BadRequest("the V1 predict request has no \"instances\" (a list, one entry per instance)")
        }
        guard let items = instances.sequence, !items.isEmpty else {
            throw BadRequest("\"instances\" must be a non-empty list")
        }
        var flat: [Value] = []
        let shape = try shapeOf(instances, place: "instances", into: &flat)
        var kinds = Set<String>()
        for value in flat {
            guard let scalar = value.scalar else { continue }
            switch scalar.tag {
            case .null: throw BadRequest("instances hold null; every value must be a number, boolean or string")
            case .int: kinds.insert("int")
            case .float: kinds.insert("float")
            case .bool: kinds.insert("bool")
            case .string, .other: kinds.insert("string")
            }
        }
        let datatype: String
        if kinds == ["bool"] {
            datatype = "BOOL"
        } else if kinds == ["int"] {
            datatype = "INT64"
        } else if kinds.isSubset(of: ["int", "float"]) {
            datatype = "FP64"
        } else if kinds == ["string"] {
            datatype = "BYTES"
        } else {
            throw BadRequest("instances mix numbers, booleans and strings; use one kind of value")
        }
        let tensor = Value.fields([
            ("name", .string("input-0")),
            ("shape", .sequence(shape.map { .int($0) })),
            ("datatype", .string(datatype)),
            ("data", .sequence(flat)),
        ])
        var request = Mapping()
        if let id = object["id"] { request["id"] = id }
        request["inputs"] = .sequence([tensor])
        return JSON.encode(.mapping(request))
    }

    /// The shape of a rectangular nest of lists (appending its scalars to `flat`); ragged nests are refused.
    static func shapeOf(_ value: Value, place: String, into flat: inout [Value]) throws(BadRequest) -> [Int] {
        switch value {
        case let .sequence(items):
            var inner: [Int]?
            for (index, item) in items.enumerated() {
                let shape = try shapeOf(item, place: "\(place)[\(index)]", into: &flat)
                if let inner, inner != shape {
                    throw BadRequest("\(place) is ragged: \(place)[\(index)] has shape \(shape), the ones before \(inner)")
                }
                inner = shape
            }
            return [items.count] + (inner ?? [])
        case .scalar:
            flat.append(value)
            return []
        case .mapping:
            throw BadRequest("\(place) is an object; instances are numbers, booleans, strings or lists of them")
        }
    }

    // MARK: V2 -> V1

    /// A V2 infer response as a V1 predict response: the first output's data nested by its shape (a trailing
    /// dimension of 1 dropped, so a classifier's `[n, 1]` labels become a list of n predictions).
    public static func v2ToV1(_ body: [UInt8]) throws(BadRequest) -> [UInt8] {
        let object = try parseObject(body, what: "model server's V2 response")
        guard let output = object["outputs"]?.sequence?.first?.mapping else {
            throw BadRequest("the model server's V2 response has no outputs")
        }
        let data = output["data"]?.sequence ?? []
        var shape = (output["shape"]?.sequence ?? []).compactMap { $0.text.flatMap { Int($0) } }
        if shape.count > 1, shape.last == 1 { shape.removeLast() }
        if shape.isEmpty || shape.reduce(1, *) != data.count { shape = [data.count] }
        var position = 0
        let predictions = nest(data, shape: shape[...], position: &position)
        return JSON.encode(.fields([("predictions", predictions)]))
    }

    static func nest(_ data: [Value], shape: ArraySlice<Int>, position: inout Int) -> Value {
        guard let first = shape.first else {
            defer { position += 1 }
            return position < data.count ? data[position] : .null
        }
        var items: [Value] = []
        items.reserveCapacity(first)
        for _ in 0..<first { items.append(nest(data, shape: shape.dropFirst(), position: &position)) }
        return .sequence(items)
    }
}
