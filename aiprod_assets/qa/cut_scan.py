"""The technical scan of a cut made at the bitstream level, composed from its parts' kept measurements.

A copied span holds a clip's own packets from a keyframe of a closed GOP, so it decodes to the clip's own
pictures: what the clip's scan measured of those frames is what a decode of the cut would measure. Only
what joins the spans is measured again: the change across each join, from the pictures either side of it.
The cut itself is demuxed, not decoded: its container, stream parameters, timestamps and sound are read
from it as always, and every video packet is checked to be, byte for byte, the packet of the part it came
from. Anything that does not hold raises ``CannotCompose``, and the caller decodes the cut instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from aiprod_assets.media.decode import open_for_packets
from aiprod_assets.media.planes import plane
from aiprod_assets.qa.broadcast import FlashMeter, flash_windows
from aiprod_assets.qa.cuts import thumbnail
from aiprod_assets.qa.frame_stats import FrameStats
from aiprod_assets.qa.scan import MediaScan, packet_digest, scan
from aiprod_assets.qa.sound_measures import SoundMemo


class CannotCompose(Exception):
    pass


@dataclass(frozen=True)
class Span:
    """Frames ``first`` .. ``first + frames - 1`` of the file at ``path``, copied into the cut in order."""

    path: Path
    first: int
    frames: int


@dataclass
class ComposedCut:
    media: MediaScan
    thumb_changes: np.ndarray  # [i]: thumbnail change from frame i to frame i + 1 of the cut
    picture: Callable[[int], np.ndarray]  # frame i's thumbnail (the shot count reads it at dissolves)


def _digests_in_order(path: Path) -> list[bytes]:
    with open_for_packets(path) as container:
        stream = container.streams.video[0]
        packets = [(p.pts, packet_digest(p)) for p in container.demux(stream) if p.size]
    return [digest for _, digest in sorted(packets)]


@dataclass(frozen=True)
class _Edges:
    """What joining a file to its neighbours needs of its measurements (the rest is dropped span by span:
    a long cut's grids would not fit in memory at once)."""

    frames: int
    first: tuple[np.ndarray, np.ndarray]  # (frame-change sample, thumbnail)
    last: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, stats: FrameStats) -> _Edges:
        return cls(stats.frames, (stats.first_small, stats.first_thumb), (stats.last_small, stats.last_thumb))


def _edge(path: Path, edges: _Edges, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(frame-change sample, thumbnail) of frame ``index`` of the file: kept for its first and last frames,
    else decoded from the keyframe before it."""
    if index == 0:
        return edges.first
    if index == edges.frames - 1:
        return edges.last
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ticks = round(1 / (stream.average_rate * stream.time_base))
        start = stream.start_time or 0
        container.seek(start + index * ticks, stream=stream, backward=True)
        for frame in container.decode(stream):
            if round((frame.pts - start) / ticks) == index:
                return np.array(plane(frame, 0)[::4, ::4]), thumbnail(frame)
    raise CannotCompose(f"{path.name}: frame {index} does not decode")


def _change(after: np.ndarray, before: np.ndarray) -> float:
    return float(np.abs(after.astype(np.int16) - before.astype(np.int16)).mean())


def compose_cut_scan(cut: Path, spans: list[Span], stats_of: Callable[[Path], FrameStats | None],
                     sounds: SoundMemo | None = None) -> ComposedCut:
    media = scan(cut, decode_video=False, sounds=sounds)
    video = media.video
    if media.errors or video is None:
        raise CannotCompose("; ".join(media.errors) or "no video stream")
    in_cut = [digest for _, digest in sorted(video.packet_digests.items())]
    if len(in_cut) != sum(span.frames for span in spans):
        raise CannotCompose(f"{len(in_cut)} packets in the cut, {sum(s.frames for s in spans)} in its parts")
    offsets, packets = [], []
    offset = 0
    for span in spans:
        source = _digests_in_order(span.path)
        if source[span.first:span.first + span.frames] != in_cut[offset:offset + span.frames]:
            raise CannotCompose(f"{span.path.name}: the cut's packets at frame {offset} are not the file's")
        offsets.append(offset)
        packets.append(len(source))
        offset += span.frames
    parts: list[tuple[Span, _Edges, int]] = []
    means, changes, thumbs = [], [], []
    legal = counted = 0
    meter = FlashMeter()
    for span, start, in_file in zip(spans, offsets, packets):
        stats = stats_of(span.path)
        if stats is None or stats.frames != in_file:
            raise CannotCompose(f"{span.path.name}: not every frame of it was measured")
        edges = _Edges.of(stats)
        window = slice(span.first, span.first + span.frames)
        means.append(stats.luma_means[window])
        change, thumb_change = stats.frame_changes[window].copy(), stats.thumb_changes[window].copy()
        if not parts:
            change[0], thumb_change[0] = float("inf"), float("nan")
        else:  # the change across the join, from the pictures either side of it
            before, before_edges, _ = parts[-1]
            small, thumb = _edge(span.path, edges, span.first)
            small_before, thumb_before = _edge(before.path, before_edges, before.first + before.frames - 1)
            change[0], thumb_change[0] = _change(small, small_before), _change(thumb, thumb_before)
        changes.append(change)
        thumbs.append(thumb_change)
        legal += int(stats.legal[window].sum())
        counted += stats.counted * span.frames
        for index in range(window.start, window.stop):
            meter.add_grids(stats.flash_luma[index], stats.flash_red(index))
        parts.append((span, edges, start))
    video.decoded_frames = offset
    video.luma_means = [float(m) for m in np.concatenate(means)]
    video.frame_changes = [float(c) for c in np.concatenate(changes)]
    video.luma_legal_share = legal / counted if counted else 0.0
    video.flash = flash_windows(meter.transitions, meter.frames, media.fps or 30.0)

    def picture(index: int) -> np.ndarray:
        for span, edges, start in parts:
            if start <= index < start + span.frames:
                return _edge(span.path, edges, span.first + index - start)[1]
        raise IndexError(index)

    return ComposedCut(media=media, thumb_changes=np.concatenate(thumbs)[1:], picture=picture)
