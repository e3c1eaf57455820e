"""A job's summary as the CLI prints it: a line per stored artefact, read from the store alone (a re-run with
nothing to make prints it before Dagster loads)."""

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.costing.budget import usd
from aiprod_assets.layout import (
    CORRUPT_MARK,
    CorruptRecord,
    Store,
    job_folder,
    read_artefact,
)
from aiprod_assets.rendering.providers.tasks import describe, job_tasks


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


def budget_refusal(store: Store, job_id: str) -> str | None:
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


def job_summary(store: Store, job_id: str) -> list[str]:
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
