"""Pydantic models for every artefact in the asset graph (DESIGN.md §1, §3, §8).

Every model forbids unknown fields and carries a ``schema_version`` so a stored
JSON file says which shape it has. Nothing in this module imports Dagster.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

Resolution = Literal["360p", "720p", "1080p"]
FrameRate = Literal[24, 25, 30]
AspectRatio = Literal["16:9", "9:16", "1:1"]
Route = Literal["fast_track", "full"]
CameraMove = Literal["static", "pan", "tilt", "zoom_in", "zoom_out", "dolly", "orbit"]
Lighting = Literal["natural", "high-key", "low-key", "golden-hour", "night", "studio", "overcast", "neon"]
Transition = Literal["cut", "crossfade"]
BudgetDecisionKind = Literal["approved", "downgraded", "rejected"]

RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
FRAME_RATES: tuple[int, ...] = get_args(FrameRate)
ASPECT_RATIOS: tuple[str, ...] = get_args(AspectRatio)
LIGHTINGS: tuple[str, ...] = get_args(Lighting)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Artefact(Model):
    schema_version: int = SCHEMA_VERSION


# --- intake -----------------------------------------------------------------


class Style(Model):
    look: str = "cinematic"
    mood: str = "neutral"
    lighting: Lighting = "natural"
    palette: list[str] = Field(default_factory=list)


class Character(Model):
    name: str
    appearance: str = ""


class BriefSpec(Model):
    """The public brief format (DESIGN.md §8), after validation."""

    job_id: str | None = None
    title: str | None = None
    prompt: str
    duration_sec: float
    budget_usd: float
    style: Style = Field(default_factory=Style)
    characters: list[Character] = Field(default_factory=list)
    resolution: Resolution = "1080p"
    fps: FrameRate = 30
    aspect_ratio: AspectRatio = "16:9"
    backends: list[str] = Field(default_factory=lambda: ["previz"])
    deliver_to: str | None = None


class BriefRecord(Artefact):
    """The request exactly as submitted: its text, where it came from, its sha256."""

    job_id: str
    source: str
    content: str
    sha256: str


class ValidationIssue(Model):
    field: str
    code: str
    message: str
    allowed: str


class ComplexityFactor(Model):
    name: str
    value: float
    weight: float
    contribution: float
    evidence: str


class Complexity(Model):
    score: float
    factors: list[ComplexityFactor]
    implied_scenes: int


class ModerationFlag(Model):
    """A soft moderation category the text falls in (hard ones are refused at intake)."""

    category: str
    severity: Literal["hard", "soft"]
    field: str
    evidence: str
    source: str = "local rules"


class SanitizedInput(Artefact):
    job_id: str
    brief_sha256: str
    brief: BriefSpec
    complexity: Complexity
    route: Route
    notes: list[str] = Field(default_factory=list)
    moderation: list[ModerationFlag] = Field(default_factory=list)


# --- planning ---------------------------------------------------------------


class Scene(Model):
    scene_id: str
    description: str
    duration_sec: float
    frames: int
    mood: str
    characters: list[str] = Field(default_factory=list)
    transition_in: Transition = "cut"
    narrative_role: str


class CharacterContinuity(Model):
    name: str
    appearance: str
    scene_ids: list[str]


class NarrativeElement(Model):
    scene_id: str
    role: str
    beat: str


class VisualStyle(Model):
    look: str
    lighting: Lighting
    palette: list[str]
    grain: float


class ConsistencyMarkers(Model):
    visual_style: VisualStyle
    character_continuity: list[CharacterContinuity]
    narrative_elements: list[NarrativeElement]


class PlannerUsage(Model):
    """What a model-backed planner consumed: tokens, calls, and their orchestration cost."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    orchestration_usd: float


class ModelAnswer(Model):
    """One answer of a language model: its text and the tokens it cost."""

    text: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    # Harm categories the model's own safety verdict rated medium or high, or blocked on.
    safety: list[str] = Field(default_factory=list)


class ProductionManifest(Artefact):
    job_id: str
    title: str
    planner: str
    planner_version: str
    cache_hit: bool = False
    usage: PlannerUsage | None = None
    route: Route
    duration_sec: float
    fps: int
    scenes: list[Scene]
    consistency: ConsistencyMarkers
    # The planner model's safety verdict on the brief, as soft moderation flags.
    safety: list[ModerationFlag] = Field(default_factory=list)


