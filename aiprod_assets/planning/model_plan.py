"""A production manifest from a language model's plan: the schema it must answer in, repair, assembly.

The model writes the creative part (scenes, moods, transitions, look); frame counts,
character continuity and the narrative index are computed here, so the manifest's
durations always add up to the brief's exactly, whatever the model's arithmetic.
"""

from __future__ import annotations

import json
import re

from pydantic import Field, ValidationError

from aiprod_assets.contracts import (
    Lighting,
    Model,
    PlannerUsage,
    ProductionManifest,
    SanitizedInput,
    Scene,
    Transition,
)
from aiprod_assets.planning.consistency import consistency_markers
from aiprod_assets.planning.frames import split_frames
from aiprod_assets.planning.local_planner import MAX_SCENES, MIN_SCENE_SEC

_HEX = r"^#[0-9A-Fa-f]{6}$"


class PlannedScene(Model):
    description: str = Field(min_length=3, max_length=600)
    duration_sec: float = Field(gt=0)
    mood: str = Field(min_length=1, max_length=40)
    characters: list[str] = Field(default_factory=list)
    transition_in: Transition = "cut"
    narrative_role: str = Field(min_length=1, max_length=40)


class PlannedLook(Model):
    look: str = Field(min_length=1, max_length=60)
    lighting: Lighting
    palette: list[str] = Field(min_length=2, max_length=6)
    grain: float = Field(ge=0, le=0.2)


class ModelPlan(Model):
    """What the model must answer: structured output is requested against this schema."""

    title: str = Field(min_length=1, max_length=120)
    scenes: list[PlannedScene] = Field(min_length=1, max_length=MAX_SCENES)
    visual_style: PlannedLook


class PlanInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def planning_prompt(sanitized: SanitizedInput) -> str:
    brief = sanitized.brief
    most = max(1, min(MAX_SCENES, int(brief.duration_sec // MIN_SCENE_SEC)))
    return (
        "You are the creative director of a video production. Plan the film below as JSON matching the "
        "response schema: a title, 1 to {most} scenes in story order (each with a visual description a "
        "text-to-video model can draw, a duration in seconds, a mood, the characters present, the transition "
        "into it: cut or crossfade, and its narrative role: setup, development, climax or resolution), and the "
        "visual style (look, lighting, 2-6 hex colours, film grain 0-0.2).\n"
        f"Brief: {brief.prompt}\nTotal duration: {brief.duration_sec:g} s\nStyle: {brief.style.model_dump_json()}\n"
        f"Characters: {json.dumps([c.model_dump() for c in brief.characters])}\n"
        f"Route: {sanitized.route} (fast_track means one scene)."
    ).replace("{most}", str(1 if sanitized.route == "fast_track" else most))


def repair_prompt(problems: list[str]) -> str:
    return ("Your previous answer could not be used: " + "; ".join(problems[:8]) +
            ". Answer again with only the JSON object that matches the schema.")


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _json_candidates(text: str) -> list[str]:
    """The answer as given, then the mechanical repairs: fences removed, the outer object, trailing commas."""
    stripped = _FENCE.sub("", text.strip())
    start, end = stripped.find("{"), stripped.rfind("}")
    outer = stripped[start:end + 1] if 0 <= start < end else stripped
    return list(dict.fromkeys([text, stripped, outer, _TRAILING_COMMA.sub(r"\1", outer)]))


def parse_plan(text: str | None) -> ModelPlan:
    """The model's answer as a plan, repairing what can be repaired mechanically; PlanInvalid otherwise."""
    if not text or not text.strip():
        raise PlanInvalid(["the answer was empty"])
    problems: list[str] = []
    for candidate in _json_candidates(text):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError as err:
            problems = [f"not JSON: {err.msg} at line {err.lineno} column {err.colno}"]
            continue
        try:
            return ModelPlan.model_validate(data)
        except ValidationError as err:
            raise PlanInvalid([f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}"
                               for e in err.errors()]) from err
    raise PlanInvalid(problems)


def manifest_from_plan(plan: ModelPlan, sanitized: SanitizedInput, planner: str, planner_version: str,
                       usage: PlannerUsage | None, cache_hit: bool) -> ProductionManifest:
    brief = sanitized.brief
    total_frames = max(1, round(brief.duration_sec * brief.fps))
    planned = plan.scenes[:max(1, total_frames // brief.fps)]
    frames = split_frames(total_frames, [s.duration_sec for s in planned],
                          minimum=min(brief.fps, total_frames // len(planned)))
    known = {c.name for c in brief.characters}
    scenes = [Scene(scene_id=f"s{i + 1:02d}", description=s.description, duration_sec=round(f / brief.fps, 6),
                    frames=f, mood=s.mood, characters=[c for c in s.characters if c in known],
                    transition_in="cut" if i == 0 else s.transition_in, narrative_role=s.narrative_role)
              for i, (s, f) in enumerate(zip(planned, frames))]
    look = plan.visual_style
    palette = brief.style.palette or [c for c in look.palette if re.match(_HEX, c)] or ["#264653", "#F4F4F4"]
    consistency = consistency_markers(brief, scenes, look.look, palette, look.grain)
    return ProductionManifest(
        job_id=sanitized.job_id, title=brief.title or plan.title, planner=planner, planner_version=planner_version,
        cache_hit=cache_hit, usage=usage, route=sanitized.route, duration_sec=round(sum(frames) / brief.fps, 6),
        fps=brief.fps, scenes=scenes, consistency=consistency)
