"""The set-based coaching reads answer exactly as the definitions they replaced did
(bench/sql/coaching_reads_before.sql), on the benchmark's seeded program: the team view of
every tool and the dashboard for three organizations, and the guru's and the admin's lists."""

from __future__ import annotations

from bench import coaching, seed


def test_the_set_based_reads_answer_as_the_old_ones(direct_database_url):
    seed.seed(direct_database_url, 200, batch_size=200, progress=False)
    team = coaching.build_team(direct_database_url, 200)
    coaching.admin_claims(direct_database_url)

    compared = coaching.same_answers(direct_database_url, team)

    assert compared["team_views"] == 3 * 31 and compared["list_pages"] == 6
    assert compared["team_views_differing"] == [] and compared["lists_same"]
    assert compared["same"], compared
    assert compared["answered_fields"] > 100  # the views compared are not empty