class RenderProfile(Model):
    name: str
    width: int
    height: int
    fps: int
    video_codec: Literal["h264"] = "h264"
    h264_profile: Literal["high"] = "high"
    pix_fmt: Literal["yuv420p"] = "yuv420p"
    color_primaries: Literal["bt709"] = "bt709"
    color_range: Literal["tv"] = "tv"
    closed_gop: bool = True
    gop_frames: int
    video_bitrate_min_bps: int = 2_000_000
    video_bitrate_max_bps: int = 8_000_000
    video_bitrate_target_bps: int
    audio_codec: Literal["aac"] = "aac"
    audio_sample_rate: int = 48_000
    audio_channels: int = 2
    loudness_lufs: float = -23.0
    loudness_tolerance_lu: float = 1.0
    true_peak_dbtp: float = -1.0
    container: Literal["mp4"] = "mp4"
    faststart: bool = True


class ShotSpec(Model):
    """What a renderer needs to draw a shot; the input of its spec_hash."""

    prompt: str
    duration_sec: float
    frames: int
    camera_move: CameraMove
    lighting: Lighting
    palette: list[str]
    mood: str
    caption: str
    characters: list[str] = Field(default_factory=list)


class Shot(Model):
    shot_id: str
    scene_id: str
    index: int
    spec: ShotSpec
    seed: int
    backend: str
    backend_version: str
    spec_hash: str
    transition_in: Transition = "cut"


class ShotList(Artefact):
    job_id: str
    profile: RenderProfile
    shots: list[Shot]
    total_frames: int
    # Soft flags on the brief, the shot prompts and the planner's safety verdict: a person must approve
    # before any paid backend renders this job.
    moderation: list[ModerationFlag] = Field(default_factory=list)
    # The review edit this version includes (event id), or "" for the planner's own.
    review_version: str = ""


# --- costing ----------------------------------------------------------------


class CostFactor(Model):
    name: str
    value: str
    multiplier: float
    explanation: str


class LineItem(Model):
    shot_id: str
    backend: str
    seconds: float
    usd: float


class BackendEstimate(Model):
    backend: str
    kind: Literal["self_hosted", "api"]
    total_usd: float
    factors: list[CostFactor]
    line_items: list[LineItem]
    # The prior's figure before calibration: what the ledger compares actuals with when it fits a correction.
    prior_usd: float | None = None
    # 80 % of actuals should fall in [p10_usd, p90_usd]; interval_basis says where the spread comes from.
    p10_usd: float | None = None
    p90_usd: float | None = None
    interval_basis: str = ""


class BudgetDecision(Model):
    decision: BudgetDecisionKind
    reason: str
    budget_usd: float
    threshold_usd: float


class CostEstimate(Artefact):
    job_id: str
    model_version: str
    pricing_version: str
    currency: Literal["USD"] = "USD"
    total_usd: float
    chain: list[str]
    requested_chain: list[str]
    per_backend: list[BackendEstimate]
    decision: BudgetDecision
    p10_usd: float | None = None
    p90_usd: float | None = None
    # What the user should know about the chain: a requested backend this deployment has not switched on.
    notes: list[str] = Field(default_factory=list)


# --- rendering, QA, delivery ------------------------------------------------


class QAAttempt(Model):
    """One render of a shot and what the QA gate said of it."""

    attempt: int
    backend: str
    seed: int
    spec_hash: str
    cost_usd: float
    technical_failures: list[str] = Field(default_factory=list)
    semantic_score: float | None = None
    passed: bool
    note: str = ""


class ClipRecord(Model):
    shot_id: str
    uri: str
    sha256: str
    spec_hash: str
    duration_sec: float
    backend: str
    attempts: int
    render_seconds: float
    actual_cost_usd: float
    reused: bool
    provider_task_id: str | None = None
    seed: int | None = None
    # A provider's own file, as downloaded, kept beside the conformed clip.
    source_uri: str | None = None
    qa_attempts: list[QAAttempt] = Field(default_factory=list)


class RenderedClips(Artefact):
    job_id: str
    device: str
    clips: list[ClipRecord]
    total_cost_usd: float
    # Paid backends were held back until a reviewer releases the job (moderation): previz stood in.
    paid_render_held: bool = False


class CheckResult(Model):
    id: str
    passed: bool
    measured: str
    expected: str
    timecode_sec: float | None = None
    # A measurement over time where one number says too little (flashes in each second, for "flash").
    per_second: list[float] | None = None


class CachedChecks(Artefact):
    """Technical QA results kept for one file's bytes: ``cache/qa/<sha256>-<expectations digest>.json``."""

    sha256: str
    expectations: str  # the digest of what the file was judged against, checker version included
    checks: list[CheckResult]


class ClipQA(Model):
    target: str
    uri: str = ""
    checks: list[CheckResult]
    passed: bool
    attempts: list[QAAttempt] = Field(default_factory=list)


