import AuditModel
import Foundation

/// The two fields only the AWS API carries, in the shapes its service model gives them
/// (botocore `connect/2017-08-08/service-2.json`: `ListSecurityProfileApplicationsResponse`
/// and `SecurityProfile.GranularAccessControlConfiguration`).
extension FieldDecoder {
    /// `Applications` as `Namespace:Permission` strings: the API's list of
    /// `{Namespace, ApplicationPermissions, Type}` objects, or such strings already.
    /// `Type` (`MCP`, `THIRD_PARTY_APPLICATION`) describes the namespace and is not kept.
    static func applications(_ raw: RawValue) throws(FieldProblem) -> [String] {
        let field = ProfileField.applications
        var elements: [Any]
        switch raw {
        case .absent: return []
        case .array(let array): elements = array
        case .strings(let strings): elements = strings
        case .text(let text):
            let trimmed = text.trimmedSpaces
            if trimmed.hasPrefix("["), let array = TextForms.json(trimmed) as? [Any] {
                elements = array
            } else if let array = TextForms.postgresArray(trimmed) {
                elements = array
            } else {
                throw FieldProblem(field: field.rawValue, message: "expected a list of applications, got \(quote(text))")
            }
        default:
            throw FieldProblem(field: field.rawValue, message: "expected a list of applications, got \(raw.typeName)")
        }
        var out: [String] = []
        for element in elements {
            if let text = element as? String {
                guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, colon != text.index(before: text.endIndex) else {
                    throw FieldProblem(field: field.rawValue, message: "expected Namespace:Permission, got \(quote(text))")
                }
                out.append(text)
            } else if let object = element as? [String: Any] {
                guard let namespace = object["Namespace"] as? String, !namespace.isEmpty else {
                    throw FieldProblem(field: field.rawValue, message: "an application without a Namespace: \(describe(object))")
                }
                let permissions = try strings(object["ApplicationPermissions"] as? [Any] ?? [], field: field)
                for permission in permissions { out.append(namespace + ":" + permission) }
            } else if !(element is NSNull) {
                throw FieldProblem(field: field.rawValue, message: "expected an application object or Namespace:Permission, found \(describe(element))")
            }
        }
        return out
    }

    /// `GranularAccessControlConfiguration` as canonical JSON text (keys sorted), from the
    /// object or its JSON text.
    static func granularAccessControl(_ raw: RawValue) throws(FieldProblem) -> String? {
        let field = ProfileField.granularAccessControl
        switch raw {
        case .absent: return nil
        case .object(let object): return ExtraValue.canonicalJSON(object)
        case .text(let text):
            if let object = TextForms.json(text.trimmedSpaces) as? [String: Any] {
                return object.isEmpty ? nil : ExtraValue.canonicalJSON(object)
            }
            throw FieldProblem(field: field.rawValue, message: "expected a JSON object, got \(quote(text))")
        default:
            throw FieldProblem(field: field.rawValue, message: "expected a JSON object, got \(raw.typeName)")
        }
    }
}
