-- connect-audit schema, version 13: each change event carries the name and account a report
-- shows beside it (`profile_timeline`'s: the version the event wrote, else the one it ended),
-- written by the ingest that observed it. A report read them by joining every event to its
-- versions: 785,000 changes of 1,000,000 profiles joined to about 1,950,000 versions (3 GB of
-- rows) took 6.4 s before the first byte of output (issue 18).
--
-- NULL means "not stored": events written before this version, discoveries (counted by a
-- report, never itemised), and a profile without a name or account. A report
-- then reads the versions, as before; `verify` checks every stored label against them. The
-- labels are outside the event chain's hash (the chain's bytes stay as they were), and
-- nothing a report shows depends on them alone: a label edited in place is found by
-- `verify`, a label set to NULL shows the versions' own.
ALTER TABLE connect_audit.change_events
    ADD COLUMN profile_name text,
    ADD COLUMN account_id text;
