import os
import subprocess
import sys

import pytest

from aiprod_assets.canonical import pretty_json
from aiprod_assets.planning.frames import split_frames
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from tests.support.jobs import REPO, brief_bytes
from tests.support.shots import plan


@pytest.mark.parametrize("weights,total,minimum", [([1, 1, 1], 10, 1), ([5, 1, 1, 9], 301, 24), ([3], 7, 1),
                                                   ([1] * 8, 5, 1), ([2, 7, 1], 0, 1)])
def test_split_frames_sums_exactly(weights, total, minimum):
    parts = split_frames(total, weights, minimum)
    assert sum(parts) == total and len(parts) == len(weights)
    assert min(parts) >= min(minimum, total // len(weights))


@pytest.mark.parametrize("duration,fps", [(12, 30), (7.3, 24), (1, 25), (599.99, 30), (33.333, 24)])
def test_scene_and_shot_durations_sum_to_target_within_one_frame(duration, fps):
    raw = brief_bytes(duration_sec=duration, fps=fps,
                      prompt="A keeper climbs the stairs. Then he lights the lamp. Later the storm passes.")
    sanitized, manifest, shot_list = plan(raw)
    assert abs(sum(s.duration_sec for s in manifest.scenes) - duration) <= 1 / fps
    assert abs(sum(s.spec.duration_sec for s in shot_list.shots) - duration) <= 1 / fps
    assert sum(s.frames for s in manifest.scenes) == shot_list.total_frames == round(duration * fps)


def test_full_route_gets_scenes_with_consistency_markers():
    sanitized, manifest, shot_list = plan(brief_bytes(
        prompt="An old lighthouse keeper climbs the spiral stairs at dusk. Then he lights the lamp as a storm rolls in."))
    assert sanitized.route == "full" and len(manifest.scenes) >= 2
    markers = manifest.consistency
    assert markers.visual_style.palette == ["#1B2A41", "#F2A65A", "#E8E1D9"]
    assert markers.character_continuity[0].name == "Keeper"
    assert markers.character_continuity[0].scene_ids
    assert [e.scene_id for e in markers.narrative_elements] == [s.scene_id for s in manifest.scenes]
    assert manifest.scenes[0].narrative_role == "setup" and manifest.scenes[-1].narrative_role == "resolution"
    assert shot_list.shots[0].spec.camera_move == "tilt"  # "climbs the spiral stairs"
    assert all("Keeper: grey beard" in s.spec.prompt for s in shot_list.shots if "Keeper" in s.spec.characters)


def test_fast_track_gets_a_one_scene_template():
    sanitized, manifest, shot_list = plan(brief_bytes(prompt="A red apple on a white plate.", duration_sec=4,
                                                      characters=[], style={"lighting": "natural"}))
    assert sanitized.route == "fast_track"
    assert len(manifest.scenes) == 1 and manifest.scenes[0].narrative_role == "complete"
    assert len(shot_list.shots) == 1


def test_seeds_and_spec_hashes_are_unique_and_editing_one_shot_changes_only_its_hash():
    _, manifest, shot_list = plan(brief_bytes())
    assert len({s.seed for s in shot_list.shots}) == len(shot_list.shots)
    assert len({s.spec_hash for s in shot_list.shots}) == len(shot_list.shots)
    edited = manifest.model_copy(deep=True)
    edited.scenes[-1].description += " Lightning strikes."
    again = build_shot_list(edited, shot_list.profile, "previz", "previz-1")
    changed = [a.shot_id for a, b in zip(shot_list.shots, again.shots) if a.spec_hash != b.spec_hash]
    assert changed == [s.shot_id for s in again.shots if s.scene_id == edited.scenes[-1].scene_id]


def test_spec_hash_covers_backend_version_and_profile():
    _, manifest, shot_list = plan(brief_bytes())
    other_version = build_shot_list(manifest, shot_list.profile, "previz", "previz-2")
    other_profile = build_shot_list(manifest, render_profile("720p"), "previz", "previz-1")
    for variant in (other_version, other_profile):
        assert all(a.spec_hash != b.spec_hash for a, b in zip(shot_list.shots, variant.shots))


PLAN_SCRIPT = """
import sys
from tests.support.shots import plan
from aiprod_assets.canonical import pretty_json
_, manifest, shots = plan(open(sys.argv[1], "rb").read())
sys.stdout.write(pretty_json(manifest) + pretty_json(shots))
"""


def test_same_brief_plans_byte_identical_across_processes():
    brief = REPO / "examples" / "briefs" / "city-night-chase.json"
    outputs = []
    for hash_seed in ("1", "987654"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", PLAN_SCRIPT, str(brief)], cwd=REPO, env=env,
                              capture_output=True, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    _, manifest, shots = plan(brief.read_bytes())
    assert outputs[0].decode() == pretty_json(manifest) + pretty_json(shots)


@pytest.mark.parametrize("resolution,aspect,size", [("1080p", "16:9", (1920, 1080)), ("720p", "9:16", (720, 1280)),
                                                    ("360p", "1:1", (360, 360)), ("360p", "16:9", (640, 360))])
def test_render_profile_sizes_and_bitrate_window(resolution, aspect, size):
    profile = render_profile(resolution, aspect, 25)
    assert (profile.width, profile.height) == size
    assert profile.gop_frames == 25 and profile.closed_gop
    assert profile.video_bitrate_min_bps <= profile.video_bitrate_target_bps <= profile.video_bitrate_max_bps
