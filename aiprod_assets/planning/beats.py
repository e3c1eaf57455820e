"""Story beats of a prompt: where the local planner may cut from one scene to the next.

A beat ends at a sentence boundary, or inside a sentence at a clear temporal marker that
opens a new clause ("…, then she runs", "…; later the square empties", "… and finally…").
Words that join simultaneous action ("as", "while", "when") never split: "lights the lamp
as a storm rolls in" is one shot of two things at once.
"""

from __future__ import annotations

import re

from aiprod_assets.intake.complexity import sentences

TEMPORAL_MARKERS = ("then", "later", "meanwhile", "afterwards", "afterward", "finally", "suddenly", "eventually",
                    "next", "soon after", "moments later", "after that", "the next morning", "the next day")

_MARKER = "|".join(sorted((re.escape(m).replace(r"\ ", r"\s+") for m in TEMPORAL_MARKERS), key=len, reverse=True))
# A marker splits only where a clause starts: after a comma, semicolon, colon or dash, or after "and".
_CLAUSE_SPLIT = re.compile(rf"(?:\s*[,;:]|\s+[-\u2013\u2014])\s*(?:and\s+)?(?=(?:{_MARKER})\b)"
                           rf"|\s+and\s+(?=(?:{_MARKER})\b)", re.IGNORECASE)
_OPENS_WITH_MARKER = re.compile(rf"^(?:and\s+)?(?:{_MARKER})\b", re.IGNORECASE)


def story_beats(prompt: str) -> list[str]:
    """The prompt's beats in order; the whole prompt when it has none."""
    beats: list[str] = []
    for sentence in sentences(prompt):
        beats.extend(part.strip(" ,;:") for part in _CLAUSE_SPLIT.split(sentence) if part.strip(" ,;:"))
    return beats or [prompt]


def marks_time_passing(beat: str) -> bool:
    """The beat opens with a temporal marker: the cut into it is a crossfade, not a hard cut."""
    return bool(_OPENS_WITH_MARKER.match(beat))
