-- =============================================================================================
-- Gamification: the awards people earned (each once, with the facts that earned it) and their
-- leaderboard preference. Points, streaks and the leaderboard are computed live from
-- shared.activity_facts (sql/functions/290_gamification_rules.sql to 294_leaderboard.sql).
-- depends: 0016_activity_facts
-- =============================================================================================

create table shared.awards (
    id bigint generated always as identity primary key,
    user_id uuid not null references shared.users (id) on delete cascade,
    kind text not null check (kind in ('first_tool', 'module_finished', 'all_tools', 'five_on_time', 'streak_8')),
    subject text not null default '',
    facts jsonb not null,
    awarded_at timestamp with time zone not null default current_timestamp,
    unique (user_id, kind, subject)
);
comment on table shared.awards is
    'Achievements, each earned once per user (and module for module_finished): the unique key makes a second award of the same kind a no-op, even from two concurrent submits.';
comment on column shared.awards.subject is 'What the award is about when a kind can be earned more than once: the module id for module_finished, empty otherwise.';
comment on column shared.awards.facts is 'The facts that earned it (tools and their submit times, weeks of the streak), as they were when it was awarded.';

create table shared.gamification_preferences (
    user_id uuid primary key references shared.users (id) on delete cascade,
    leaderboard boolean not null default true,
    updated_at timestamp with time zone not null default current_timestamp
);
comment on table shared.gamification_preferences is
    'A user''s gamification choices; leaderboard false leaves them out of everyone else''s leaderboard (no row: they take part).';

-- the submits of one user, without their saves (points, streak and awards read only these)
create index activity_facts_user_submits_idx on shared.activity_facts (user_id, occurred_at) where kind = 'submit';

alter table shared.outbox_events drop constraint outbox_events_event_type_check;
alter table shared.outbox_events add constraint outbox_events_event_type_check
    check (event_type in ('tool_completed', 'tool_unlocked', 'member_reminder', 'member_nudged', 'guru_digest',
                          'award_earned'));
