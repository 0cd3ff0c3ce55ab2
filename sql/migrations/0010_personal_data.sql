-- =============================================================================================
-- People's data: the receipt an erasure leaves (no personal data: a digest of the erased id),
-- and row-level security on every table that exists so far, so that Supabase's REST API roles
-- read nothing (no policy: deny by default). Tables made later get it from
-- shared.close_exposure(), which every migrate runs, and tool schemas from
-- shared.create_tool_schema().
-- depends: 0009_answer_rules
-- =============================================================================================

/** Section: erasure receipts ----------------------------------------------------------------- */

create table shared.erased_users (
    id_sha256 bytea primary key check (octet_length(id_sha256) = 32),
    marker uuid not null unique,
    erased_at timestamp with time zone not null default current_timestamp,
    erased_by uuid,
    reason text check (char_length(reason) between 1 and 500)
);
comment on table shared.erased_users is
    'One row per erased person (shared.erase_user): the SHA-256 of their former id, so a second erasure answers "already erased" and an unknown id stays 404, and the marker that stands for them in the anonymised audit and event history. No name, email or id.';
comment on column shared.erased_users.marker is
    'A random id that replaces the person''s id in shared.admin_audit and the history of others; it leads back to no one.';
comment on column shared.erased_users.erased_by is 'The admin who erased them (null from the SQL editor).';

/** Section: finding a person's events ------------------------------------------------------ */

-- Deleting a user sets their events' user_id to null (the foreign key), and an erasure reads
-- their events first: without this index both scan the whole outbox.
create index outbox_events_user_idx on shared.outbox_events (user_id);

comment on index shared.outbox_events_user_idx is
    'A person''s events, for their export and erasure and the foreign key''s ON DELETE SET NULL.';

/** Section: row-level security --------------------------------------------------------------- */

do $$
declare
    v_schemas text[] := array['shared', 'api', 'fasttrack_migrations']
                        || coalesce((select array_agg(t.schema_name::text) from shared.tools as t), '{}');
    v_tables regclass[];
    v_table regclass;
begin
    -- collected first: a table being read by the loop's own query cannot be altered
    select coalesce(array_agg(c.oid::regclass), '{}') into v_tables
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relrowsecurity and n.nspname = any (v_schemas)
       and pg_catalog.pg_has_role(c.relowner, 'USAGE');
    foreach v_table in array v_tables loop
        execute format('alter table %s enable row level security', v_table);
    end loop;
end;
$$;
