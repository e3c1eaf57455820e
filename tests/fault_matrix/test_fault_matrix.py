"""The plan's fault matrix: 13 transitions × (no fault + 8 faults), each a real Dagster run of the production
job (no mock of Dagster) from the transition's source state, asserting the cell's documented outcome, and in
every cell: no shot rendered twice, no provider task paid twice, spend never above budget."""

import json

import pytest

from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import (
    CORRUPT_MARK,
    artefact_key,
    budget_stop_key,
    clip_key,
    final_cut_key,
    read_artefact,
)
from tests.fault_matrix.cells import (
    AFTER_RENDER,
    CELLS,
    CORRUPTING,
    EDGES,
    GATE,
    RECOVERED,
    STOPPED,
    TRANSIENT,
    outcome,
)
from tests.fault_matrix.harness import (
    BACKEND_FAULTS,
    BRIEFS,
    BUDGET_USD,
    OVERRUN_CHARGE,
    FlakyStore,
    add_partition,
    audit_length,
    cut_back,
    fingerprint,
    finished_renders,
    fresh_instance,
    make_baseline,
    policy,
    run_job,
    step_failure_messages,
    tamper_clip,
    write_pricing_far_above,
)
from tests.support.jobs import brief_bytes

RENDER_EDGE = "FINANCIAL_OPTIMIZATION->RENDER_EXECUTION"


@pytest.fixture(scope="session")
def baselines(tmp_path_factory):
    made = {}
    for kind in ("full", "fast"):
        root = tmp_path_factory.mktemp(f"baseline-{kind}") / "store"
        job_id, prints = make_baseline(root, kind)
        made[kind] = (root, job_id, prints)
    return made


def check_failures(result) -> list[str]:
    return [f"{e.event_specific_data.check_name}: {e.event_specific_data.description}" for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed]


@pytest.mark.parametrize("edge_name,fault", CELLS, ids=[f"{e}|{f or 'none'}" for e, f in CELLS])
def test_cell(edge_name, fault, baselines, tmp_path):
    edge = EDGES[edge_name]
    base_root, job_id, prints = baselines[edge.job]
    kind, _ = outcome(edge, fault)
    keep_targets = fault == "cache_miss" and edge.name in (RENDER_EDGE, "ERROR->INIT")
    root = tmp_path / "store"
    store = cut_back(base_root, root, job_id, edge.present + (("rendered_clips",) if keep_targets else ()))
    instance = fresh_instance()
    add_partition(instance, job_id)
    budget = BUDGET_USD
    overrides, faults, charge = {}, [], 0.02

    # The source state: a tampered clip behind the technical gate, a strict threshold at the semantic gate,
    # and for the resume edge the failed run that left the job there.
    if edge.gate == "technical" or edge.name == "ERROR->INIT":
        tamper_clip(store, job_id)
    if edge.gate == "semantic":
        overrides["policy"] = policy(semantic_threshold=0.999)
    if edge.name == "ERROR->INIT":
        failed = run_job(store, instance, job_id, selection=AFTER_RENDER)
        assert not failed.success and any("all_checks_pass" in c for c in check_failures(failed))
    before = audit_length(store, job_id)

    # The fault, where it strikes at this edge.
    if fault in TRANSIENT:
        if edge.name == RENDER_EDGE:
            faults = [BACKEND_FAULTS[fault]]
        else:
            store = FlakyStore(root=str(root), fail_on=f"/{edge.reads}.json", fault=fault,
                               counter_file=str(tmp_path / "store-faults"))
    elif fault in CORRUPTING:
        key = artefact_key(edge.reads, job_id)
        good = store.get_bytes(key)
        store.put_bytes(key, b'{"schema_version": 1, "not_this_shape": true}' if fault == "schema_validation_failure"
                        else good[: len(good) // 2])
    elif fault == "cache_miss" and keep_targets:
        clips = read_artefact(store, "rendered_clips", job_id).clips
        missing = clips[-1]
        store.delete(clip_key(job_id, missing.shot_id, missing.spec_hash))
    elif fault == "cost_overrun":
        if edge.name in (RENDER_EDGE, "ERROR->INIT"):
            charge = OVERRUN_CHARGE
        elif edge.targets == ("cost_estimate",):
            overrides["policy"] = policy(pricing_file=write_pricing_far_above(tmp_path))

    result = run_job(store, instance, job_id, selection=edge.targets, faults=faults, charge=charge, **overrides)
    messages = step_failure_messages(result) + check_failures(result)

    if kind == RECOVERED:
        assert result.success, messages
    else:
        assert not result.success
        if fault in CORRUPTING:
            assert any("moved aside" in m and edge.reads in m for m in messages), messages
            assert any(CORRUPT_MARK in k for k in store.list_keys(f"jobs/{job_id}")), "the bad copy is kept"
        elif kind == GATE:
            gate_check = "all_checks_pass" if edge.gate == "technical" else "score_above_threshold"
            assert any(m.startswith(gate_check) for m in messages), messages
        elif edge.name == RENDER_EDGE:
            stop = json.loads(store.get_bytes(budget_stop_key(job_id)))
            assert stop["spent_usd"] <= budget and any("stopped before shot" in m for m in messages), messages
        else:
            assert read_artefact(store, "cost_estimate", job_id).decision.decision == "rejected"
            assert any(m.startswith("within_budget") for m in messages), messages
        assert not store.exists(artefact_key("delivery_manifest", job_id)) or "delivery_manifest" not in edge.targets
        resume = resume_selection(edge, fault, kind)
        if edge.name == RENDER_EDGE and fault == "cost_overrun":
            budget = 2 * BUDGET_USD  # what the stop told the user to do: raise the budget
            accept(store, f"{job_id}.json", brief_bytes(**{**BRIEFS[edge.job], "budget_usd": budget}), 500)
        result = run_job(store, instance, job_id, selection=resume)
        assert result.success, step_failure_messages(result) + check_failures(result)

    compared = [n for n in edge.targets if not (n in ("sanitized_input", "cost_estimate") and budget != BUDGET_USD)]
    for name in compared:
        assert fingerprint(read_artefact(store, name, job_id)) == prints[name], name
    if "delivery_manifest" in edge.targets and kind != RECOVERED or edge.name == "ERROR->INIT":
        assert store.exists(final_cut_key(job_id)) and store.exists(artefact_key("delivery_manifest", job_id))

    renders = finished_renders(store, job_id, before)
    assert all(count == 1 for count in renders.values()), f"a shot rendered twice: {renders}"
    clips = read_artefact(store, "rendered_clips", job_id)
    if clips is not None:
        tasks = [c.provider_task_id for c in clips.clips if not c.reused]
        assert len(tasks) == len(set(tasks)), "a provider task paid twice"
        assert clips.total_cost_usd <= budget + 1e-9
    if edge.name == RENDER_EDGE and fault == "cache_miss":
        assert renders == {clips.clips[-1].shot_id: 1}


def resume_selection(edge, fault, kind):
    """What a person runs after the stop: the whole job at a QA gate or after a budget raise, else the bad
    artefact and the transition again."""
    if kind == GATE or (edge.name == RENDER_EDGE and fault == "cost_overrun"):
        return None
    if fault in CORRUPTING:
        return (edge.reads, *(t for t in edge.targets if t != edge.reads))
    assert kind == STOPPED
    return edge.targets
