import Resources

/// A failed API request, answered as a `metav1.Status` with the reason and code a real API server uses.
struct APIError: Error, Sendable {
    var code: Int
    var reason: String
    var message: String
    var details: Value?
    /// The Status's `metadata` (a 410 for an expired continue token carries the inconsistent-continue token there).
    var listMetadata: Value? = nil

    static func notFound(_ resource: String, group: String, name: String) -> APIError {
        let qualified = group.isEmpty ? resource : resource + "." + group
        return APIError(code: 404, reason: "NotFound", message: "\(qualified) \"\(name)\" not found",
                        details: .object([("name", .string(name)), ("group", group.isEmpty ? nil : .string(group)), ("kind", .string(resource))]))
    }

    static func alreadyExists(_ resource: String, group: String, name: String) -> APIError {
        let qualified = group.isEmpty ? resource : resource + "." + group
        return APIError(code: 409, reason: "AlreadyExists", message: "\(qualified) \"\(name)\" already exists",
                        details: .object([("name", .string(name)), ("group", group.isEmpty ? nil : .string(group)), ("kind", .string(resource))]))
    }

    static func conflict(_ resource: String, group: String, name: String, _ why: String) -> APIError {
        let qualified = group.isEmpty ? resource : resource + "." + group
        return APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(qualified) \"\(name)\": \(why)",
                        details: .object([("name", .string(name)), ("group", group.isEmpty ? nil : .string(group)), ("kind", .string(resource))]))
    }

    /// A 422 Invalid with one cause per field error.
    static func invalid(kind: String, group: String, name: String, causes: [FieldError]) -> APIError {
        let list = causes.map(\.description)
        let summary = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        let qualifiedKind = group.isEmpty ? kind : kind + "." + group
        return APIError(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(summary)",
                        details: .object([
                            ("name", .string(name)), ("group", group.isEmpty ? nil : .string(group)), ("kind", .string(kind)),
                            ("causes", .sequence(causes.map { cause in
                                .object([("reason", .string(cause.type.reason)), ("message", .string(cause.detailMessage)), ("field", .string(cause.field))])
                            })),
                        ]))
    }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: "BadRequest", message: message) }
    static func unauthorized() -> APIError { APIError(code: 401, reason: "Unauthorized", message: "Unauthorized") }
    static func forbidden(_ message: String) -> APIError { APIError(code: 403, reason: "Forbidden", message: message) }
    static func methodNotAllowed(_ message: String) -> APIError { APIError(code: 405, reason: "MethodNotAllowed", message: message) }
    static func notAcceptable(_ message: String) -> APIError { APIError(code: 406, reason: "NotAcceptable", message: message) }
    static func gone(_ message: String) -> APIError { APIError(code: 410, reason: "Expired", message: message) }
    static func tooLarge(_ message: String) -> APIError { APIError(code: 413, reason: "RequestEntityTooLarge", message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError { APIError(code: 415, reason: "UnsupportedMediaType", message: message) }
    static func serviceUnavailable(_ message: String) -> APIError { APIError(code: 503, reason: "ServiceUnavailable", message: message) }
    static func internalError(_ message: String) -> APIError { APIError(code: 500, reason: "InternalError", message: "Internal error occurred: " + message) }
    static func pathNotFound() -> APIError { APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource") }

    /// The Status object.
    var status: Value {
        .object([
            ("kind", .string("Status")), ("apiVersion", .string("v1")), ("metadata", listMetadata ?? .emptyObject),
            ("status", .string("Failure")), ("message", .string(message)), ("reason", .string(reason)),
            ("details", details), ("code", .int(code)),
        ])
    }
}

/// One field's validation error, as Kubernetes' field.Error reports it.
struct FieldError: Sendable, CustomStringConvertible {
    enum ErrorType: Sendable {
        case required, invalid, notSupported, duplicate, forbidden, tooLong, tooMany, typeInvalid, unknownField

        var reason: String {
            switch self {
            case .required: return "FieldValueRequired"
            case .invalid: return "FieldValueInvalid"
            case .notSupported: return "FieldValueNotSupported"
            case .duplicate: return "FieldValueDuplicate"
            case .forbidden: return "FieldValueForbidden"
            case .tooLong: return "FieldValueTooLong"
            case .tooMany: return "FieldValueTooMany"
            case .typeInvalid: return "FieldValueTypeInvalid"
            case .unknownField: return "FieldValueInvalid"
            }
        }
    }

    var type: ErrorType
    var field: String
    var detail: String
    var badValue: String?

    var detailMessage: String {
        switch type {
        case .required: return "Required value" + (detail.isEmpty ? "" : ": " + detail)
        case .forbidden: return "Forbidden: " + detail
        case .tooMany: return "Too many: \(badValue ?? ""): \(detail)"
        case .tooLong: return "Too long: \(detail)"
        case .notSupported:
            return "Unsupported value: \(badValue ?? ""): \(detail)"
        case .invalid, .typeInvalid:
            if let badValue { return "Invalid value: \(badValue): \(detail)" }
            return "Invalid value: " + detail
        case .duplicate: return "Duplicate value: " + (badValue ?? detail)
        case .unknownField: return detail
        }
    }

    var description: String { field.isEmpty ? detailMessage : "\(field): \(detailMessage)" }
}
