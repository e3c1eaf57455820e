"""Per-shot, content-addressed, resumable rendering of a job's clips (DESIGN.md §3).

A clip is reused only when its sidecar's spec_hash matches the shot and the stored
file's sha256 matches the sidecar. The clip is stored before its sidecar, both
atomically, so a crash at any moment leaves either a finished clip or a re-render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from aiprod_assets.canonical import (
    compute_spec_hash,
    file_sha256,
    pretty_json,
    seed_of,
    stream_sha256,
)
from aiprod_assets.contracts import ClipRecord, PricingTable, QAAttempt, Shot, ShotList
from aiprod_assets.costing.pricing import api_usd_per_second, gpu_usd_per_second
from aiprod_assets.costing.reservation import BudgetReservation
from aiprod_assets.failures import RetryableRenderError, RetryPolicy
from aiprod_assets.layout import (
    CorruptRecord,
    Store,
    clip_key,
    read_record,
    sidecar_key,
    source_key,
)
from aiprod_assets.rendering.backend import RenderBackend, RenderRequest
from aiprod_assets.rendering.concurrent import render_concurrently
from aiprod_assets.rendering.retry import Attempt, render_with_fallback
from aiprod_assets.review.live import LiveFeed
from aiprod_assets.work_folders import work_folder

if TYPE_CHECKING:
    from aiprod_assets.qa.as_encoded import EncodedPictures


def verify_clip(request: RenderRequest) -> None:
    """A backend's output is taken only if it demuxes with the shot's duration within a frame."""
    import av

    from aiprod_assets.media.decode import open_for_packets

    path = Path(request.out_path)
    if not path.is_file() or path.stat().st_size == 0:
        raise RetryableRenderError(f"{request.shot.shot_id}: backend wrote no file")
    try:
        with open_for_packets(path) as container:
            stream = container.streams.video[0]
            frames = sum(1 for packet in container.demux(stream) if packet.size)
    except (av.FFmpegError, IndexError) as err:
        raise RetryableRenderError(f"{request.shot.shot_id}: output is not a readable MP4 ({err})") from err
    if abs(frames - request.shot.spec.frames) > 1:
        raise RetryableRenderError(f"{request.shot.shot_id}: output has {frames} frames, "
                                   f"expected {request.shot.spec.frames}")


@dataclass
class ClipRenderer:
    job_id: str
    shot_list: ShotList
    chain: list[RenderBackend]
    store: Store
    pricing: PricingTable
    gpu_model: str
    retry: RetryPolicy = RetryPolicy()
    sleep: Callable[[float], None] | None = None
    on_progress: Callable[[str], None] = lambda message: None
    # Remediation: a judge of each new clip and how many renders a shot may take, first included. The judge
    # gets the clip's pictures as measured while it was encoded, where its backend measured them, else None.
    judge: Callable[[Shot, Path, EncodedPictures | None], object] | None = None
    max_attempts: int = 1
    budget: BudgetReservation = field(default_factory=BudgetReservation)
    # Reviewers watching: shot started, finished, failed, and preview frames (review/live.py).
    live: LiveFeed | None = None
    # Shots rendering at once: 1 on the local device; a remote provider's concurrency limit from policy.
    concurrency: int = 1
    # Each clip as it is stored, before it is judged (the reused ones first): the final cut may be made ahead
    # once every shot has one (final_cut_ahead.py).
    on_stored: Callable[[ClipRecord], None] | None = None

    def spec_hash_for(self, shot: Shot, backend: RenderBackend) -> str:
        return compute_spec_hash(shot.spec, shot.seed, backend.name, backend.version, self.shot_list.profile)

    def variant(self, shot: Shot, attempt: int) -> Shot:
        """The shot as remediation attempt ``attempt`` renders it: a new seed derived from the first."""
        if attempt == 1:
            return shot
        return shot.model_copy(update={"seed": seed_of({"seed": shot.seed, "remediation": attempt})})

    def chain_for(self, attempt: int) -> list[RenderBackend]:
        """Each remediation attempt starts at the next backend of the chain."""
        k = (attempt - 1) % len(self.chain)
        return self.chain[k:] + self.chain[:k]

    def reusable(self, shot: Shot) -> ClipRecord | None:
        # The latest remediation attempt on record is the clip that stands for the shot.
        for attempt in range(self.max_attempts, 0, -1):
            variant = self.variant(shot, attempt)
            for backend in self.chain:
                spec_hash = self.spec_hash_for(variant, backend)
                try:
                    record = read_record(self.store, sidecar_key(self.job_id, shot.shot_id, spec_hash), ClipRecord)
                except CorruptRecord as err:
                    # An unreadable record proves nothing about its clip: the shot is rendered again.
                    self.on_progress(f"shot {shot.shot_id}: {err}")
                    continue
                if record is None:
                    continue
                clip = clip_key(self.job_id, shot.shot_id, spec_hash)
                if (record.spec_hash == spec_hash and self.store.exists(clip)
                        and self._stored_sha256(clip) == record.sha256):
                    # Its cost stays on the record: the job paid it once, when the clip was made.
                    return record.model_copy(update={"reused": True})
        return None

    def _stored_sha256(self, key: str) -> str:
        with self.store.open_read(key) as stored:
            return stream_sha256(stored)

    def device_cost(self, seconds: float, device: str) -> float:
        gpu = "CPU" if device.startswith("cpu") else self.gpu_model
        return seconds * gpu_usd_per_second(self.pricing, gpu)

    def render_cost(self, backend: str, result) -> float:
        """What the provider charged, else its billed seconds at list price, else device time."""
        if result.charged_usd is not None:
            return result.charged_usd
        if result.billed_seconds is not None:
            profile = self.shot_list.profile
            resolution = f"{min(profile.width, profile.height)}p"
            return result.billed_seconds * api_usd_per_second(self.pricing, backend, resolution)
        return self.device_cost(result.render_seconds, result.device)

    def render_shot(self, shot: Shot, workdir: Path, chain: list[RenderBackend] | None = None,
                    qa_attempt: int = 1, on_turn: Callable[[], None] | None = None,
                    ) -> tuple[ClipRecord, Path, EncodedPictures | None]:
        """The clip's record, its file here, and its pictures as measured while it was encoded (where they were);
        ``on_turn`` is called as the render has its device (at once where renders do not wait for one)."""
        requests: dict[str, RenderRequest] = {}

        def request_for(backend: RenderBackend) -> RenderRequest:
            out = workdir / f"{shot.shot_id}-{backend.name}.mp4"
            out.unlink(missing_ok=True)
            waits_its_turn = getattr(backend, "renders_elsewhere", False)
            if on_turn is not None and not waits_its_turn:
                on_turn()
            on_frame = None
            if self.live:
                started = partial(self.live.publish, "shot_started", shot_id=shot.shot_id, backend=backend.name,
                                  attempt=qa_attempt)
                if waits_its_turn:
                    # It may wait for the device worker, still busy with the shot before: the render starts
                    # with its first frame.
                    on_frame = self.live.frame_hook(shot.shot_id, qa_attempt, on_first=started)
                else:
                    started()
                    on_frame = self.live.frame_hook(shot.shot_id, qa_attempt)
            requests[backend.name] = RenderRequest(
                job_id=self.job_id, shot=shot, profile=self.shot_list.profile, out_path=out,
                spec_hash=self.spec_hash_for(shot, backend), on_frame=on_frame,
                on_turn=on_turn if waits_its_turn else None, measure_pictures=self.judge is not None)
            return requests[backend.name]

        def report(attempt: Attempt) -> None:
            if attempt.error:
                self.on_progress(f"shot {shot.shot_id}: {attempt.backend} attempt {attempt.number} failed: "
                                 f"{attempt.error}")
                if self.live:
                    self.live.publish("shot_failed", shot_id=shot.shot_id, backend=attempt.backend,
                                      attempt=attempt.number, error=str(attempt.error)[:300])

        kwargs = {"sleep": self.sleep} if self.sleep else {}
        chain = chain or self.chain
        rendered = render_with_fallback(chain, request_for, self.retry, on_attempt=report,
                                        verify=verify_clip, **kwargs)
        backend = next(b for b in chain if b.name == rendered.backend)
        spec_hash = self.spec_hash_for(shot, backend)
        out = requests[backend.name].out_path
        key = clip_key(self.job_id, shot.shot_id, spec_hash)
        uri = self.store.put_file(key, out)
        result = rendered.result
        source_uri = None
        if result.source_path is not None and Path(result.source_path).is_file():
            source_uri = self.store.put_file(source_key(self.job_id, shot.shot_id, spec_hash), result.source_path)
        for note in result.notes:
            self.on_progress(f"shot {shot.shot_id}: conformed {rendered.backend} output: {note}")
        if result.rendered_ahead:
            self.on_progress(f"shot {shot.shot_id}: rendered ahead, before this run asked for it")
        cost = self.render_cost(rendered.backend, result)
        record = ClipRecord(
            shot_id=shot.shot_id, uri=uri, sha256=file_sha256(out), spec_hash=spec_hash,
            duration_sec=shot.spec.duration_sec, backend=rendered.backend, attempts=len(rendered.attempts),
            render_seconds=round(result.render_seconds, 4), actual_cost_usd=round(cost, 8), reused=False,
            provider_task_id=result.provider_task_id, seed=shot.seed, source_uri=source_uri)
        self.budget.charge(record.actual_cost_usd)
        self.save_sidecar(record)
        if self.on_stored is not None:
            self.on_stored(record)
        return record, out, result.encoded

    def save_sidecar(self, record: ClipRecord) -> None:
        self.store.put_bytes(sidecar_key(self.job_id, record.shot_id, record.spec_hash), pretty_json(record).encode())

    def render_with_remediation(self, shot: Shot, workdir: Path, reserved: float = 0.0,
                                on_turn: Callable[[], None] | None = None) -> ClipRecord:
        """Render, judge, and re-render a failing shot with the next backend and a new seed, within budget;
        ``on_turn`` as for ``render_shot`` (each attempt calls it)."""
        attempts: list[QAAttempt] = []
        spent_on_shot = cost_each = 0.0
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1 and not self.budget.allows(cost_each, reserved_for_it=reserved):
                attempts[-1].note = self.budget.refuse_remediation(shot.shot_id, cost_each)
                break
            variant = self.variant(shot, attempt)
            record, local, encoded = self.render_shot(variant, workdir, self.chain_for(attempt),
                                                      qa_attempt=attempt, on_turn=on_turn)
            spent_on_shot += record.actual_cost_usd
            cost_each = spent_on_shot / attempt  # what one more render of this shot is likely to cost
            verdict = self.judge(variant, local, encoded) if self.judge else None
            attempts.append(QAAttempt(
                attempt=attempt, backend=record.backend, seed=variant.seed, spec_hash=record.spec_hash,
                cost_usd=record.actual_cost_usd, passed=verdict is None or verdict.passed,
                technical_failures=verdict.technical_failures if verdict else [],
                semantic_score=verdict.semantic.score if verdict else None))
            if verdict is not None and not verdict.passed:
                self.on_progress(f"shot {shot.shot_id}: attempt {attempt} failed QA "
                                 f"(technical: {', '.join(verdict.technical_failures) or 'ok'}; "
                                 f"semantic {verdict.semantic.score:.2f})")
            if attempts[-1].passed:
                break
        record = record.model_copy(update={"attempts": record.attempts + len(attempts) - 1,
                                           "actual_cost_usd": round(spent_on_shot, 8), "qa_attempts": attempts})
        self.save_sidecar(record)
        return record

    def render_all(self) -> list[ClipRecord]:
        """Every shot's clip in shot order: reused where it stands, else rendered (``concurrency`` at a time)."""
        total = len(self.shot_list.shots)
        records: dict[str, ClipRecord] = {}
        pending = []
        for n, shot in enumerate(self.shot_list.shots, start=1):
            record = self.reusable(shot)
            if record is None:
                pending.append((n, shot))
                continue
            self.budget.carry(record.actual_cost_usd)
            self.on_progress(f"shot {n}/{total} {shot.shot_id}: reused {record.uri}")
            self._finished(shot, record)
            records[shot.shot_id] = record
            if self.on_stored is not None:
                self.on_stored(record)
        with work_folder(self.job_id) as folder:
            if self.concurrency <= 1:
                for n, shot in pending:
                    reserved = self.budget.reserve(shot.shot_id, self._in_order(records))
                    record = self.render_with_remediation(shot, folder, reserved)
                    self._rendered(n, total, shot, reserved, record)
                    records[shot.shot_id] = record
            else:
                render_concurrently(self, pending, total, folder, records)
        return self._in_order(records)

    def _in_order(self, records: dict[str, ClipRecord]) -> list[ClipRecord]:
        return [records[s.shot_id] for s in self.shot_list.shots if s.shot_id in records]

    def _rendered(self, n: int, total: int, shot: Shot, reserved: float, record: ClipRecord) -> None:
        self.budget.reconcile(shot.shot_id, reserved, record.actual_cost_usd)
        self.on_progress(f"shot {n}/{total} {shot.shot_id}: rendered by {record.backend} in "
                         f"{record.render_seconds:.2f}s, ${record.actual_cost_usd:.6f}")
        self._finished(shot, record)

    def _finished(self, shot: Shot, record: ClipRecord) -> None:
        if self.live:
            self.live.publish("shot_finished", shot_id=shot.shot_id, backend=record.backend,
                              spec_hash=record.spec_hash, reused=record.reused, attempts=record.attempts,
                              render_seconds=record.render_seconds, cost_usd=record.actual_cost_usd)
