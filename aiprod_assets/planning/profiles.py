"""Render profiles (DESIGN.md §6): the delivery spec a job asks for, read later by QA."""

from __future__ import annotations

from aiprod_assets.contracts import RenderProfile

# Short edge in pixels; the long edge follows from the aspect ratio.
_SHORT_EDGE = {"360p": 360, "720p": 720, "1080p": 1080}
# Inside the 2-8 Mbps delivery window at every size.
_TARGET_BITRATE = {"360p": 2_500_000, "720p": 4_000_000, "1080p": 6_000_000}
GOP_SECONDS = 1


def _even(value: float) -> int:
    return int(round(value / 2) * 2)


def profile_from_name(name: str) -> RenderProfile | None:
    """The profile a name of ``render_profile``'s (``720p-16x9-30``) stands for; None for any other text."""
    parts = name.split("-")
    if len(parts) != 3 or parts[0] not in _SHORT_EDGE or not parts[2].isdigit():
        return None
    try:
        return render_profile(parts[0], parts[1].replace("x", ":"), int(parts[2]))
    except ValueError:  # an aspect ratio that is not two numbers
        return None


def render_profile(resolution: str = "1080p", aspect_ratio: str = "16:9", fps: int = 30) -> RenderProfile:
    short = _SHORT_EDGE[resolution]
    num, den = (int(x) for x in aspect_ratio.split(":"))
    if num >= den:
        width, height = _even(short * num / den), short
    else:
        width, height = short, _even(short * den / num)
    return RenderProfile(
        name=f"{resolution}-{aspect_ratio.replace(':', 'x')}-{fps}",
        width=width,
        height=height,
        fps=fps,
        gop_frames=fps * GOP_SECONDS,
        video_bitrate_target_bps=_TARGET_BITRATE[resolution],
    )
