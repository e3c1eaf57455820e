"""Encode raw planes and samples to an MP4 that meets a render profile (DESIGN.md §6).

H.264 High yuv420p, BT.709 tagged limited range, constant frame rate, closed GOP,
CBR inside the 2-8 Mbps window, AAC-LC 48 kHz stereo, moov before mdat, title and
comment metadata. NVENC on CUDA when the encoder exists, libx264 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.frame import PictureType

from aiprod_assets.contracts import RenderProfile
from aiprod_assets.media.recon import Reconstruction

AUDIO_FRAME_SAMPLES = 1024
AUDIO_BITRATE = 192_000
# superfast keeps CABAC and 8x8 transforms (so the stream is High profile) at ~2x veryfast's speed.
X264_PRESET = "superfast"


def choose_encoder(device_type: str) -> str:
    if device_type == "cuda" and "h264_nvenc" in av.codecs_available:
        return "h264_nvenc"
    return "libx264"


def _video_options(encoder: str, profile: RenderProfile, repeatable: bool = False) -> dict[str, str]:
    kbps = profile.video_bitrate_target_bps // 1000
    gop = profile.gop_frames
    if encoder == "h264_nvenc":
        return {"preset": "p4", "profile": "high", "rc": "cbr", "g": str(gop), "strict_gop": "1",
                "forced-idr": "1", "no-scenecut": "1", "maxrate": f"{kbps}k", "bufsize": f"{kbps}k"}
    return {
        "preset": X264_PRESET,
        "profile": "high",
        "x264-params": (f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:force-cfr=1:"
                        f"nal-hrd=cbr:vbv-maxrate={kbps}:vbv-bufsize={kbps}:"
                        "colorprim=bt709:transfer=bt709:colormatrix=bt709:range=tv"
                        # x264's frame threads let its VBV rate control see the sizes of other frames as they
                        # happen to finish: on a busy machine the same frames now and then encode to other bytes.
                        + (":threads=1" if repeatable else "")),
    }


class ClipWriter:
    """Writes one MP4: the audio bed up front, then write_video() once per frame.

    Audio is muxed alongside the video it belongs to, so the muxer never holds a
    whole clip of one stream waiting for the other.
    """

    def __init__(self, path: str | Path, profile: RenderProfile, title: str, comment: str,
                 audio: np.ndarray, encoder: str = "libx264", keyframes: frozenset[int] = frozenset(),
                 on_picture: Callable[[av.VideoFrame], None] | None = None, repeatable: bool = False):
        """``on_picture`` gets each picture as a decoder will make it of the file, in order, where the encoder
        hands them out (media/recon.py); else none, and the file must be decoded to see them. ``repeatable``:
        the same frames always make the same bytes (one encoder thread), for a few frames encoded again and
        again (a cut's crossfades)."""
        self.profile = profile
        # Frames forced to start a closed GOP besides the regular ones (where a cut will copy from).
        self.keyframes = keyframes
        self.samples = np.ascontiguousarray(audio, dtype=np.float32)
        self.audio_cursor = 0
        self.container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        self.container.metadata["title"] = title
        self.container.metadata["comment"] = comment
        video = self.container.add_stream(encoder, rate=Fraction(profile.fps))
        video.width, video.height, video.pix_fmt = profile.width, profile.height, "yuv420p"
        video.bit_rate = profile.video_bitrate_target_bps
        video.time_base = Fraction(1, profile.fps)
        context = video.codec_context
        context.options = _video_options(encoder, profile, repeatable)
        context.gop_size = profile.gop_frames
        context.color_primaries = 1  # AVCOL_PRI_BT709
        context.color_trc = 1  # AVCOL_TRC_BT709
        context.colorspace = 1  # AVCOL_SPC_BT709
        context.color_range = 1  # AVCOL_RANGE_MPEG: limited (tv) range
        audio = self.container.add_stream("aac", rate=profile.audio_sample_rate, layout="stereo")
        audio.bit_rate = AUDIO_BITRATE
        self.video, self.audio = video, audio
        self.frames_written = 0
        self.reconstruction = (Reconstruction.request(context, profile.width, profile.height, video.time_base,
                                                      on_picture) if on_picture is not None else None)

    def write_video(self, yuv420p: np.ndarray) -> None:
        """One frame as a (height * 3 / 2, width) uint8 array: the Y plane, then U, then V."""
        frame = av.VideoFrame.from_ndarray(yuv420p, format="yuv420p")
        frame.pts = self.frames_written
        frame.color_range = 1
        if self.frames_written in self.keyframes:
            frame.pict_type = PictureType.I
        self._mux_video(frame)
        self.frames_written += 1
        self._write_audio_until(self.frames_written * self.profile.audio_sample_rate // self.profile.fps)

    def _write_audio_until(self, sample: int) -> None:
        rate = self.profile.audio_sample_rate
        while self.audio_cursor < min(sample, self.samples.shape[1]):
            start = self.audio_cursor
            chunk = np.ascontiguousarray(self.samples[:, start:start + AUDIO_FRAME_SAMPLES])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = rate
            frame.time_base = Fraction(1, rate)
            frame.pts = start
            self.container.mux(self.audio.encode(frame))
            self.audio_cursor += chunk.shape[1]

    def _mux_video(self, frame: av.VideoFrame | None) -> None:
        # One packet at a time: the encoder's picture of a packet is there only until it encodes the next.
        for packet in self.video.encode_lazy(frame):
            if self.reconstruction is not None:
                self.reconstruction.after_packet(packet)
            self.container.mux(packet)

    def close(self) -> None:
        self._write_audio_until(self.samples.shape[1])
        self._mux_video(None)
        self.container.mux(self.audio.encode(None))
        self._close_container()

    def _close_container(self) -> None:
        self.container.close()
        if self.reconstruction is not None:
            self.reconstruction.close()

    def __enter__(self) -> "ClipWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._close_container()
