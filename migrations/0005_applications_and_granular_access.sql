-- connect-audit schema, version 5: the two fields only the AWS API carries (DESIGN §1).
-- `applications`: the profile's application permissions as `Namespace:Permission` strings
-- (ListSecurityProfileApplications). `granular_access_control`: its
-- GranularAccessControlConfiguration as canonical JSON text: text, not jsonb, because the
-- content hash covers these exact bytes.
ALTER TABLE connect_audit.profile_versions
    ADD COLUMN applications text[] NOT NULL DEFAULT '{}',
    ADD COLUMN granular_access_control text;

-- `SELECT *` in a view is expanded when the view is made: make it again to show the new columns.
CREATE OR REPLACE VIEW connect_audit.current_profiles AS
    SELECT * FROM connect_audit.profile_versions WHERE valid_to IS NULL;
