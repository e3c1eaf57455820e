"""A 12-second 1080p30 brief rendered end to end on the CPU; every file probes as the profile says."""


import dagster as dg
import pytest

from aiprod_assets.contracts import FinalCut, RenderedClips, ShotList
from aiprod_assets.intake.submission import accept
from aiprod_assets.media.decode import audio_samples
from aiprod_assets.media.loudness import integrated_loudness, true_peak_dbtp
from aiprod_assets.media.probe import moov_before_mdat, probe
from aiprod_assets.qa.technical import Expectations, check_file
from resources.gpu import TorchDevice
from tests.support.jobs import run_production


@pytest.fixture(scope="module")
def lighthouse_job(tmp_path_factory):
    from resources.artifact_store import LocalArtifactStore
    from tests.support.jobs import EXAMPLES

    store = LocalArtifactStore(root=str(tmp_path_factory.mktemp("e2e") / "store"))
    job_id = accept(store, "lighthouse-keeper.json", (EXAMPLES / "lighthouse-keeper.json").read_bytes(), 500)
    with dg.instance_for_test() as instance:
        result = run_production(store, instance, job_id, gpu=TorchDevice(device="auto"))
        materialized = {e.asset_key.path[-1] for e in result.all_events if e.is_step_materialization}
        rendered_meta = instance.get_latest_materialization_event(dg.AssetKey("rendered_clips")).asset_materialization
        cut_meta = instance.get_latest_materialization_event(dg.AssetKey("final_cut")).asset_materialization
    assert result.success
    return store, job_id, materialized, {**rendered_meta.metadata, **{f"cut_{k}": v for k, v in cut_meta.metadata.items()}}


