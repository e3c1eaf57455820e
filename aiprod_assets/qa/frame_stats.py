"""Each frame's measurements of one file, kept under the file's sha256 (qa/cache.py).

A cut made at the bitstream level holds the clips' own packets, which decode to the clips' own pictures:
its technical checks and its shot count are composed from what was measured when each clip was judged
(qa/cut_scan.py), and only the re-encoded crossfades are decoded. So everything the checks read per frame
is here: the levels, the change from the frame before (and the first and last pictures, to measure it
across a cut), the flash meter's grids, and the small pictures' changes the shot count reads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import av
import numpy as np

from aiprod_assets.qa.cuts import thumbnail


@dataclass
class FrameStats:
    luma_means: np.ndarray  # per frame, of the sampled luma (qa/scan.py)
    frame_changes: np.ndarray  # per frame, mean |diff| to the frame before; inf for the first
    legal: np.ndarray  # per frame, sampled luma pixels within 16-235
    counted: int  # sampled luma pixels per frame
    thumb_changes: np.ndarray  # per frame, mean |diff| of its thumbnail to the one before; nan for the first
    flash_luma: np.ndarray  # (frames, rows, cols) uint8: the flash meter's luma grid
    # (frames, rows, ceil(red_cols / 8)) uint8: its saturated-red mask, bit-packed along each row, as it is
    # stored. Held packed from the decode on: as bools it took as much memory as the luma grid (1 MB a
    # second of 1080p30), kept for the whole clip.
    flash_red_bits: np.ndarray | None
    red_cols: int
    first_small: np.ndarray  # the frame-change sample (every 4th luma pixel) of the first and last frames
    last_small: np.ndarray
    first_thumb: np.ndarray  # the shot count's thumbnails of the first and last frames
    last_thumb: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.luma_means)

    def flash_red(self, index: int) -> np.ndarray | None:
        """Frame ``index``'s saturated-red mask, (rows, red_cols) bool; None for a file without colour."""
        if self.flash_red_bits is None:
            return None
        return np.unpackbits(self.flash_red_bits[index], axis=-1, count=self.red_cols).astype(bool)


@dataclass
class FrameKeeper:
    """Fed by the scan's decode, one frame at a time (copies: a decoded frame's planes are reused)."""

    legal: list[int] = field(default_factory=list)
    counted: int = 0
    thumb_changes: list[float] = field(default_factory=list)
    flash_luma: list[np.ndarray] = field(default_factory=list)
    flash_red_bits: list[np.ndarray] = field(default_factory=list)
    red_cols: int = 0
    first_small: np.ndarray | None = None
    last_small: np.ndarray | None = None
    first_thumb: np.ndarray | None = None
    last_thumb: np.ndarray | None = None

    def add(self, frame: av.VideoFrame, legal: int, counted: int, small: np.ndarray, luma_grid: np.ndarray,
            red_grid: np.ndarray | None) -> None:
        thumb = thumbnail(frame)
        self.thumb_changes.append(float(np.abs(thumb.astype(np.int16) - self.last_thumb).mean())
                                  if self.last_thumb is not None else float("nan"))
        if self.first_small is None:
            self.first_small, self.first_thumb = small.astype(np.uint8), thumb
        self.last_small, self.last_thumb = small.astype(np.uint8), thumb
        self.legal.append(legal)
        self.counted = counted
        self.flash_luma.append(np.array(luma_grid, dtype=np.uint8))
        if red_grid is not None:
            self.flash_red_bits.append(np.packbits(red_grid, axis=-1))
            self.red_cols = red_grid.shape[-1]

    def stats(self, video) -> FrameStats | None:
        if self.first_small is None:
            return None
        return FrameStats(
            luma_means=np.array(video.luma_means, np.float64), frame_changes=np.array(video.frame_changes, np.float64),
            legal=np.array(self.legal, np.int64), counted=self.counted,
            thumb_changes=np.array(self.thumb_changes, np.float64), flash_luma=np.stack(self.flash_luma),
            flash_red_bits=(np.stack(self.flash_red_bits) if len(self.flash_red_bits) == len(self.flash_luma)
                            else None), red_cols=self.red_cols,
            first_small=self.first_small, last_small=self.last_small, first_thumb=self.first_thumb,
            last_thumb=self.last_thumb)


_ARRAYS = ("luma_means", "frame_changes", "legal", "thumb_changes", "flash_luma", "first_small", "last_small",
           "first_thumb", "last_thumb")


def stats_bytes(stats: FrameStats) -> bytes:
    """An .npz of the stats; the red mask bit-packed. Not compressed: written once per clip while the render
    waits, read once per cut, and the flash grids are most of it."""
    arrays = {name: getattr(stats, name) for name in _ARRAYS}
    arrays["counted"] = np.array(stats.counted)
    if stats.flash_red_bits is not None:
        arrays["flash_red"] = stats.flash_red_bits
        arrays["red_cols"] = np.array(stats.red_cols)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def stats_from_bytes(data: bytes) -> FrameStats:
    with np.load(io.BytesIO(data)) as kept:
        arrays = {name: kept[name] for name in _ARRAYS}
        red = kept["flash_red"] if "flash_red" in kept.files else None
        red_cols = int(kept["red_cols"]) if "red_cols" in kept.files else 0
        return FrameStats(**arrays, counted=int(kept["counted"]), flash_red_bits=red, red_cols=red_cols)
