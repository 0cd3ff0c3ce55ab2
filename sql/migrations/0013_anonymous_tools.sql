-- =============================================================================================
-- A tool the registry marks "anonymous" (peer ratings): its team view shows no names and no
-- answers under TEAM_MIN_RESPONDENTS respondents. An output's own "anonymous" marker stays in
-- shared.tool_fields.rules.
-- depends: 0012_coaching
-- =============================================================================================

alter table shared.tools add column anonymous boolean not null default false;
comment on column shared.tools.anonymous is
    'The registry''s "anonymous" marker: the team view of this tool names no one, and shows nothing under TEAM_MIN_RESPONDENTS answers.';
