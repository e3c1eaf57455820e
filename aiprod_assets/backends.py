"""The render backends AIPROD knows: their names, what kind of renderer each is, its version, and the
clip lengths it accepts. Every other module asks here instead of keeping a list of its own.

A backend's version is part of every shot's spec_hash, so a renderer upgrade re-renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

BackendName = Literal["previz", "wan", "veo", "runway", "replicate"]
KNOWN_BACKENDS: tuple[str, ...] = get_args(BackendName)


@dataclass(frozen=True)
class Backend:
    name: str
    kind: Literal["self_hosted", "api"]
    # The embedded renderer's version, or the provider model asked for when a deployment names none.
    version: str
    # Clip lengths the provider's API accepts: a shot is requested at the shortest one that covers it
    # and billed for all of it, so the estimate prices the same seconds the provider will charge.
    request_durations_sec: tuple[int, ...] = ()


CATALOGUE: dict[str, Backend] = {b.name: b for b in (
    Backend("previz", "self_hosted", "previz-1"),
    # An open text-to-video model on the deployment's own GPU, through diffusers (rendering/diffusion/).
    Backend("wan", "self_hosted", "wan2.1-t2v-1.3b"),
    Backend("veo", "api", "veo-3.0-generate-001", (4, 6, 8)),
    Backend("runway", "api", "gen4.5", tuple(range(2, 11))),
    Backend("replicate", "api", "minimax/video-01", (6,)),
)}
PREVIZ_VERSION = CATALOGUE["previz"].version


def backend_version(name: str) -> str:
    return CATALOGUE[name].version


def requested_chain(preferred: list[str], enabled: list[str]) -> list[str]:
    """The backends the brief prefers that this deployment has switched on, in the brief's order;
    the deployment's first backend when none of them is."""
    return [name for name in preferred if name in enabled] or [enabled[0]]


def requested_seconds(backend: str, shot_seconds: float) -> float:
    """The clip length asked of ``backend`` for a shot: the shot itself for a local renderer."""
    durations = CATALOGUE[backend].request_durations_sec if backend in CATALOGUE else ()
    if not durations:
        return shot_seconds
    return next((d for d in durations if d >= shot_seconds - 1e-6), durations[-1])
