"""What the CLI prints about a job: from the store and the Dagster instance."""

import json
from datetime import UTC, datetime

import dagster as dg

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.costing.budget import usd
from aiprod_assets.intake.submission import latest_rejection
from aiprod_assets.layout import (
    CORRUPT_MARK,
    CorruptRecord,
    artefact_key,
    job_folder,
    read_artefact,
)
from aiprod_assets.rendering.providers.tasks import describe, job_tasks
from resources.artifact_store import ArtifactStore


def _planned(m) -> str:
    usage = (f" ({'cached' if m.cache_hit else f'{m.usage.calls} call(s)'}, ${m.usage.orchestration_usd:.6f} in tokens)"
             if m.usage else "")
    return f"{len(m.scenes)} scene(s), {m.duration_sec:.2f}s, planner {m.planner_version}{usage}"


def _rendered(c) -> str:
    rendered = sum(not clip.reused for clip in c.clips)
    return (f"{len(c.clips)} clip(s) on {c.device}: {rendered} rendered, {len(c.clips) - rendered} reused; "
            f"actual {usd(c.total_cost_usd)}")


def _estimated(e) -> str:
    spread = f" (p10-p90 {usd(e.p10_usd)}-{usd(e.p90_usd)})" if e.p10_usd is not None else ""
    # A rejection's reason is the refusal line itself (budget_refusal): said once, not twice.
    reason = "" if e.decision.decision == "rejected" else f" ({e.decision.reason})"
    line = (f"estimate {usd(e.total_usd)}{spread} of ${e.decision.budget_usd:g}: {e.decision.decision}{reason}; "
            f"chain {', '.join(e.chain) or '-'}")
    return "\n  ".join([line, *e.notes])


def budget_refusal(store: ArtifactStore, job_id: str) -> str | None:
    """Why the budget refused the job, with the minimum it needs, when that is why the run stopped."""
    try:
        estimate = read_artefact(store, "cost_estimate", job_id)
    except CorruptRecord:
        return None
    if estimate is None or estimate.decision.decision != "rejected":
        return None
    return estimate.decision.reason


def _delivered(m) -> str:
    cost = m.cost
    return (f"delivered {len(m.deliverables)} file(s); cost {usd(cost.actual_usd)} against estimate "
            f"{usd(cost.estimate_usd)} ({cost.variance_pct:+.1f}%, actual vs estimate), "
            f"{'within' if cost.within_budget else 'OVER'} budget")


# One line per stored artefact, in the graph's order.
_SUMMARIES = {
    "sanitized_input": lambda s: f"complexity {s.complexity.score:.2f} -> route {s.route}",
    "production_manifest": _planned,
    "shot_list": lambda s: f"{len(s.shots)} shot(s) at {s.profile.width}x{s.profile.height}@{s.profile.fps}",
    "cost_estimate": _estimated,
    "rendered_clips": _rendered,
    "semantic_qa_report": lambda s: (f"QA: semantic {s.score:.2f} of {s.threshold:g} needed: {s.verdict} "
                                     f"({s.coverage()})"),
    "technical_qa_report": lambda t: ("QA: technical pass" if t.passed else "QA: technical FAIL "
                                      f"({sum(not c.passed for clip in t.clips for c in clip.checks)} check(s))"),
    "final_cut": lambda c: f"final cut {c.duration_sec:.2f}s: {c.uri}",
    "delivery_manifest": _delivered,
}


def job_summary(store: ArtifactStore, job_id: str) -> list[str]:
    """A line per stored artefact of the job; an unreadable one is set aside and said so."""
    lines = []
    for name in JOB_ASSETS:
        try:
            value = read_artefact(store, name, job_id)
        except CorruptRecord as err:
            lines.append(f"{name}: {err}; the next run makes it again")
            continue
        if value is not None and name in _SUMMARIES:
            lines.append(_SUMMARIES[name](value))
        if name == "rendered_clips":
            lines += [describe(shot_id, task) for shot_id, task in job_tasks(store, job_id)]
    aside = [key for key in store.list_keys(job_folder(job_id)) if CORRUPT_MARK in key]
    if aside:
        lines.append(f"{len(aside)} unreadable record(s) set aside: {', '.join(k.rsplit('/', 1)[-1] for k in aside)}")
    return lines


def _root_cause(error) -> str:
    """The first line of what really went wrong: the user-code exception beneath Dagster's wrapper."""
    while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
        error = error.cause
    first = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name
    # The class name says what kind of failure it was; Dagster's own module path says nothing to a user.
    return first.split(": ", 1)[1] if first.startswith(("dagster.", "dagster._")) and ": " in first else first


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why a run stopped, one line per failed step or failed blocking check; the stack traces stay in the
    run's event log (the UI shows them)."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            if error.cls_name != "DagsterAssetCheckFailedError":  # the check's own line says why
                lines.append(f"{event.step_key} failed: {_root_cause(error)}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                lines.append(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed: "
                             f"{evaluation.description}")
    return lines


def rejection_report(store: ArtifactStore, job_id: str) -> dict | None:
    key = latest_rejection(store, f"{job_id}.json")
    return json.loads(store.get_bytes(key)) if key else None


def asset_states(instance: dg.DagsterInstance, store: ArtifactStore, job_id: str) -> list[tuple[str, str]]:
    states = []
    for name in JOB_ASSETS:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(name), asset_partitions=[job_id]), limit=1).records
        if records:
            stamp = datetime.fromtimestamp(records[0].timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            states.append((name, f"materialized {stamp}"))
        elif store.exists(artefact_key(name, job_id)):
            states.append((name, "stored (no materialization in this Dagster home)"))
        else:
            states.append((name, "-"))
    return states


def last_run(instance: dg.DagsterInstance, job_id: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)
    return runs[0] if runs else None


def awaiting_line(store: ArtifactStore, job_id: str, result: dg.ExecuteInProcessResult) -> str | None:
    """Set when the run ended at the approval gate: what it waits for, who may approve and how."""
    from aiprod_assets.review.status import review_status

    made = {event.asset_key.path[-1] for event in result.get_asset_materialization_events() if event.asset_key}
    if "delivery_manifest" in made:
        return None
    status = review_status(store, job_id)
    if status.cut_sha256 is None or status.state == "delivered":
        return None
    return "\n  ".join([f"{status.state}; not delivered", *[line.strip() for line in status.lines(job_id)[1:]]])


def approval_lines(store: ArtifactStore, job_id: str) -> list[str]:
    from aiprod_assets.review.status import review_status

    return review_status(store, job_id).lines(job_id)
