"""Consistency markers: the one look of the film, where each character appears, and the story's beats.

Both planners build them here from the scenes they planned, so a manifest reads the same
whoever planned it.
"""

from __future__ import annotations

from aiprod_assets.contracts import (
    BriefSpec,
    CharacterContinuity,
    ConsistencyMarkers,
    NarrativeElement,
    Scene,
    VisualStyle,
)


def consistency_markers(brief: BriefSpec, scenes: list[Scene], look: str, palette: list[str],
                        grain: float) -> ConsistencyMarkers:
    return ConsistencyMarkers(
        visual_style=VisualStyle(look=look, lighting=brief.style.lighting, palette=palette, grain=grain),
        character_continuity=[
            CharacterContinuity(name=c.name, appearance=c.appearance,
                                scene_ids=[s.scene_id for s in scenes if c.name in s.characters])
            for c in brief.characters
        ],
        narrative_elements=[NarrativeElement(scene_id=s.scene_id, role=s.narrative_role, beat=s.description)
                            for s in scenes],
    )
