"""What each provider accepts for a shot's frame shape and prompt."""

from __future__ import annotations

from aiprod_assets.contracts import RenderProfile, Shot


def is_portrait(profile: RenderProfile) -> bool:
    return profile.height > profile.width


def shot_prompt(shot: Shot, limit: int = 1000) -> str:
    """The shot's prompt with its camera, light and palette, which text-to-video models follow."""
    spec = shot.spec
    text = (f"{spec.prompt} Camera: {spec.camera_move.replace('_', ' ')}. Lighting: {spec.lighting}. "
            f"Mood: {spec.mood}. Colour palette: {', '.join(spec.palette)}.")
    return text[:limit]
