"""The storage layout (DESIGN.md §4): every key of the artifact store is spelled here, and only here.

Keys are relative POSIX paths under the store's root (a local folder or gs://bucket/prefix);
anything that could escape the root is refused. ``Store`` is the one interface the domain
sees of the artifact store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from aiprod_assets.contracts import MODEL_BY_ASSET, Artefact, ClipRecord
from aiprod_assets.job_ids import check_job_id

M = TypeVar("M", bound=BaseModel)


class Store(Protocol):
    """What the domain asks of an artifact store; resources.artifact_store implements it."""

    def put_bytes(self, key: str, data: bytes) -> str: ...
    def put_file(self, key: str, path: str | Path) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list_keys(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def uri(self, key: str) -> str: ...
    def local_copy(self, key: str, folder: Path) -> Path: ...
    def stored_file(self, key: str) -> Path | None: ...
    def open_read(self, key: str) -> BinaryIO: ...
    def append_line(self, key: str, line: str) -> None: ...
    def read_lines(self, key: str) -> list[str]: ...


class InvalidStoreKey(ValueError):
    pass


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise InvalidStoreKey(f"store key {key!r} must be a relative path without '.', '..' or empty parts")
    return key


def log_entry_prefix(key: str) -> str:
    """Where a store that cannot append (GCS) keeps the log at ``key``: one object per entry under it."""
    return f"{key}.entries/"


# --- briefs -------------------------------------------------------------------

BRIEFS = "briefs"
INCOMING, ACCEPTED, REJECTED = f"{BRIEFS}/incoming", f"{BRIEFS}/accepted", f"{BRIEFS}/rejected"


def incoming_brief_key(file_name: str) -> str:
    return f"{INCOMING}/{file_name}"


def accepted_brief_key(job_id: str) -> str:
    return f"{ACCEPTED}/{check_job_id(job_id)}.json"


def rejected_brief_key(file_name: str) -> str:
    return f"{REJECTED}/{file_name}"


def rejection_report_key(file_name: str) -> str:
    """The error report beside a refused brief: ``<name>.error.json``."""
    return f"{REJECTED}/{file_name.removesuffix('.json')}.error.json"


# --- jobs ----------------------------------------------------------------------

JOBS = "jobs"


def job_folder(job_id: str) -> str:
    return f"{JOBS}/{check_job_id(job_id)}"


def job_ids_under_jobs(keys: list[str]) -> list[str]:
    """The job ids of keys listed under ``jobs/``, sorted, each once."""
    return sorted({key.split("/")[1] for key in keys if key.startswith(f"{JOBS}/") and key.count("/") >= 2})


def artefact_key(asset_name: str, job_id: str | None) -> str:
    """Where an asset's JSON value lives: per job, or under cost/ for the unpartitioned costing assets."""
    if job_id is None:
        return f"cost/{asset_name}.json"
    return f"{job_folder(job_id)}/{asset_name}.json"


class CorruptRecord(ValueError):
    """A stored record that does not parse. It has been moved aside, so it now counts as missing."""

    def __init__(self, key: str, aside: str, reason: str):
        self.key, self.aside = key, aside
        super().__init__(f"{key} was unreadable ({reason}); moved aside to {aside}")


CORRUPT_MARK = ".corrupt-"


def set_aside(store: Store, key: str, reason: str) -> CorruptRecord:
    """Move an unreadable record to ``<key>.corrupt-<time>``, where nothing reads it, and say so."""
    aside = f"{key}{CORRUPT_MARK}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"
    store.put_bytes(aside, store.get_bytes(key))
    store.delete(key)
    return CorruptRecord(key, aside, reason)


def read_record(store: Store, key: str, model: type[M]) -> M | None:
    """A stored record, or None where there is none; one that does not parse is set aside (CorruptRecord)."""
    if not store.exists(key):
        return None
    try:
        return model.model_validate_json(store.get_bytes(key))
    except (ValidationError, ValueError) as err:
        raise set_aside(store, key, str(err).splitlines()[0]) from err


def read_artefact(store: Store, asset_name: str, job_id: str | None) -> Artefact | None:
    """An asset's stored value, or None where it has not been made (CorruptRecord where it is unreadable)."""
    return read_record(store, artefact_key(asset_name, job_id), MODEL_BY_ASSET[asset_name])


def artefact_or_none(store: Store, asset_name: str, job_id: str | None) -> Artefact | None:
    """For readers that only report (status, the review app, sensors): an unreadable value is set aside
    and counts as not made."""
    try:
        return read_artefact(store, asset_name, job_id)
    except CorruptRecord:
        return None


def job_file_key(job_id: str, name: str) -> str:
    """A job's other files: final_cut.mp4, contact_sheet.png, qa_report.html, budget_stop.json, ..."""
    return f"{job_folder(job_id)}/{check_key(name)}"


def final_cut_key(job_id: str) -> str:
    return job_file_key(job_id, "final_cut.mp4")


def contact_sheet_key(job_id: str) -> str:
    return job_file_key(job_id, "contact_sheet.png")


def qa_report_key(job_id: str) -> str:
    return job_file_key(job_id, "qa_report.html")


def budget_stop_key(job_id: str) -> str:
    return job_file_key(job_id, "budget_stop.json")


