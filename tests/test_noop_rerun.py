"""A re-run with nothing changed reuses the clips, their QA and the final cut; a changed input remakes the cut."""

import json

import dagster as dg

from aiprod_assets.contracts import FinalCut, RenderedClips, ShotList
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import final_cut_key
from aiprod_assets.rendering.final_cut import cut_inputs_digest, reusable_cut
from resources.gpu import TorchDevice
from tests.support.jobs import brief_bytes, run_production


def test_a_noop_rerun_reuses_the_cut_and_a_changed_clip_would_not(tmp_path, store, instance):
    job_id = "noop-job"
    accept(store, "noop-job.json", brief_bytes(job_id=job_id, resolution="360p", duration_sec=3, characters=[]), 500)
    gpu = TorchDevice(device="cpu")
    assert run_production(store, instance, job_id, gpu=gpu).success
    cut_path = tmp_path / "store" / final_cut_key(job_id)
    first_mtime = cut_path.stat().st_mtime_ns
    assert run_production(store, instance, job_id, gpu=gpu).success
    meta = instance.get_latest_materialization_event(dg.AssetKey("final_cut")).asset_materialization.metadata
    assert meta["reused"].value is True and cut_path.stat().st_mtime_ns == first_mtime

    cut = FinalCut.model_validate_json(store.get_bytes(f"jobs/{job_id}/final_cut.json"))
    shots = ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json"))
    clips = RenderedClips.model_validate_json(store.get_bytes(f"jobs/{job_id}/rendered_clips.json")).clips
    other = [clips[0].model_copy(update={"sha256": "f" * 64}), *clips[1:]]
    manifest_title = json.loads(store.get_bytes(f"jobs/{job_id}/production_manifest.json"))["title"]
    assert cut_inputs_digest(job_id, shots, clips, manifest_title, "libx264") == cut.inputs_digest
    assert cut_inputs_digest(job_id, shots, other, manifest_title, "libx264") != cut.inputs_digest
    assert reusable_cut(store, job_id, cut.inputs_digest) == cut
    cut_path.write_bytes(cut_path.read_bytes()[:-10])  # the stored file is no longer the one recorded
    assert reusable_cut(store, job_id, cut.inputs_digest) is None
