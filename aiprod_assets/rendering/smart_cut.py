"""Smart-render cut: straight cuts joined at the bitstream level, only the crossfades encoded again.

Every clip is H.264 with closed GOPs from the same encoder settings, so its packets can follow another
clip's in one stream once their timestamps are moved. A crossfade's frames (the shot's first ones,
dissolving from the last frame of the shot before) are decoded, blended and encoded with the same
settings, up to the clip's next keyframe (the renderer puts one right after the fade), and the clip is
copied from that keyframe on. The sound is joined sample-accurately and encoded once.

When the clips cannot be joined so (another codec, other encoder parameters, odd timestamps) the caller
encodes the whole cut instead: ``smart_assemble`` says so by returning None. Else it returns the parts the
cut was copied from, from which the cut's QA is composed (qa/cut_scan.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aiprod_assets.canonical import file_sha256
from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.decode import open_for_packets
from aiprod_assets.media.encode import AUDIO_BITRATE, AUDIO_FRAME_SAMPLES, ClipWriter
from aiprod_assets.media.sound_cache import SoundEncoder
from aiprod_assets.qa.cut_scan import Span
from aiprod_assets.rendering.fade_memo import fade_key, keep_fade, kept_fade
from aiprod_assets.rendering.transitions import fade_into
from aiprod_assets.work_folders import work_folder


class CannotCopy(Exception):
    pass


def _keyframe_indices(stream, packets) -> list[int]:
    ticks = _ticks_per_frame(stream)
    start = stream.start_time or 0
    return sorted(round((p.pts - start) / ticks) for p in packets if p.is_keyframe and p.pts is not None)


def _ticks_per_frame(stream) -> int:
    ticks = 1 / (stream.average_rate * stream.time_base)
    if ticks.denominator != 1:
        raise CannotCopy(f"time base {stream.time_base} holds no whole number of ticks per frame")
    return int(ticks)


def _last_frame(path: Path) -> np.ndarray:
    """The clip's last picture, decoded from its last keyframe only."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        keyframes = [p.pts for p in container.demux(stream) if p.is_keyframe and p.pts is not None]
        container.seek(max(keyframes), stream=stream, backward=True)
        frame = None
        for frame in container.decode(stream):
            pass
    return frame.reformat(format="yuv420p").to_ndarray()


def _first_frames(path: Path, count: int) -> list[np.ndarray]:
    frames = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if len(frames) == count:
                break
            frames.append(frame.reformat(format="yuv420p").to_ndarray())
    return frames


