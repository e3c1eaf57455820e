"""The deterministic local planner: a production manifest from the sanitized brief alone.

Same input, same bytes out, in any process: no clock, no randomness, no hash().
"""

from __future__ import annotations

from aiprod_assets.contracts import ProductionManifest, SanitizedInput, Scene
from aiprod_assets.planning.beats import marks_time_passing, story_beats
from aiprod_assets.planning.consistency import consistency_markers
from aiprod_assets.planning.frames import split_frames

PLANNER_NAME = "local"
PLANNER_VERSION = "local-2"
MIN_SCENE_SEC = 2
MAX_SCENES = 8

_MOOD_CUES = (
    ("tense", ("storm", "chase", "danger", "fear", "dark")),
    ("melancholic", ("dusk", "alone", "old", "rain", "memory")),
    ("joyful", ("laugh", "celebrat", "sunny", "play", "dance")),
    ("serene", ("calm", "quiet", "meadow", "lake", "dawn")),
)
MOOD_PALETTES: dict[str, list[str]] = {
    "tense": ["#14213D", "#8D0801", "#E5E5E5"],
    "melancholic": ["#1B2A41", "#6C7A89", "#E8E1D9"],
    "joyful": ["#FFB703", "#FB8500", "#8ECAE6"],
    "serene": ["#2A9D8F", "#E9C46A", "#F4F1DE"],
    "neutral": ["#264653", "#E76F51", "#F4F4F4"],
}
_GRAIN = {"cinematic": 0.04, "documentary": 0.03, "animation": 0.0}


def _group(beats: list[str], groups: int) -> list[str]:
    """Merge neighbouring beats into ``groups`` scenes, keeping their order."""
    if len(beats) <= groups:
        return beats
    bounds = [round(i * len(beats) / groups) for i in range(groups + 1)]
    return [" ".join(beats[bounds[i]:bounds[i + 1]]) for i in range(groups)]


def infer_mood(style_mood: str, prompt: str) -> str:
    if style_mood and style_mood != "neutral":
        return style_mood
    lowered = prompt.lower()
    for mood, cues in _MOOD_CUES:
        if any(cue in lowered for cue in cues):
            return mood
    return "neutral"


def _narrative_role(index: int, count: int) -> str:
    if count == 1:
        return "complete"
    if index == 0:
        return "setup"
    if index == count - 1:
        return "resolution"
    return "climax" if index == count - 2 and count >= 3 else "development"


def plan_production(sanitized: SanitizedInput) -> ProductionManifest:
    brief = sanitized.brief
    total_frames = max(1, round(brief.duration_sec * brief.fps))
    max_scenes = max(1, min(MAX_SCENES, total_frames // (MIN_SCENE_SEC * brief.fps)))
    if sanitized.route == "fast_track":
        beats = [brief.prompt]
    else:
        beats = _group(story_beats(brief.prompt), max_scenes)
    weights = [max(3, len(beat.split())) for beat in beats]
    frames = split_frames(total_frames, weights, minimum=min(brief.fps, total_frames // len(beats)))
    mood = infer_mood(brief.style.mood, brief.prompt)
    names = [c.name for c in brief.characters]

    scenes = []
    for i, (beat, scene_frames) in enumerate(zip(beats, frames)):
        present = [n for n in names if n.lower() in beat.lower()]
        scenes.append(Scene(
            scene_id=f"s{i + 1:02d}",
            description=beat,
            duration_sec=round(scene_frames / brief.fps, 6),
            frames=scene_frames,
            mood=mood,
            characters=present or names,
            transition_in="crossfade" if i > 0 and marks_time_passing(beat) else "cut",
            narrative_role=_narrative_role(i, len(beats)),
        ))

    palette = brief.style.palette or MOOD_PALETTES.get(mood, MOOD_PALETTES["neutral"])
    consistency = consistency_markers(brief, scenes, brief.style.look, palette, _GRAIN.get(brief.style.look, 0.02))
    return ProductionManifest(
        job_id=sanitized.job_id,
        title=brief.title or " ".join(brief.prompt.split()[:6]).rstrip(".,;"),
        planner=PLANNER_NAME,
        planner_version=PLANNER_VERSION,
        route=sanitized.route,
        duration_sec=round(sum(frames) / brief.fps, 6),
        fps=brief.fps,
        scenes=scenes,
        consistency=consistency,
    )
