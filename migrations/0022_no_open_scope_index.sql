-- connect-audit schema, version 22: no index over the open versions' instance. No query of
-- connect-audit filters the open versions by instance: the open state is read whole and
-- scoped in memory, and the reports and `verify` reach versions by key, name or snapshot
-- (`pg_stat_user_indexes` counted no scan of it over ingests, a report, `history` and
-- `verify`). Yet a first load built it by scanning every version (0.17-0.25 s of 100,000),
-- and every night added an entry per new version.
DROP INDEX connect_audit.profile_versions_open_scope;
