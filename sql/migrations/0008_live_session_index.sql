-- =============================================================================================
-- Access tokens name their session (claim sid: the refresh-token family of the login), and
-- every call checks that the session is still live: some token of the family not revoked
-- (logout and a detected reuse revoke the whole family). This index answers that check with
-- one index-only probe, beside the caller's user row.
-- depends: 0007_restore_version_check_and_actors
-- =============================================================================================

create index refresh_tokens_live_family_idx on shared.refresh_tokens (family_id, user_id)
    where revoked_at is null;

comment on index shared.refresh_tokens_live_family_idx is
    'Live sessions: the families with a token not revoked, for the per-call check in shared.authenticated_user.';
