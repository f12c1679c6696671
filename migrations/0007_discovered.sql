-- connect-audit schema, version 7: `discovered` (DESIGN §3): the first snapshot that holds
-- an instance records its profiles as discovered, not created: an initial load is no
-- creation (drift none, severity info; alert rules match it only when they name it).
ALTER TYPE connect_audit.event_kind ADD VALUE IF NOT EXISTS 'discovered' BEFORE 'created';
ALTER TABLE connect_audit.snapshots ADD COLUMN discovered_count integer NOT NULL DEFAULT 0;

