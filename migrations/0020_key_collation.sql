-- connect-audit schema, version 20: profile keys compare as bytes. A key is an ARN (or
-- the source's `_key`), only ever compared for equality or ordered as a tie-break, and under
-- a libc collation (even C.UTF-8) every comparison in the keys' indexes calls strcoll: the
-- first load's index builds spent most of their time there. COLLATE "C" orders by bytes,
-- which is the order the report's rule already uses for keys (`ReportOrder`). No table
-- rewrite: the type stays text; the indexes on the keys are rebuilt.
--
-- A column a view uses cannot change its collation, so the schema's views are saved
-- (definition, options, comment, grants), dropped, and made again as they were.
DO $$
DECLARE
    saved record;
    views jsonb := '[]';
    item jsonb;
    grant_text text;
BEGIN
    FOR saved IN
        SELECT c.oid, c.relname, pg_get_viewdef(c.oid) AS definition,
               coalesce(array_to_string(c.reloptions, ', '), '') AS options,
               obj_description(c.oid, 'pg_class') AS comment,
               coalesce((SELECT jsonb_agg(format('GRANT %s ON connect_audit.%I TO %s', a.privilege_type, c.relname,
                                                 CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END))
                         FROM aclexplode(c.relacl) AS a LEFT JOIN pg_roles AS r ON r.oid = a.grantee
                         WHERE a.grantee <> c.relowner), '[]') AS grants
        FROM pg_class AS c
        WHERE c.relnamespace = 'connect_audit'::regnamespace AND c.relkind = 'v'
        ORDER BY c.oid
    LOOP
        views := views || jsonb_build_object('name', saved.relname, 'definition', saved.definition,
                                             'options', saved.options, 'comment', saved.comment, 'grants', saved.grants);
    END LOOP;
    FOR item IN SELECT value FROM jsonb_array_elements(views) WITH ORDINALITY AS v (value, n) ORDER BY n DESC LOOP
        EXECUTE format('DROP VIEW connect_audit.%I', item->>'name');
    END LOOP;

    ALTER TABLE connect_audit.profile_versions ALTER COLUMN profile_key TYPE text COLLATE "C";
    ALTER TABLE connect_audit.change_events ALTER COLUMN profile_key TYPE text COLLATE "C";
    ALTER TABLE connect_audit.snapshot_warnings ALTER COLUMN profile_key TYPE text COLLATE "C";

    FOR item IN SELECT value FROM jsonb_array_elements(views) WITH ORDINALITY AS v (value, n) ORDER BY n LOOP
        EXECUTE format('CREATE VIEW connect_audit.%I %s AS %s', item->>'name',
                       CASE WHEN item->>'options' = '' THEN '' ELSE 'WITH (' || (item->>'options') || ')' END,
                       item->>'definition');
        IF item->>'comment' IS NOT NULL THEN
            EXECUTE format('COMMENT ON VIEW connect_audit.%I IS %L', item->>'name', item->>'comment');
        END IF;
        FOR grant_text IN SELECT jsonb_array_elements_text(item->'grants') LOOP
            EXECUTE grant_text;
        END LOOP;
    END LOOP;
END
$$;