class TechnicalQAReport(Artefact):
    job_id: str
    clips: list[ClipQA]
    passed: bool


class SemanticMetric(Model):
    name: str
    value: float
    score: float
    threshold: float
    weight: float


class ShotSemanticScore(Model):
    shot_id: str
    metrics: list[SemanticMetric]
    score: float
    verdict: Literal["pass", "fail"]
    reasons: list[str] = Field(default_factory=list)


class JudgeVerdict(Model):
    """What a vision judge says of a shot."""

    score: float
    reasons: list[str]
    model: str


class SemanticQAReport(Artefact):
    job_id: str
    shots: list[ShotSemanticScore]
    score: float
    threshold: float
    verdict: Literal["pass", "fail"]
    # What the score covers, and what nothing checked: without a vision judge, prompt adherence.
    judged: list[str] = Field(default_factory=list)
    not_judged: dict[str, str] = Field(default_factory=dict)

    def coverage(self) -> str:
        """One line: what the score covers and what was not judged."""
        gaps = "; ".join(f"{name.replace('_', ' ')}: {why}" for name, why in self.not_judged.items())
        covered = ", ".join(name.replace("_", " ") for name in self.judged)
        return f"covers {covered}" + (f"; {gaps}" if gaps else "")


class FinalCut(Artefact):
    job_id: str
    uri: str
    sha256: str
    duration_sec: float
    shot_ids: list[str]
    qa: list[CheckResult] = Field(default_factory=list)
    # What the cut was made from (clips, transitions, profile, title, encoder): the same inputs reuse it.
    inputs_digest: str = ""
    segments_detected: int = 0
    segment_starts: list[int] = Field(default_factory=list)


ApprovalMode = Literal["required", "auto_when_passed", "none"]
APPROVAL_MODES: tuple[str, ...] = get_args(ApprovalMode)


class SupervisorApproval(Artefact):
    """Who let this cut go to delivery: a person's decision, or the policy when none was needed."""

    job_id: str
    cut_sha256: str
    granted_by: Literal["person", "policy"]
    policy: ApprovalMode
    decision_id: str = ""
    approver: str = ""
    role: str = ""
    decided_at: str = ""
    comment: str = ""
    reasons_required: list[str] = Field(default_factory=list)


# How long a deliverable's signed URL lives: GCS's V4 maximum, 7 days.
SIGNED_URL_SECONDS = 7 * 24 * 3600


class Deliverable(Model):
    kind: str
    uri: str
    sha256: str
    size_bytes: int
    signed_url: str | None = None
    expires_at: str | None = None


class CostCertification(Model):
    estimate_usd: float
    actual_usd: float
    variance_pct: float
    within_budget: bool
    budget_usd: float = 0.0
    model_version: str = ""
    audit_uri: str = ""
    decisions: dict[str, int] = Field(default_factory=dict)
    # Model-backed planning (tokens), beside the render spend the cost model predicts.
    orchestration_usd: float = 0.0


class DeliveryManifest(Artefact):
    job_id: str
    delivered_at: str = ""
    deliverables: list[Deliverable]
    cost: CostCertification
    qa_summary: dict[str, float | bool | str]
    lineage: dict[str, str]


# --- unpartitioned costing --------------------------------------------------


class GpuRate(Model):
    usd_per_hour: float
    source: str


class BillingRule(Model):
    """How a provider rounds what it bills a job: whole units of ``unit_sec``, never under ``minimum_sec``."""

    unit_sec: float = Field(gt=0)
    minimum_sec: float = Field(default=0.0, ge=0)


class BackendPrice(Model):
    kind: Literal["self_hosted", "api"]
    version: str
    usd_per_second: dict[str, float] = Field(default_factory=dict)
    source: str
    billing: BillingRule | None = None


class PricingTable(Artefact):
    version: str
    effective_date: str
    gpus: dict[str, GpuRate]
    backends: dict[str, BackendPrice]


class CostLedgerRow(Model):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # billing numbers are finite

    job_id: str
    finished_at: str
    complexity: float
    duration_sec: float
    resolution: Resolution
    backend: str
    device: str
    quantization: str
    batch_size: int
    gpu_count: int
    framework: str
    spot: bool
    estimate_usd: float
    actual_usd: float
    # The uncalibrated prior at estimate time; absent in billing exports (the prior is then recomputed).
    prior_usd: float | None = None


class TimedSample(Model):
    width: int
    height: int
    frames: int
    seconds: float