def delivered_inputs_key(job_id: str) -> str:
    """What a delivered job was made from (brief, code, settings) and what it delivered: a re-run that finds
    them unchanged has nothing to make."""
    return job_file_key(job_id, "delivered_inputs.json")


def planner_failure_key(job_id: str) -> str:
    return job_file_key(job_id, "planner_failure.json")


def clip_key(job_id: str, shot_id: str, spec_hash: str) -> str:
    return f"{job_folder(job_id)}/clips/{shot_id}-{spec_hash[:12]}.mp4"


def sidecar_key(job_id: str, shot_id: str, spec_hash: str) -> str:
    """The clip's record beside it."""
    return clip_key(job_id, shot_id, spec_hash).removesuffix(".mp4") + ".json"


def source_key(job_id: str, shot_id: str, spec_hash: str) -> str:
    """Where a provider's own file is kept beside the clip conformed from it."""
    return clip_key(job_id, shot_id, spec_hash).removesuffix(".mp4") + ".source.mp4"


def local_clips(store: Store, job_id: str, clips: list[ClipRecord], folder: Path) -> dict[str, Path]:
    """Each clip as a local file, by shot id, for decoders and encoders that need a path."""
    return {c.shot_id: store.local_copy(clip_key(job_id, c.shot_id, c.spec_hash), folder) for c in clips}


# --- providers, caches, cost ------------------------------------------------------


def provider_tasks_prefix(job_id: str) -> str:
    return f"providers/{check_job_id(job_id)}/"


def provider_tasks_key(job_id: str, shot_id: str) -> str:
    """Every provider task of one shot, recorded before polling starts."""
    return f"{provider_tasks_prefix(job_id)}{shot_id}.json"


def qa_cache_key(sha256: str, expectations_digest: str) -> str:
    """Technical QA of one file's bytes against one set of expectations (profile, duration, checker version)."""
    return f"cache/qa/{check_key(sha256)}-{check_key(expectations_digest)}.json"


def manifest_cache_key(key: str) -> str:
    """A model's plan, reused for the same brief within its time to live."""
    return f"cache/manifests/{key}.json"


LEDGER_KEY = "cost/ledger.csv"
BILLING_IMPORTS = "cost/imports"
PROMOTED_MODEL_KEY = "cost/models/promoted.json"
BACKTEST_PLOT_KEY = "cost/backtest.png"
STORED_PRICING_KEY = artefact_key("pricing_table", None)


def billing_import_key(stem: str, digest: str) -> str:
    return f"{BILLING_IMPORTS}/{stem}-{digest[:8]}.csv"


def cost_model_key(version: str) -> str:
    return f"cost/models/{version}.json"


def audit_key(job_id: str) -> str:
    return f"cost/audit/{check_job_id(job_id)}.jsonl"


# --- review ---------------------------------------------------------------------

REVIEWERS = "review/users"
REVIEW_INBOX = "review/inbox"


def reviewer_key(token_sha256: str) -> str:
    """A reviewer, found by the sha256 of their token (the token itself is never stored)."""
    return f"{REVIEWERS}/{check_key(token_sha256)}.json"


def review_events_prefix(job_id: str) -> str:
    return f"{job_folder(job_id)}/review/events/"


def review_event_key(job_id: str, event_id: str) -> str:
    """One object per event, never rewritten: many writers on GCS need no read-modify-write."""
    return f"{review_events_prefix(job_id)}{check_key(event_id)}.json"


def live_events_prefix(job_id: str) -> str:
    return f"{job_folder(job_id)}/review/live/"


def live_event_key(job_id: str, event_id: str) -> str:
    """Render progress and preview frames, for reviewers watching the job."""
    return f"{live_events_prefix(job_id)}{check_key(event_id)}.json"


def keyframe_key(job_id: str, spec_hash: str) -> str:
    return f"{job_folder(job_id)}/review/keyframes/{check_key(spec_hash[:16])}.jpg"


def inbox_key(event_id: str, job_id: str) -> str:
    """A pointer to a decision or an edit, so the approval sensor lists one folder, not every job's."""
    return f"{REVIEW_INBOX}/{check_key(event_id)}--{check_job_id(job_id)}.json"


def qa_pictures_key(sha256: str, version: str) -> str:
    """The sampled pictures semantic QA reads of one file's bytes, kept so no QA decodes the file twice."""
    return f"cache/qa/{check_key(sha256)}-pictures-{check_key(version)}.npz"


def qa_sound_key(digest: str, version: str) -> str:
    """What the technical checks measured of one sound (its stream's digest), kept so an unchanged sound is
    not decoded and measured again (qa/sound_measures.py)."""
    return f"cache/qa/sound-{check_key(digest)}-{check_key(version)}.json"


def qa_frames_key(sha256: str, version: str) -> str:
    """Each frame's measurements of one file's bytes, from which a cut that copies its packets is judged."""
    return f"cache/qa/{check_key(sha256)}-frames-{check_key(version)}.npz"


# --- operations ------------------------------------------------------------------


def health_key(day: str) -> str:
    """A day's production health (UTC date, YYYY-MM-DD)."""
    return f"operations/health/{check_key(day)}.json"
