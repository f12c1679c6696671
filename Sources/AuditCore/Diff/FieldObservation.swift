import AuditModel

/// That snapshots of an instance carry a tracked field (permissions, applications, granular
/// access): from the first that does, its values are observed; before it they were only
/// carried forward from nothing (DESIGN §3).
package struct FieldObservation: Hashable, Sendable {
    /// The instance (`SecurityProfile.scopeInstance`).
    package var instance: String
    package var field: ProfileField

    package init(instance: String, field: ProfileField) {
        self.instance = instance
        self.field = field
    }
}
