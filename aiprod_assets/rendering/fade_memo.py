"""Crossfades this process has encoded, kept by what they were made of.

A dissolve is encoded from the last picture of one clip and the first pictures of the next, with the clips'
settings, into the same bytes every time (smart_cut.py). Editing a shot changes the dissolves either side of
it and no other, and the device worker that makes a job's cuts lingers from one command to the next: a
dissolve between two unchanged clips is written from here instead of decoded and encoded again (about a
quarter of a second of CPU at 1080p, beside the run's last steps).
"""

from __future__ import annotations

from collections import OrderedDict

from aiprod_assets.canonical import digest_of

# Encoded dissolves are small (15 frames, most of them P-frames): a few hundred kilobytes at 1080p.
KEPT_BYTES = 32 * 2**20

_kept: OrderedDict[str, bytes] = OrderedDict()


def fade_key(previous_sha256: str, sha256: str, frames: int, fade: int, settings: dict) -> str:
    """What a dissolve is made of: the two clips' bytes (their sha256), how many frames dissolve and are
    encoded, and the encoder's settings."""
    return digest_of({"from": previous_sha256, "into": sha256, "frames": frames, "fade": fade, **settings})


def kept_fade(key: str) -> bytes | None:
    data = _kept.get(key)
    if data is not None:
        _kept.move_to_end(key)
    return data


def keep_fade(key: str, data: bytes) -> None:
    _kept[key] = data
    _kept.move_to_end(key)
    while sum(len(kept) for kept in _kept.values()) > KEPT_BYTES and len(_kept) > 1:
        _kept.popitem(last=False)
