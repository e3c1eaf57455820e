"""Which render backend a shot is planned for, that backend's version, and the seconds it bills.

The version is part of every shot's spec_hash, so a renderer upgrade re-renders.
"""

from __future__ import annotations

BACKEND_VERSIONS: dict[str, str] = {
    "previz": "previz-1",
    "veo": "veo-3.0-generate-001",
    "runway": "gen4.5",
    "replicate": "minimax/video-01",
}

# Clip lengths each provider's API accepts: a shot is requested at the shortest one that covers it
# and billed for all of it, so the estimate prices the same seconds the provider will charge.
REQUEST_DURATIONS_SEC: dict[str, tuple[int, ...]] = {
    "veo": (4, 6, 8),
    "runway": tuple(range(2, 11)),
    "replicate": (6,),
}


def planned_backend(preferred: list[str], enabled: list[str]) -> str:
    """The first backend the brief prefers that this deployment has switched on."""
    for name in preferred:
        if name in enabled:
            return name
    return enabled[0]


def requested_seconds(backend: str, shot_seconds: float) -> float:
    """The clip length asked of ``backend`` for a shot: the shot itself for a local renderer."""
    durations = REQUEST_DURATIONS_SEC.get(backend)
    if not durations:
        return shot_seconds
    return next((d for d in durations if d >= shot_seconds - 1e-6), durations[-1])
