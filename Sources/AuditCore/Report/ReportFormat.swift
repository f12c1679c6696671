import AuditModel
import Foundation

/// The output formats of `report` and `drift`.
package enum ReportFormat: String, CaseIterable, Sendable {
    case text, markdown, json, html
    /// OCSF events, one a line (`OCSFReport`).
    case ocsf
}