class DeviceProfile(Artefact):
    """How fast the embedded renderer draws and encodes on one device, measured on it.

    A clip of F frames of W x H pixels takes seconds_per_clip + F x (seconds_per_frame +
    W x H / 1e6 x seconds_per_megapixel_frame) of device time.
    """

    device: str
    device_type: Literal["cpu", "cuda"]
    renderer_version: str
    encoder: str
    seconds_per_clip: float
    seconds_per_frame: float
    seconds_per_megapixel_frame: float
    warm_up_seconds: float
    samples: list[TimedSample]
    measured_at: str

    def clip_seconds(self, frames: int, width: int, height: int) -> float:
        per_frame = self.seconds_per_frame + width * height / 1e6 * self.seconds_per_megapixel_frame
        return self.seconds_per_clip + frames * per_frame


class CostModel(Artefact):
    version: str
    fitted_on_jobs: int
    coefficients: dict[str, float | dict[str, float]]
    notes: list[str] = Field(default_factory=list)
    # Per backend (and "*"): p10 and p90 of actual / estimate in the backtest, and how many jobs gave them.
    intervals: dict[str, dict[str, float]] = Field(default_factory=dict)
    # Per backend: the form fitted (costing/forms.py; "level" when absent), why it was chosen, and the date
    # of a price step before which its jobs were forgotten.
    forms: dict[str, str] = Field(default_factory=dict)
    form_reasons: dict[str, str] = Field(default_factory=dict)
    steps: dict[str, str] = Field(default_factory=dict)


class BacktestScore(Model):
    scope: str
    jobs: int
    mape: float
    bias: float
    p90_ape: float


class CostModelBacktest(Artefact):
    model_version: str
    calibrated: list[BacktestScore]
    prior: list[BacktestScore]
    promoted: bool = False
    promoted_version: str = ""
    reason: str = ""


# Every stored asset by name, with the model that reads it back. A job's assets are in the order the
# graph makes them: the CLI's status lists them so, and delivery's lineage is every one before it.
JOB_ASSETS: dict[str, type[Artefact]] = {
    "brief": BriefRecord,
    "sanitized_input": SanitizedInput,
    "production_manifest": ProductionManifest,
    "shot_list": ShotList,
    "cost_estimate": CostEstimate,
    "rendered_clips": RenderedClips,
    "technical_qa_report": TechnicalQAReport,
    "semantic_qa_report": SemanticQAReport,
    "final_cut": FinalCut,
    "supervisor_approval": SupervisorApproval,
    "delivery_manifest": DeliveryManifest,
}
COST_ASSETS: dict[str, type[Artefact]] = {
    "pricing_table": PricingTable,
    "cost_model": CostModel,
    "cost_model_backtest": CostModelBacktest,
    "device_profile": DeviceProfile,
}
MODEL_BY_ASSET: dict[str, type[Artefact]] = {**JOB_ASSETS, **COST_ASSETS}


ProviderTaskStatus = Literal["submitted", "succeeded", "failed", "abandoned"]


class ProviderTask(Model):
    """One task a remote provider was asked to run, recorded before polling starts."""

    provider: str
    model: str
    task_id: str
    spec_hash: str
    status: ProviderTaskStatus
    submitted_at: str
    updated_at: str
    reason: str | None = None
    cancelled: bool = False


class ProviderTasks(Artefact):
    """Every provider task of one shot: ``providers/<job_id>/<shot_id>.json``."""

    job_id: str
    shot_id: str
    tasks: list[ProviderTask] = Field(default_factory=list)


class BudgetStop(Artefact):
    """Written when a job stopped before its approved budget would be exceeded."""

    job_id: str
    stopped_at: str
    budget_usd: float
    spent_usd: float
    reason: str
    clips: list[ClipRecord]


# --- operations ---------------------------------------------------------------


class JobHealth(Model):
    """One job as production health sees it on a day: what it cost, how good it was, how long it took."""

    job_id: str
    delivered: bool
    estimate_usd: float
    actual_usd: float
    committed_usd: float  # delivered: what it cost; in flight or stopped: the larger of estimate and spend
    quality_score: float | None = None
    wall_clock_sec: float | None = None
    shot_failures: int = 0


class ProductionHealth(Model):
    """A day of production (UTC): jobs, runs and the figures the alerts compare with policy."""

    schema_version: int = SCHEMA_VERSION
    day: str
    computed_at: str
    jobs: list[JobHealth]
    runs_finished: int
    runs_failed: int
    failure_rate: float
    committed_usd: float
    daily_limit_usd: float
    mean_quality: float | None = None
    mean_wall_clock_sec: float | None = None
    shot_failures: int = 0


class AlertNotice(Model):
    """One notification: an alert opening on a condition in a window, or closing when it clears."""

    condition: Literal["cost_overrun", "failure_rate", "quality"] | str
    state: Literal["open", "closed"]
    window: str
    value: float | None
    threshold: float
    message: str
    at: str
