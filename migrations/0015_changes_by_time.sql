-- connect-audit schema, version 15: the changes (every event but a discovery) indexed by
-- when they were observed. A report lists changes and only counts discoveries; through
-- `change_events_observed_at` its window's discoveries were read too, to be passed over: a
-- first load of 1,000,000 profiles is 1,000,000 discoveries in the first night, which cost
-- a report of that night's window 0.4-0.5 s before its first change (`EXPLAIN ANALYZE`,
-- issue 18). A first load writes no entry here (its events are discoveries); a night
-- writes one per change.
CREATE INDEX change_events_changes_observed_at ON connect_audit.change_events (observed_at)
    WHERE kind <> 'discovered';
