"""Shots and plans for the tests: one previz shot, and the local planner's manifest and shot list for a brief."""

from aiprod_assets.contracts import Shot, ShotSpec
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record, job_id_for
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list


def make_shot(frames=30, move="pan", seed=11, lighting="natural", mood="serene", prompt="A calm lake at dawn."):
    spec = ShotSpec(prompt=prompt, duration_sec=frames / 30, frames=frames, camera_move=move, lighting=lighting,
                    palette=["#2A9D8F", "#E9C46A", "#F4F1DE"], mood=mood, caption="01 s01-01 A calm lake")
    return Shot(shot_id="s01-01", scene_id="s01", index=0, spec=spec, seed=seed, backend="previz",
                backend_version="previz-1", spec_hash="0" * 64)


def plan(raw: bytes):
    job_id = job_id_for("test-brief.json", raw, budget_cap_usd=500)
    sanitized = sanitize(brief_record(job_id, "test", raw), budget_cap_usd=500)
    manifest = plan_production(sanitized)
    profile = render_profile(sanitized.brief.resolution, sanitized.brief.aspect_ratio, sanitized.brief.fps)
    return sanitized, manifest, build_shot_list(manifest, profile, "previz", "previz-1")
