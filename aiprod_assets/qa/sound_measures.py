"""What the technical checks read of a file's sound, measured once per distinct sound.

The checks judge the decoded sound: where it starts, how long it runs, its loudness and true peak, its
silences, dropouts and clipping. All of that is a function of the sound's stream as demuxed (its parameters
and every packet: data, times, flags, side data) and of the decoder, so the measurements are kept under the
digest of those (``SoundDigest``). An edited shot whose sound is unchanged (a lighting or camera edit keeps
it), and the cut made of such clips (whose sound is encoded from the same samples to the same packets,
media/sound_cache.py), are judged without decoding or measuring their sound again. Only the measurements
are kept: the thresholds are applied afresh each time (qa/technical.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Protocol

import av
import numpy as np

from aiprod_assets.media.loudness import integrated_loudness, true_peak_dbtp
from aiprod_assets.qa.broadcast import clipped_samples, dropouts

SOUND_VERSION = "sound-1"  # bump when a measurement below changes: every kept one is then measured again
QA_SAMPLE_RATE = 48_000  # the sound is measured resampled to this rate
SILENCE_DBFS = -60.0
SILENCE_WINDOW_SEC = 0.1


def true_runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of True."""
    runs, start = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def silence(samples: np.ndarray) -> tuple[float, float | None, bool]:
    """Longest gap below the silence floor, where it starts, and whether the whole sound is silent."""
    window = round(QA_SAMPLE_RATE * SILENCE_WINDOW_SEC)
    usable = samples[:, : samples.shape[1] // window * window]
    if usable.size == 0:
        return 0.0, None, True
    rms = np.sqrt((usable.reshape(usable.shape[0], -1, window) ** 2).mean(axis=(0, 2)))
    quiet = list(20 * np.log10(np.maximum(rms, 1e-12)) < SILENCE_DBFS)
    start, length = max(true_runs(quiet), key=lambda r: r[1], default=(0, 0))
    return length * SILENCE_WINDOW_SEC, start * SILENCE_WINDOW_SEC if length else None, all(quiet)


@dataclass(frozen=True)
class SoundMeasures:
    """Times are from the sound's first sample, except ``start_sec``, its presentation time."""

    start_sec: float | None
    duration_sec: float  # of the decoded samples
    loudness_lufs: float
    true_peak_dbtp: float
    silence_gap_sec: float
    silence_start_sec: float | None
    all_silent: bool
    dropouts: tuple[tuple[float, float], ...]  # (start, length) of each
    clipped_per_sec: float
    first_clipped_sec: float | None

    def to_json(self, digest: str) -> str:
        return json.dumps({"digest": digest, "version": SOUND_VERSION, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, digest: str) -> SoundMeasures:
        """The measures kept for ``digest``; ValueError where the entry is not that (torn, or another's)."""
        fields = json.loads(text)
        if fields.pop("digest", None) != digest or fields.pop("version", None) != SOUND_VERSION:
            raise ValueError("kept for another sound")
        fields["dropouts"] = tuple((float(start), float(length)) for start, length in fields["dropouts"])
        return cls(**fields)


def measure_sound(samples: np.ndarray, start_sec: float | None) -> SoundMeasures:
    """``samples``: (channels, n) float32 at QA_SAMPLE_RATE, as decoded."""
    gap, gap_start, all_silent = silence(samples)
    rate, first = clipped_samples(samples, QA_SAMPLE_RATE)
    return SoundMeasures(start_sec=start_sec, duration_sec=samples.shape[1] / QA_SAMPLE_RATE,
                         loudness_lufs=float(integrated_loudness(samples)),
                         true_peak_dbtp=float(true_peak_dbtp(samples)), silence_gap_sec=gap,
                         silence_start_sec=gap_start, all_silent=bool(all_silent),
                         dropouts=tuple(dropouts(samples, QA_SAMPLE_RATE)), clipped_per_sec=float(rate),
                         first_clipped_sec=first)


class SoundMemo(Protocol):
    """Where measurements are kept by the digest of the sound they were made of (qa/cache.py keeps them in the
    store)."""

    def kept(self, digest: str) -> SoundMeasures | None: ...

    def keep(self, digest: str, measures: SoundMeasures) -> None: ...


class SoundDigest:
    """The digest of an audio stream as it is demuxed: what its decoded sound is a function of."""

    def __init__(self, stream: av.audio.stream.AudioStream):
        context = stream.codec_context
        self.hash = hashlib.sha256(json.dumps({
            "version": SOUND_VERSION, "rate": QA_SAMPLE_RATE, "codec": context.name,
            "extradata": (context.extradata or b"").hex(), "sample_rate": context.sample_rate,
            "channels": context.channels, "layout": context.layout.name, "format": context.format.name
            if context.format else None, "time_base": str(stream.time_base), "start": stream.start_time,
            "av": av.__version__, "libavcodec": list(av.library_versions["libavcodec"]),
            "libswresample": list(av.library_versions["libswresample"]),
        }, sort_keys=True).encode())

    def add(self, packet: av.Packet) -> None:
        data = bytes(packet)
        side = [bytes(entry) for entry in packet.iter_sidedata()]
        self.hash.update(json.dumps([packet.pts, packet.dts, packet.duration, len(data), packet.is_keyframe,
                                     packet.is_discard, packet.is_corrupt, [s.hex() for s in side]]).encode())
        self.hash.update(data)

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


class SoundMeter:
    """Fed the sound's packets as they are demuxed; at the end (``finish``, while the file is open), its
    measures: kept ones for this very stream, else from its decode, resampled to the QA rate, and kept."""

    def __init__(self, stream: av.audio.stream.AudioStream, sounds: SoundMemo | None):
        self.stream, self.sounds = stream, sounds
        self.digest = SoundDigest(stream)
        self.packets: list[av.Packet] = []
        self.end = Fraction(0)  # where the sound ends on the timeline, from the packets' times
        self.error: av.FFmpegError | None = None  # where the decode failed (measured as far as it went)

    def add(self, packet: av.Packet) -> None:
        if packet.pts is not None and packet.duration:
            self.end = max(self.end, (packet.pts + packet.duration) * packet.time_base)
        self.digest.add(packet)
        self.packets.append(packet)

    def finish(self) -> tuple[SoundMeasures, str]:
        """(the measures, the stream's digest)."""
        digest = self.digest.hexdigest()
        measures = self.sounds.kept(digest) if self.sounds is not None else None
        if measures is None:
            samples, start = self._decode()
            measures = measure_sound(samples, start)
            if self.sounds is not None and self.error is None:
                self.sounds.keep(digest, measures)
        self.packets = []
        return measures, digest

    def _decode(self) -> tuple[np.ndarray, float | None]:
        resampler = av.AudioResampler(format="fltp", rate=QA_SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        start = None
        try:
            for packet in self.packets:  # the demux's last, empty packet flushes the decoder
                for frame in packet.decode():
                    if start is None and frame.time is not None:
                        start = float(frame.time)
                    chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
        except av.FFmpegError as err:
            self.error = err
        chunks.extend(out.to_ndarray() for out in resampler.resample(None))
        channels = self.stream.codec_context.channels
        return np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32), start
