-- The write path without analytics facts, for bench/analytics_cost.py (or
-- `python -m bench --apply-sql bench/sql/activity_facts_off.sql`): shared.record_activity
-- records nothing, so every save and submit runs as before the facts (the call itself stays).

create or replace function shared.record_activity(p_kind text, p_user_id uuid, p_organization_id uuid,
                                                  p_tool_slug text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
end;
$$;
