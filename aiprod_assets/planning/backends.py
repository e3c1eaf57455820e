"""Which render backend a shot is planned for, and that backend's version.

The version is part of every shot's spec_hash, so a renderer upgrade re-renders.
"""

from __future__ import annotations

BACKEND_VERSIONS: dict[str, str] = {
    "previz": "previz-1",
    "veo": "veo-3.0-generate-001",
    "runway": "gen4_turbo",
    "replicate": "minimax/video-01",
}


def planned_backend(preferred: list[str], enabled: list[str]) -> str:
    """The first backend the brief prefers that this deployment has switched on."""
    for name in preferred:
        if name in enabled:
            return name
    return enabled[0]
