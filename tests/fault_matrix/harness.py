"""Running one cell of the fault matrix: a copy of a baseline job's store cut back to the transition's source
state, a fresh Dagster instance, the fault injected where it strikes, and real runs of the production job."""

import json
import shutil
from pathlib import Path

import dagster as dg
import google.api_core.exceptions as google_errors

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.costing.audit import read_audit
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import (
    artefact_key,
    audit_key,
    clip_key,
    job_folder,
    read_artefact,
)
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.rendering.previz.backend import PrevizBackend
from resources.artifact_store import LocalArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import RenderBackends
from tests.support.fault_backends import FaultInjectingBackend
from tests.support.jobs import brief_bytes, run_production

BUDGET_USD = 1.0
NORMAL_CHARGE, OVERRUN_CHARGE = 0.02, 0.60
BRIEFS = {
    "full": dict(job_id="matrix-full", resolution="360p", duration_sec=4, characters=[], budget_usd=BUDGET_USD,
                 prompt="A keeper climbs the lighthouse stairs at dusk. Then he lights the great lamp."),
    "fast": dict(job_id="matrix-fast", resolution="360p", duration_sec=2, characters=[], budget_usd=BUDGET_USD,
                 prompt="A white mug on a wooden table.", style={"lighting": "natural"}),
}
# Files each asset leaves beside its JSON, removed with it when a cell's source state lacks the asset.
FILES_OF = {"rendered_clips": ("clips", "contact_sheet.png"), "technical_qa_report": ("qa_report.html",),
            "final_cut": ("final_cut.mp4",)}
STORE_FAULTS = {
    "adapter_timeout": lambda key: TimeoutError(f"read of {key} timed out"),
    "out_of_memory": lambda key: MemoryError(f"out of memory reading {key}"),
    "api_rate_limit": lambda key: google_errors.TooManyRequests(f"429 rate limit reading {key}"),
    "network_error": lambda key: ConnectionResetError(f"connection reset reading {key}"),
}
BACKEND_FAULTS = {"adapter_timeout": "timeout", "out_of_memory": "oom", "api_rate_limit": "rate_limit_1s",
                  "network_error": "network"}


class FlakyStore(LocalArtifactStore):
    """The local store with a transient fault on the first ``failures`` reads of keys ending in ``fail_on``:
    what a remote store (GCS) does on a bad minute."""

    fail_on: str = ""
    fault: str = ""
    failures: int = 1
    counter_file: str = ""

    def get_bytes(self, key: str) -> bytes:
        if self.fault and key.endswith(self.fail_on):
            counter = Path(self.counter_file)
            done = len(counter.read_text()) if counter.exists() else 0
            if done < self.failures:
                counter.write_text("x" * (done + 1))
                raise STORE_FAULTS[self.fault](key)
        return super().get_bytes(key)


class MatrixBackends(RenderBackends):
    """previz behind a fault script (one fault per call, then renders), charging ``charge_usd`` per render."""

    faults: list[str] = []
    charge_usd: float = NORMAL_CHARGE

    def custom_backend(self, name: str):
        return FaultInjectingBackend(name, inner=PrevizBackend(self.gpu.torch_device()), faults=list(self.faults),
                                     version="previz-1", charge_usd=self.charge_usd)


def run_job(store, instance, job_id: str, selection=None, faults=(), charge=NORMAL_CHARGE, **overrides):
    gpu = TorchDevice(device="cpu")
    backends = MatrixBackends(gpu=gpu, faults=list(faults), charge_usd=charge)
    return run_production(store, instance, job_id, selection=list(selection) if selection else None, gpu=gpu,
                          render_backends=backends, **overrides)


def make_baseline(root: Path, kind: str) -> tuple[str, dict]:
    """A whole job run once without faults: the store every cell starts from, and its fingerprints."""
    store = LocalArtifactStore(root=str(root))
    job_id = accept(store, f"{kind}.json", brief_bytes(**BRIEFS[kind]), 500)
    with dg.instance_for_test() as instance:
        result = run_job(store, instance, job_id)
        assert result.success, [e.message for e in result.all_events if e.is_step_failure]
    return job_id, {name: fingerprint(read_artefact(store, name, job_id)) for name in JOB_ASSETS}


# Fields that differ between two equal runs: where they ran, when, how long, what the device time cost, and
# digests of the encoded bytes (a re-encode of the same pictures is not byte-identical).
VOLATILE = {"uri", "source", "render_seconds", "actual_cost_usd", "total_cost_usd", "delivered_at", "lineage",
            "inputs_digest", "cut_sha256",
            "device", "sha256", "size_bytes", "signed_url", "expires_at", "measured", "timecode_sec", "cost",
            "cost_usd", "audit_uri", "provider_task_id", "reused", "attempts", "qa_attempts", "value", "score",
            "metrics", "reasons", "content", "semantic_score"}


def fingerprint(value) -> object:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: fingerprint(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [fingerprint(v) for v in value]
    return value


def cut_back(baseline_root: Path, cell_root: Path, job_id: str, present: tuple[str, ...]) -> LocalArtifactStore:
    """The baseline's store as it stood in the transition's source state."""
    shutil.copytree(baseline_root, cell_root)
    store = LocalArtifactStore(root=str(cell_root))
    for name in JOB_ASSETS:
        if name not in present:
            store.delete(artefact_key(name, job_id))
            for file_name in FILES_OF.get(name, ()):
                path = cell_root / job_folder(job_id) / file_name
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return store


def fresh_instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def add_partition(instance, job_id: str) -> None:
    instance.add_dynamic_partitions(jobs_partitions.name, [job_id])


def finished_renders(store, job_id: str, audit_lines_before: int) -> dict[str, int]:
    """Renders finished in this cell, per shot: one reconciliation (or overrun) each in the audit trail."""
    counts: dict[str, int] = {}
    for event in read_audit(store, job_id)[audit_lines_before:]:
        if event["kind"] in ("reconciliation", "overrun"):
            counts[event["shot_id"]] = counts.get(event["shot_id"], 0) + 1
    return counts


def audit_length(store, job_id: str) -> int:
    return len(store.read_lines(audit_key(job_id)))


def step_failure_messages(result) -> list[str]:
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None:
                messages.append(error.message)
                error = error.cause
            messages.append(error.message)
    return messages


def tamper_clip(store, job_id: str) -> str:
    """Replace the first shot's stored clip with another real clip, at 25 fps where the profile asks for 30: its
    sha256 no longer matches its record, and it fails technical QA."""
    from tests.support.media_fixtures import make_clip

    first = read_artefact(store, "rendered_clips", job_id).clips[0]
    path = Path(store.root) / clip_key(job_id, first.shot_id, first.spec_hash)
    make_clip(path, fps=25, seconds=first.duration_sec)
    return first.shot_id


def write_pricing_far_above(folder: Path) -> str:
    from aiprod_assets.costing.pricing import load_pricing

    table = load_pricing()
    for rate in table.gpus.values():
        rate.usd_per_hour *= 1e6
    for price in table.backends.values():
        price.usd_per_second = {k: v * 1e6 for k, v in price.usd_per_second.items()}
    path = folder / "pricing-far-above.json"
    path.write_text(json.dumps(table.model_dump(mode="json")))
    return str(path)


def policy(**changes) -> ProductionPolicy:
    return ProductionPolicy(**changes)
