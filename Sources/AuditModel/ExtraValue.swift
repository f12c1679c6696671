import Foundation

/// The canonical text of an unknown field's value, as `SecurityProfile.extra` keeps it.
///
/// Written by Foundation with `.sortedKeys`, which orders keys by a locale-aware comparison
/// ("e" < "é" < "z" < "Z") and writes numbers its own way (`1e+300`, `-0`): stored versions'
/// content hashes depend on these bytes, so this is kept apart from `CanonicalJSON` (the
/// events' writer, Swift string order) until the canonical form is versioned.
package enum ExtraValue {
    /// A JSON value as canonical text (sorted keys), for `extra`.
    package static func canonicalJSON(_ value: Any) -> String {
        if let text = value as? String, let data = try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        guard let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
