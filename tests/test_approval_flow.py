"""With approval required: the run stops cleanly at the gate, an approval delivers within one sensor tick,
and a rejected shot, once edited, is the only one rendered again."""

from pathlib import Path

import dagster as dg

from aiprod_assets.contracts import (
    DeliveryManifest,
    FinalCut,
    RenderedClips,
    SupervisorApproval,
)
from aiprod_assets.layout import artefact_key
from resources.artifact_store import LocalArtifactStore
from sensors.approval_sensor import approval_sensor
from tests.support.cli import aiprod
from tests.support.review import write_brief

JOB = "approval-flow"
REQUIRED = {"AIPROD_APPROVAL": "required"}


def _store(home) -> LocalArtifactStore:
    return LocalArtifactStore(root=str(home / ".aiprod" / "store"))


def _command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass  # gone meanwhile
    return lines


def _read(store, name, model):
    raw = store.get_bytes(artefact_key(name, JOB)) if store.exists(artefact_key(name, JOB)) else None
    return model.model_validate_json(raw) if raw else None


def test_required_approval_stops_at_the_gate_then_delivers_and_an_edit_rerenders_one_shot(tmp_path):
    brief = write_brief(tmp_path, JOB)
    store = _store(tmp_path)
    first = aiprod(tmp_path, "run", brief, env_extra=REQUIRED, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "awaiting approval" in first.stdout and f"aiprod approve {JOB} --as NAME" in first.stdout
    assert not store.exists(artefact_key("delivery_manifest", JOB))
    assert not store.exists(artefact_key("supervisor_approval", JOB))
    cut = _read(store, "final_cut", FinalCut)

    status = aiprod(tmp_path, "status", JOB, env_extra=REQUIRED)
    assert "review: awaiting approval" in status.stdout and "who may approve: nobody yet" in status.stdout
    assert aiprod(tmp_path, "review", "add-user", "ann", "--role", "approver").returncode == 0
    assert "who may approve: ann" in aiprod(tmp_path, "status", JOB, env_extra=REQUIRED).stdout

    approved = aiprod(tmp_path, "approve", JOB, "--as", "ann", "--comment", "good", env_extra=REQUIRED, timeout=300)
    assert approved.returncode == 0, approved.stderr
    delivered = _read(store, "delivery_manifest", DeliveryManifest)
    granted = _read(store, "supervisor_approval", SupervisorApproval)
    assert delivered is not None and delivered.qa_summary["approved_by"] == "ann"
    assert (granted.cut_sha256, granted.granted_by, granted.approver) == (cut.sha256, "person", "ann")
    assert any(d.kind == "final_cut" and d.sha256 == cut.sha256 for d in delivered.deliverables)

    rejected = aiprod(tmp_path, "reject", JOB, "--as", "ann", "--reason", "the lamp is too dim", "--shot", "s02-01",
                      env_extra=REQUIRED)
    assert rejected.returncode == 0, rejected.stderr
    edited = aiprod(tmp_path, "edit-shot", JOB, "s02-01", "--as", "ann", "--lighting", "night",
                    "--prompt", "He lights the lamp; it blazes through the storm.", env_extra=REQUIRED, timeout=300)
    assert edited.returncode == 0, edited.stderr
    # The edited shot rendered in the device worker while the command loaded Dagster, and its run took it.
    assert "shot s02-01: rendered ahead" in edited.stderr
    # The CLI's runs capture no compute logs: no `tail -F` of this process's output can outlive it.
    assert not list((tmp_path / ".aiprod" / "dagster").glob("storage/*/compute_logs/*"))
    assert not [cmd for cmd in _command_lines() if str(tmp_path) in cmd]
    clips = _read(store, "rendered_clips", RenderedClips)
    assert {c.shot_id: c.reused for c in clips.clips} == {"s01-01": True, "s02-01": False}
    new_cut = _read(store, "final_cut", FinalCut)
    assert new_cut.sha256 != cut.sha256
    after = aiprod(tmp_path, "status", JOB, env_extra=REQUIRED).stdout
    assert f"review: awaiting approval (cut {new_cut.sha256[:12]})" in after
    history = aiprod(tmp_path, "history", JOB).stdout
    assert "approval" in history and "rejection" in history and "s02-01.lighting: 'low-key' -> 'night'" in history


def test_the_approval_sensor_requests_delivery_with_the_decision_as_run_key(tmp_path, instance):
    from aiprod_assets.review.events import write_event
    from aiprod_assets.review.records import ReviewEvent

    store = LocalArtifactStore(root=str(tmp_path / "store"))
    cut = FinalCut(job_id=JOB, uri="file:///c.mp4", sha256="ab" * 32, duration_sec=4, shot_ids=["s01-01"])
    store.put_bytes(artefact_key("final_cut", JOB), cut.model_dump_json().encode())
    instance.add_dynamic_partitions("jobs", [JOB])
    context = dg.build_sensor_context(instance=instance, resources={"store": store})
    assert isinstance(approval_sensor(context), dg.SkipReason)
    stale = ReviewEvent(event_id="20261201T000000000000Z-aaaa", job_id=JOB, kind="approval", author="ann",
                        role="approver", at="t", cut_sha256="ff" * 32)
    fresh = stale.model_copy(update={"event_id": "20261201T000001000000Z-bbbb", "cut_sha256": cut.sha256})
    write_event(store, stale)
    result = approval_sensor(dg.build_sensor_context(instance=instance, resources={"store": store}))
    assert result.run_requests == [], "an approval of a replaced cut starts nothing"
    write_event(store, fresh)
    result = approval_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor,
                                                     resources={"store": store}))
    [request] = result.run_requests
    assert request.run_key == f"{JOB}:{fresh.event_id}" and request.partition_key == JOB
    assert [k.path[-1] for k in request.asset_selection] == ["supervisor_approval", "delivery_manifest"]
    again = approval_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor,
                                                    resources={"store": store}))
    assert isinstance(again, dg.SkipReason), "the cursor moved past what was handled"