class _CutMuxer:
    """The output container: copied packets moved to their place in the cut, and the sound bed."""

    def __init__(self, out_path: Path, template, profile: RenderProfile, title: str, comment: str,
                 audio: np.ndarray, sound_cache: Path | None = None):
        self.container = av.open(str(out_path), mode="w", format="mp4", options={"movflags": "+faststart"})
        self.container.metadata["title"] = title
        self.container.metadata["comment"] = comment
        self.extradata = bytes(template.codec_context.extradata or b"")
        self.video = self.container.add_stream_from_template(template)
        self.audio = self.container.add_stream("aac", rate=profile.audio_sample_rate, layout="stereo")
        self.audio.bit_rate = AUDIO_BITRATE
        self.profile, self.samples, self.audio_cursor = profile, np.ascontiguousarray(audio, np.float32), 0
        self.sound = SoundEncoder(self.audio, self.samples, AUDIO_FRAME_SAMPLES, sound_cache)
        self.frames = 0
        self.spans: list[Span] = []

    def copy(self, path: Path, from_frame: int, frames: int) -> None:
        """The clip's packets from the keyframe at ``from_frame`` (``frames`` of them) at the cut's end."""
        with open_for_packets(path) as source:
            stream = source.streams.video[0]
            if stream.codec_context.name != "h264" or bytes(stream.codec_context.extradata or b"") != self.extradata:
                raise CannotCopy(f"{path.name}: other encoder parameters than the first clip")
            ticks, start = _ticks_per_frame(stream), stream.start_time or 0
            shift = (self.frames - from_frame) * ticks
            copying, copied = False, 0
            for packet in source.demux(stream):
                if not packet.size:
                    continue
                index = round((packet.pts - start) / ticks)
                if not copying:
                    if index != from_frame:
                        continue
                    if not packet.is_keyframe:
                        raise CannotCopy(f"{path.name}: no keyframe at frame {from_frame}")
                    copying = True
                if index >= from_frame + frames:
                    continue  # past the shot's length (a longer source): dropped
                packet.pts, packet.dts = packet.pts - start + shift, packet.dts - start + shift
                packet.stream = self.video
                self.container.mux(packet)
                copied += 1
        if copied != frames:
            raise CannotCopy(f"{path.name}: {copied} frames copied of {frames}")
        self.frames += frames
        self.spans.append(Span(path=path, first=from_frame, frames=frames))
        self._audio_until(self.frames * self.profile.audio_sample_rate // self.profile.fps)

    def _audio_until(self, sample: int) -> None:
        rate = self.profile.audio_sample_rate
        while self.audio_cursor < min(sample, self.samples.shape[1]):
            cursor = self.audio_cursor

            def frame(cursor=cursor) -> av.AudioFrame:
                chunk = np.ascontiguousarray(self.samples[:, cursor:cursor + AUDIO_FRAME_SAMPLES])
                made = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                made.sample_rate, made.time_base, made.pts = rate, Fraction(1, rate), cursor
                return made

            self._mux_sound(self.sound.encode(frame))
            self.audio_cursor = min(cursor + AUDIO_FRAME_SAMPLES, self.samples.shape[1])

    def _mux_sound(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            packet.stream = self.audio
        self.container.mux(packets)

    def close(self) -> None:
        self._audio_until(self.samples.shape[1])
        self._mux_sound(self.sound.encode(None))
        self.container.close()
        self.sound.finish()


def smart_assemble(clips: list[tuple[Shot, Path]], profile: RenderProfile, out_path: Path, title: str,
                   comment: str, audio: np.ndarray, encoder: str = "libx264", workdir: Path | None = None,
                   between_parts: Callable[[], None] | None = None,
                   sound_cache: Path | None = None) -> list[Span] | None:
    """Write the cut by copying; the parts it was copied from, in order (the crossfades' own encodes are left
    in ``workdir``, so the cut's QA can read them), or None where the clips cannot be copied.
    ``between_parts()`` is called before each clip is joined: what it raises stops the cut, its file removed."""
    with open_for_packets(clips[0][1]) as first:
        muxer = _CutMuxer(out_path, first.streams.video[0], profile, title, comment, audio, sound_cache)
    try:
        with contextlib.nullcontext(workdir) if workdir else work_folder("cut") as folder:
            previous: tuple[Path, str] | None = None  # the clip a dissolve comes from, and its sha256
            for n, (shot, path) in enumerate(clips):
                if between_parts is not None:
                    between_parts()
                frames = shot.spec.frames
                fade = fade_into(shot, profile, first=n == 0)
                start, digest = 0, None
                if fade:
                    with open_for_packets(path) as source:
                        stream = source.streams.video[0]
                        keyframes = _keyframe_indices(stream, source.demux(stream))
                    start = min([k for k in keyframes if fade <= k < frames], default=frames)
                    span = folder / f"{shot.shot_id}-fade.mp4"
                    digest = file_sha256(path)
                    _write_fade(span, previous, (path, digest), start, fade, profile, encoder)
                    muxer.copy(span, 0, start)
                if start < frames:
                    muxer.copy(path, start, frames - start)
                if n + 1 < len(clips) and fade_into(clips[n + 1][0], profile, first=False):
                    previous = (path, digest or file_sha256(path))
            muxer.close()
            return muxer.spans
    except BaseException as err:
        muxer.container.close()
        out_path.unlink(missing_ok=True)
        if isinstance(err, (CannotCopy, av.FFmpegError, ValueError)):
            return None
        raise


def _write_fade(out: Path, previous: tuple[Path, str], clip: tuple[Path, str], frames: int, fade: int,
                profile: RenderProfile, encoder: str) -> None:
    """The dissolve from clip ``previous`` into the first ``frames`` of ``clip`` (each a path and its sha256),
    encoded, or written as this process encoded it before (rendering/fade_memo.py)."""
    key = fade_key(previous[1], clip[1], frames, fade,
                   {"profile": profile.model_dump(mode="json"), "encoder": encoder})
    if (kept := kept_fade(key)) is not None:
        out.write_bytes(kept)
        return
    _encode_fade(out, _first_frames(clip[0], frames), _last_frame(previous[0]), fade, profile, encoder)
    keep_fade(key, out.read_bytes())


def _encode_fade(out: Path, frames: list[np.ndarray], previous_last: np.ndarray, fade: int,
                 profile: RenderProfile, encoder: str) -> None:
    """The dissolve (and the rest of the clip up to its next keyframe) encoded with the clips' settings."""
    silence = np.zeros((2, len(frames) * profile.audio_sample_rate // profile.fps), np.float32)
    # Made again by every cut of these clips (here, or ahead in the device worker): the same bytes each time.
    with ClipWriter(out, profile, "", "", silence, encoder=encoder, repeatable=True) as writer:
        for index, frame in enumerate(frames):
            if index < fade:
                weight = (index + 1) / (fade + 1)
                frame = (frame * weight + previous_last * (1 - weight) + 0.5).astype(np.uint8)
            writer.write_video(frame)
