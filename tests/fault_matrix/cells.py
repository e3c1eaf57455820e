"""The plan's state machine on the asset graph: 13 transitions × 8 faults, and what each cell must do.

A transition is an edge of the graph: the assets stored before it (its source state), and the
assets a run materializes to cross it. Every cell names its documented outcome; the harness
asserts it in a real Dagster run, and docs/fault_matrix.md is generated from this table.
"""

from dataclasses import dataclass

JOB_ORDER = ("brief", "sanitized_input", "production_manifest", "shot_list", "cost_estimate", "rendered_clips",
             "technical_qa_report", "semantic_qa_report", "final_cut", "supervisor_approval", "delivery_manifest")


@dataclass(frozen=True)
class Edge:
    name: str
    job: str  # "full" or "fast" (the fast-track brief)
    present: tuple[str, ...]  # assets stored before the transition
    targets: tuple[str, ...]  # assets the run materializes to cross it
    reads: str  # the stored artefact the transition reads first: where store faults strike
    gate: str = ""  # "technical" / "semantic": the transition is a QA gate stopping the job


def upto(name: str) -> tuple[str, ...]:
    return JOB_ORDER[:JOB_ORDER.index(name) + 1]


AFTER_RENDER = ("technical_qa_report", "semantic_qa_report", "final_cut", "supervisor_approval", "delivery_manifest")
EDGES = {e.name: e for e in (
    Edge("INIT->ANALYSIS", "full", upto("brief"), ("sanitized_input",), "brief"),
    Edge("ANALYSIS->CREATIVE_DIRECTION", "full", upto("sanitized_input"), ("production_manifest",), "sanitized_input"),
    Edge("ANALYSIS->FAST_TRACK", "fast", upto("sanitized_input"), ("production_manifest",), "sanitized_input"),
    Edge("CREATIVE_DIRECTION->VISUAL_TRANSLATION", "full", upto("production_manifest"), ("shot_list",),
         "production_manifest"),
    Edge("VISUAL_TRANSLATION->FINANCIAL_OPTIMIZATION", "full", upto("shot_list"), ("cost_estimate",), "shot_list"),
    Edge("FAST_TRACK->FINANCIAL_OPTIMIZATION", "fast", upto("shot_list"), ("cost_estimate",), "shot_list"),
    Edge("FINANCIAL_OPTIMIZATION->RENDER_EXECUTION", "full", upto("cost_estimate"), ("rendered_clips",),
         "cost_estimate"),
    Edge("RENDER_EXECUTION->QA_TECHNICAL", "full", upto("rendered_clips"), ("technical_qa_report",),
         "rendered_clips"),
    Edge("QA_TECHNICAL->QA_SEMANTIC", "full", upto("technical_qa_report"), ("semantic_qa_report",),
         "rendered_clips"),
    Edge("QA_SEMANTIC->FINALIZE", "full", upto("semantic_qa_report"), ("final_cut", "supervisor_approval",
                                                                              "delivery_manifest"), "semantic_qa_report"),
    Edge("QA_TECHNICAL->ERROR", "full", upto("rendered_clips"), AFTER_RENDER, "rendered_clips", gate="technical"),
    Edge("QA_SEMANTIC->ERROR", "full", upto("rendered_clips"), AFTER_RENDER, "rendered_clips", gate="semantic"),
    # Resume after a failure: a run stopped at the technical QA gate (a tampered clip), then the whole job again.
    Edge("ERROR->INIT", "full", upto("technical_qa_report"), JOB_ORDER, "cost_estimate"),
)}

TRANSIENT = ("adapter_timeout", "out_of_memory", "api_rate_limit", "network_error")
CORRUPTING = ("schema_validation_failure", "checkpoint_corruption")
FAULTS = (*TRANSIENT, *CORRUPTING, "cache_miss", "cost_overrun")

RECOVERED = "recovered"
STOPPED = "clean stop, then resumed"
GATE = "stops at the QA gate, then resumed"


def outcome(edge: Edge, fault: str | None) -> tuple[str, str]:
    """(outcome, what happens) for one cell."""
    render = edge.name == "FINANCIAL_OPTIMIZATION->RENDER_EXECUTION"
    if edge.name == "ERROR->INIT":
        return RECOVERED, {
            None: "the whole job again: the tampered shot alone is re-rendered, the rest reused; delivered",
            "cache_miss": "a second stored clip is missing as well: those two shots alone are rendered",
            "cost_overrun": "the re-render costs far more than reserved: an overrun in the audit trail, "
                            "still within budget; delivered",
        }.get(fault, f"{fault} at {edge.reads}: "
                     + ("retried (RetryPolicy)" if fault in TRANSIENT else
                        "the resume makes every artefact again before reading it, so the bad copy is replaced")
                     + "; delivered")
    if edge.gate:
        if fault in CORRUPTING:
            why = f"{edge.reads} unreadable: set aside, QA fails naming it"
        else:
            why = {None: "the gate fails as designed",
                   "cost_overrun": "QA spends nothing, so the gate fails as designed",
                   "cache_miss": "no stored report to reuse: QA runs afresh and the gate fails as designed"}.get(
                fault, f"{fault} on reading {edge.reads} is retried; the gate then fails as designed")
        return GATE, f"{why}; nothing delivered, nothing lost; the whole job again delivers"
    if fault is None:
        return RECOVERED, "crosses the edge; the same artefacts as the baseline"
    if fault in TRANSIENT:
        if render:
            return RECOVERED, f"{fault} from the render backend: backoff, retried, each shot rendered once"
        return RECOVERED, f"{fault} on reading {edge.reads} from the store: the step is retried (RetryPolicy)"
    if fault in CORRUPTING:
        return STOPPED, (f"{edge.reads} unreadable: set aside as .corrupt-<time>, the step fails naming it; "
                         f"the resume makes {edge.reads} again and crosses the edge")
    if fault == "cache_miss":
        if render:
            return RECOVERED, "a stored clip is missing: that shot alone is rendered, the other reused"
        return RECOVERED, "no stored value to reuse: computed afresh, the same artefacts"
    if render:
        return STOPPED, ("renders cost far more than reserved: the job stops before the budget, partial spend "
                         "in budget_stop.json; resumed with a raised budget, finished shots reused")
    if edge.targets == ("cost_estimate",):
        return STOPPED, ("prices far above the budget: the estimate is rejected (blocking check); "
                         "resumed at current prices")
    return RECOVERED, "nothing is spent at this edge: the same artefacts, no spend"


CELLS = [(edge, fault) for edge in EDGES for fault in (None, *FAULTS)]


def markdown_table() -> str:
    lines = ["| transition | fault | outcome | what happens |", "|---|---|---|---|"]
    for name, fault in CELLS:
        kind, why = outcome(EDGES[name], fault)
        lines.append(f"| {name} | {fault or '(none)'} | {kind} | {why} |")
    return "\n".join(lines) + "\n"
