"""Complexity 0-1 of a brief, from named factors, each with its evidence.

The score routes a job: below FAST_TRACK_BELOW it gets a one-scene template.
"""

from __future__ import annotations

import re

from aiprod_assets.contracts import BriefSpec, Complexity, ComplexityFactor, Route

FAST_TRACK_BELOW = 0.3
WEIGHTS = {"scenes": 0.30, "characters": 0.20, "camera": 0.15, "lighting": 0.15, "duration": 0.20}

# Words that mark a change of time, place or action: each implies another scene.
_SCENE_MARKERS = r"\b(then|later|meanwhile|suddenly|afterwards|finally|cut to|as|while|before|after|until)\b"
_CAMERA_WORDS = (
    "aerial", "orbit", "circles", "tracking", "follows", "chase", "crane", "dolly", "pan", "tilt",
    "zoom", "spiral", "climbs", "descends", "flies", "handheld", "rushes", "runs",
)
_LIGHTING_WORDS = (
    "dusk", "dawn", "night", "storm", "lightning", "fire", "candle", "lamp", "neon", "fog", "mist",
    "rain", "reflection", "silhouette", "shadow", "sunset", "sunrise", "underwater", "smoke",
)
_HARD_LIGHTING = {"low-key": 0.5, "night": 0.6, "neon": 0.6, "golden-hour": 0.3, "overcast": 0.2}
_PERSON_WORDS = r"\b(man|woman|child|girl|boy|keeper|soldier|dancer|crowd|people|family|couple|friends)\b"


def sentences(prompt: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", prompt) if s.strip()]


def implied_scene_count(prompt: str) -> int:
    markers = len(re.findall(_SCENE_MARKERS, prompt, re.IGNORECASE))
    return max(1, min(12, len(sentences(prompt)) + markers))


def _words_found(prompt: str, vocabulary: tuple[str, ...]) -> list[str]:
    lowered = prompt.lower()
    return [w for w in vocabulary if re.search(rf"\b{w}", lowered)]


def score_complexity(brief: BriefSpec) -> Complexity:
    prompt = brief.prompt
    scenes = implied_scene_count(prompt)
    people = len(brief.characters) or min(2, len(re.findall(_PERSON_WORDS, prompt, re.IGNORECASE)))
    camera = _words_found(prompt, _CAMERA_WORDS)
    lighting = _words_found(prompt, _LIGHTING_WORDS)
    hard_light = _HARD_LIGHTING.get(brief.style.lighting, 0.0)
    raw = {
        "scenes": ((scenes - 1) / 5, f"{scenes} scene(s) implied by sentences and time/action markers"),
        "characters": (people / 4, f"{people} character(s)"),
        "camera": (len(camera) / 3, "camera demands: " + (", ".join(camera) or "none")),
        "lighting": (hard_light + len(lighting) / 4,
                     f"lighting {brief.style.lighting}; cues: " + (", ".join(lighting) or "none")),
        "duration": (brief.duration_sec / 120, f"{brief.duration_sec:g} s of output"),
    }
    factors = []
    for name, (value, evidence) in raw.items():
        value = round(min(1.0, max(0.0, value)), 4)
        factors.append(ComplexityFactor(name=name, value=value, weight=WEIGHTS[name],
                                        contribution=round(value * WEIGHTS[name], 4), evidence=evidence))
    score = round(min(1.0, sum(f.contribution for f in factors)), 4)
    return Complexity(score=score, factors=factors, implied_scenes=scenes)


def route_for(complexity: Complexity) -> Route:
    return "fast_track" if complexity.score < FAST_TRACK_BELOW else "full"
