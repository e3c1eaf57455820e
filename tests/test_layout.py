"""The storage layout, the backend catalogue and budget reservation, called directly."""

import pytest

from aiprod_assets import layout
from aiprod_assets.backends import KNOWN_BACKENDS, requested_chain, requested_seconds
from aiprod_assets.contracts import ClipRecord
from aiprod_assets.costing.reservation import BudgetExceeded, BudgetReservation
from aiprod_assets.job_ids import InvalidJobId


def test_job_keys_follow_the_design_layout():
    assert layout.clip_key("lighthouse-keeper", "s01-02", "ab" * 32) == \
        "jobs/lighthouse-keeper/clips/s01-02-abababababab.mp4"
    assert layout.sidecar_key("job-a", "s01-01", "c" * 64) == "jobs/job-a/clips/s01-01-cccccccccccc.json"
    assert layout.source_key("job-a", "s01-01", "c" * 64).endswith("s01-01-cccccccccccc.source.mp4")
    assert layout.final_cut_key("job-a") == "jobs/job-a/final_cut.mp4"
    assert layout.accepted_brief_key("job-a") == "briefs/accepted/job-a.json"
    assert layout.rejection_report_key("odd name.json") == "briefs/rejected/odd name.error.json"
    assert layout.provider_tasks_key("job-a", "s01-01") == "providers/job-a/s01-01.json"
    assert layout.audit_key("job-a") == "cost/audit/job-a.jsonl"
    assert layout.STORED_PRICING_KEY == layout.artefact_key("pricing_table", None) == "cost/pricing_table.json"


@pytest.mark.parametrize("builder", [layout.job_folder, layout.final_cut_key, layout.accepted_brief_key,
                                     layout.audit_key, layout.provider_tasks_prefix,
                                     lambda job: layout.clip_key(job, "s01-01", "0" * 64)])
def test_every_job_key_refuses_a_job_id_that_could_escape(builder):
    with pytest.raises(InvalidJobId):
        builder("../etc")


def test_job_ids_are_read_back_from_a_listing():
    keys = ["jobs/b-job/shot_list.json", "jobs/a-job/clips/s01-01-x.mp4", "jobs/a-job/brief.json", "jobs/stray"]
    assert layout.job_ids_under_jobs(keys) == ["a-job", "b-job"]


def test_a_missing_artefact_reads_as_none_and_a_stored_one_as_its_model(store):
    assert layout.read_artefact(store, "rendered_clips", "job-a") is None
    store.put_bytes(layout.artefact_key("rendered_clips", "job-a"),
                    b'{"job_id": "job-a", "device": "cpu", "clips": [], "total_cost_usd": 0}')
    assert layout.read_artefact(store, "rendered_clips", "job-a").device == "cpu"


def test_the_requested_chain_keeps_the_briefs_order_among_enabled_backends():
    assert requested_chain(["veo", "runway", "previz"], ["previz", "runway"]) == ["runway", "previz"]
    assert requested_chain(["veo"], ["previz", "runway"]) == ["previz"]  # none enabled: the deployment's first
    assert set(KNOWN_BACKENDS) == {"previz", "wan", "veo", "runway", "replicate"}
    assert requested_seconds("veo", 4.5) == 6 and requested_seconds("previz", 4.5) == 4.5


def _clip(cost):
    return ClipRecord(shot_id="s", uri="u", sha256="x", spec_hash="y", duration_sec=1, backend="previz", attempts=1,
                      render_seconds=1, actual_cost_usd=cost, reused=False)


def test_a_reservation_counts_what_renders_really_cost_and_stops_before_the_budget():
    events = []
    budget = BudgetReservation(budget_usd=0.05, estimated_usd={"s01": 0.01, "s02": 0.01, "s03": 0.01},
                               audit=lambda kind, **details: events.append((kind, details)))
    assert budget.reserve("s01", []) == 0.01
    budget.charge(0.02)  # the first render cost twice its estimate
    assert budget.reservation("s02") == 0.02  # so the next is reserved at what renders really cost
    budget.reserve("s02", [])
    budget.charge(0.02)
    with pytest.raises(BudgetExceeded, match="stopped before shot s03") as stopped:
        budget.reserve("s03", [_clip(0.02), _clip(0.02)])
    assert stopped.value.spent_usd == pytest.approx(0.04) and len(stopped.value.records) == 2
    assert [kind for kind, _ in events] == ["reservation", "reservation", "stopped"]
    unlimited = BudgetReservation()
    unlimited.charge(1e6)
    assert unlimited.allows(1e6)
