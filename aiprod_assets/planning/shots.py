"""From scenes to shots: camera moves, lighting, palette, seeds and spec hashes."""

from __future__ import annotations

import math
import re
import textwrap

from aiprod_assets.canonical import compute_spec_hash, seed_of
from aiprod_assets.contracts import (
    CameraMove,
    Lighting,
    ProductionManifest,
    RenderProfile,
    Scene,
    Shot,
    ShotList,
    ShotSpec,
)
from aiprod_assets.planning.frames import split_frames

MAX_SHOTS_PER_SCENE = 3
SECONDS_PER_SHOT = 4
CAPTION_CHARS = 150

_MOVE_CUES: tuple[tuple[CameraMove, str], ...] = (
    ("orbit", r"\b(around|circl\w*|orbit\w*)\b"),
    ("tilt", r"\b(climb\w*|ris\w+|ascend\w*|tower\w*|stairs|looks up)\b"),
    ("dolly", r"\b(approach\w*|enter\w*|toward\w*|walks? in|through)\b"),
    ("zoom_in", r"\b(close|detail|face|eyes|lights?|lamp|hands?)\b"),
    ("zoom_out", r"\b(reveal\w*|wide|landscape|horizon|skyline|rolls? in)\b"),
    ("pan", r"\b(walk\w*|run\w*|driv\w*|across|along|sweep\w*)\b"),
)
_ALL_MOVES: tuple[CameraMove, ...] = ("static", "pan", "tilt", "zoom_in", "zoom_out", "dolly", "orbit")
_LIGHT_CUES: tuple[tuple[Lighting, str], ...] = (
    ("night", r"\b(night|midnight|moon\w*)\b"),
    ("golden-hour", r"\b(dusk|sunset|sunrise|dawn|golden)\b"),
    ("low-key", r"\b(storm\w*|shadow\w*|candle\w*|dark\w*)\b"),
    ("neon", r"\bneon\b"),
)


def camera_move_for(text: str, seed: int, shot_index_in_scene: int) -> CameraMove:
    """The move the words ask for; later shots of a scene vary it so the cut reads."""
    if shot_index_in_scene == 0:
        for move, pattern in _MOVE_CUES:
            if re.search(pattern, text, re.IGNORECASE):
                return move
    return _ALL_MOVES[seed % len(_ALL_MOVES)]


def lighting_for(text: str, style_lighting: Lighting) -> Lighting:
    if style_lighting != "natural":
        return style_lighting
    for lighting, pattern in _LIGHT_CUES:
        if re.search(pattern, text, re.IGNORECASE):
            return lighting
    return style_lighting


def _shots_in(scene: Scene) -> int:
    return max(1, min(MAX_SHOTS_PER_SCENE, math.ceil(scene.duration_sec / SECONDS_PER_SHOT)))


def build_shot_list(manifest: ProductionManifest, profile: RenderProfile, backend: str,
                    backend_version: str) -> ShotList:
    style = manifest.consistency.visual_style
    appearances = {c.name: c.appearance for c in manifest.consistency.character_continuity}
    shots: list[Shot] = []
    for scene in manifest.scenes:
        parts = split_frames(scene.frames, [1.0] * _shots_in(scene), minimum=1)
        for k, frames in enumerate(parts):
            index = len(shots)
            shot_id = f"{scene.scene_id}-{k + 1:02d}"
            move_seed = seed_of({"job_id": manifest.job_id, "shot_id": shot_id, "text": scene.description})
            cast = "; ".join(f"{n}: {appearances[n]}" if appearances.get(n) else n for n in scene.characters)
            lighting = lighting_for(scene.description, style.lighting)
            spec = ShotSpec(
                prompt=f"{scene.description} Style: {style.look}, {lighting} lighting, {scene.mood} mood."
                       + (f" Characters: {cast}." if cast else ""),
                duration_sec=round(frames / manifest.fps, 6),
                frames=frames,
                camera_move=camera_move_for(scene.description, move_seed, k),
                lighting=lighting,
                palette=list(style.palette),
                mood=scene.mood,
                # Whole words only: the renderer wraps it into two lines and ends a longer one with "...".
                caption=textwrap.shorten(f"{index + 1:02d} {shot_id} {scene.description}", CAPTION_CHARS,
                                         placeholder=" ..."),
                characters=list(scene.characters),
            )
            seed = seed_of({"job_id": manifest.job_id, "shot_id": shot_id, "spec": spec.model_dump(mode="json")})
            shots.append(Shot(
                shot_id=shot_id,
                scene_id=scene.scene_id,
                index=index,
                spec=spec,
                seed=seed,
                backend=backend,
                backend_version=backend_version,
                spec_hash=compute_spec_hash(spec, seed, backend, backend_version, profile),
                transition_in=scene.transition_in if k == 0 else "cut",
            ))
    return ShotList(job_id=manifest.job_id, profile=profile, shots=shots,
                    total_frames=sum(s.spec.frames for s in shots))