def _check_profile(info, profile, frames):
    assert (info.video_codec, info.h264_profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert (info.width, info.height, info.average_fps) == (profile.width, profile.height, profile.fps)
    assert abs(info.frame_count - frames) <= 1 and info.constant_frame_rate
    assert set(info.keyframe_interval_frames) <= {profile.gop_frames}
    assert profile.video_bitrate_min_bps <= info.video_bitrate_bps <= profile.video_bitrate_max_bps
    assert (info.color_primaries, info.colorspace, info.color_range) == ("bt709", "bt709", "tv")
    assert (info.audio_codec, info.audio_profile, info.audio_sample_rate, info.audio_layout) == ("aac", "LC", 48000, "stereo")
    assert abs(info.duration_sec - frames / profile.fps) <= 1 / profile.fps
    assert abs(info.audio_duration_sec - info.duration_sec) <= 2 / profile.fps
    assert moov_before_mdat(info.top_level_atoms) and info.metadata.get("title") and info.metadata.get("comment")


def test_every_clip_and_the_final_cut_meet_the_profile(lighthouse_job, tmp_path):
    store, job_id, materialized, _ = lighthouse_job
    assert materialized >= {"rendered_clips", "technical_qa_report", "semantic_qa_report", "final_cut",
                            "delivery_manifest"}
    shot_list = ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json"))
    profile = shot_list.profile
    assert (profile.width, profile.height, profile.fps) == (1920, 1080, 30)
    clips = RenderedClips.model_validate_json(store.get_bytes(f"jobs/{job_id}/rendered_clips.json"))
    assert [c.shot_id for c in clips.clips] == [s.shot_id for s in shot_list.shots]
    for shot, clip in zip(shot_list.shots, clips.clips):
        path = store.local_copy(clip.uri.split("/store/", 1)[1], tmp_path)
        _check_profile(probe(path), profile, shot.spec.frames)
        assert clip.backend == "previz" and clip.actual_cost_usd > 0 and clip.render_seconds > 0
    cut = FinalCut.model_validate_json(store.get_bytes(f"jobs/{job_id}/final_cut.json"))
    cut_path = store.local_copy(f"jobs/{job_id}/final_cut.mp4", tmp_path)
    _check_profile(probe(cut_path), profile, shot_list.total_frames)
    assert cut.duration_sec == pytest.approx(12.0, abs=1 / 30)
    samples = audio_samples(cut_path)
    assert abs(integrated_loudness(samples) + 23) <= 1 and true_peak_dbtp(samples) <= -1


def test_the_cut_is_copied_and_judged_from_its_clips_measurements(lighthouse_job, tmp_path):
    """The graph's cut: copied, its QA composed from what rendering kept, and equal to a decode of the cut."""
    store, job_id, _, metadata = lighthouse_job
    assert metadata["cut_stream_copied"].value is True and metadata["cut_qa_composed"].value is True
    cut = FinalCut.model_validate_json(store.get_bytes(f"jobs/{job_id}/final_cut.json"))
    shot_list = ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json"))
    cut_path = store.local_copy(f"jobs/{job_id}/final_cut.mp4", tmp_path)
    decoded = check_file(cut_path, Expectations(shot_list.profile, target_duration_sec=shot_list.total_frames / 30))
    assert cut.qa == decoded and all(c.passed for c in decoded)


def test_render_metadata_and_contact_sheet(lighthouse_job, tmp_path):
    store, job_id, _, metadata = lighthouse_job
    assert isinstance(metadata["actual_cost_usd"].value, float) and metadata["actual_cost_usd"].value > 0
    shots = len(ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json")).shots)
    assert metadata["clips_rendered"].value == shots and metadata["clips_reused"].value == 0
    assert "data:image/png;base64," in metadata["contact_sheet"].value
    assert metadata["contact_sheet_uri"].value.endswith(f"jobs/{job_id}/contact_sheet.png")
    # Floats carry the digits that mean something, not binary noise (23.746199999999998).
    render_seconds = metadata["render_seconds"].value
    assert render_seconds == float(f"{render_seconds:.6g}")
    # The final cut's uri is the MP4 itself, a path the UI shows; its JSON record is listed apart.
    assert metadata["cut_uri"].value.endswith(f"jobs/{job_id}/final_cut.mp4")
    assert metadata["cut_record"].value.endswith(f"jobs/{job_id}/final_cut.json")
    sheet = store.get_bytes(f"jobs/{job_id}/contact_sheet.png")
    assert sheet[:8] == b"\x89PNG\r\n\x1a\n"
    import av

    with av.open(str(store.local_copy(f"jobs/{job_id}/contact_sheet.png", tmp_path))) as container:
        frame = next(container.decode(video=0))
        assert frame.width == shots * 328 + 8  # a thumbnail of 320 per shot with 8 px gaps


def test_delivery_manifest_checksums_match_the_files(lighthouse_job):
    import hashlib

    from aiprod_assets.contracts import DeliveryManifest

    store, job_id, _, _ = lighthouse_job
    manifest = DeliveryManifest.model_validate_json(store.get_bytes(f"jobs/{job_id}/delivery_manifest.json"))
    kinds = [d.kind for d in manifest.deliverables]
    shots = len(ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json")).shots)
    assert kinds.count("clip") == shots and {"final_cut", "contact_sheet", "qa_report"} <= set(kinds)
    for deliverable in manifest.deliverables:
        key = deliverable.uri.split("/store/", 1)[1]
        data = store.get_bytes(key)
        assert hashlib.sha256(data).hexdigest() == deliverable.sha256 and len(data) == deliverable.size_bytes
    assert manifest.cost.within_budget and manifest.cost.actual_usd > 0
    decisions = manifest.cost.decisions
    # With estimates close to the truth, a shot may cost a little more than its line item: an overrun.
    assert decisions["estimate"] == decisions["chain"] == 1 and decisions["reservation"] == shots
    assert decisions.get("reconciliation", 0) + decisions.get("overrun", 0) == shots
    assert manifest.cost.audit_uri.endswith("cost/audit/lighthouse-keeper.jsonl") and manifest.delivered_at
    assert manifest.qa_summary["technical_passed"] is True and manifest.qa_summary["semantic_verdict"] == "pass"
    assert set(manifest.lineage) >= {"brief", "shot_list", "rendered_clips", "final_cut"}
    html = store.get_bytes(f"jobs/{job_id}/qa_report.html").decode()
    assert "QA report: lighthouse-keeper" in html and html.count("<h2>Shot") == shots
    assert "prompt adherence: not judged (no vision judge configured)" in html
    # Each clip was judged once, while it rendered; the QA asset read the kept result of the same bytes.
    kept = [k for k in store.list_keys("cache/qa") if k.endswith(".json")]
    sounds = [k for k in kept if k.startswith("cache/qa/sound-")]
    assert len(kept) - len(sounds) == shots
    # Each sound was measured once: every clip's, and the cut's.
    assert len(sounds) == shots + 1
