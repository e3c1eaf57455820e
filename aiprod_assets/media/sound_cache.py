"""A cut's sound, encoded once per distinct sound on this machine.

The cut's AAC is the longest part of making a cut whose pictures are copied (about half a second for 12 s,
rendering/smart_cut.py), and an edit of a shot's lighting or camera leaves every shot's sound as it was: the
next cut's sound is then the very samples the last one encoded. The encoder is deterministic, so what it gave
for them, packet for packet and call for call, is kept in a folder (the final cut's: paths.cut_sound_cache),
keyed by the samples and everything that decides the encoding (codec, rate, layout, bit rate, frame size,
PyAV and libavcodec versions). A cut of the same sound muxes those packets in the same calls instead of
encoding: the same bytes. An entry that does not read back whole (a torn write, a changed file) is removed and
the sound encoded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

KEPT_SOUNDS = 32  # the most recently used; a 60 s cut's sound is about 1.5 MB


def sound_key(samples: np.ndarray, stream: av.audio.stream.AudioStream, frame_samples: int) -> str:
    context = stream.codec_context
    digest = hashlib.sha256(json.dumps({
        "codec": context.name, "rate": context.sample_rate, "layout": context.layout.name,
        "bit_rate": context.bit_rate, "frame_samples": frame_samples, "shape": list(samples.shape),
        "dtype": str(samples.dtype), "av": av.__version__, "libavcodec": list(av.library_versions["libavcodec"]),
    }, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(samples).data)
    return digest.hexdigest()


class SoundEncoder:
    """Encodes a sound call by call as ``stream`` would (``encode(frame)``, then ``encode(None)``), replaying
    the packets a cache entry holds for exactly these samples, or encoding them and keeping what came."""

    def __init__(self, stream, samples: np.ndarray, frame_samples: int, folder: Path | None):
        self.stream, self.folder = stream, folder
        self.key = sound_key(samples, stream, frame_samples) if folder is not None else ""
        self.replay = _load(folder / self.key) if folder is not None else None
        self.calls: list[list[dict]] = []  # what the encoder gave, for the entry
        self.payload = bytearray()

    @property
    def replaying(self) -> bool:
        return self.replay is not None

    def encode(self, make_frame: Callable[[], av.AudioFrame] | None) -> list[av.Packet]:
        """The packets for the next call: ``make_frame()`` is called only where the sound is encoded (None:
        the encoder's flush)."""
        if self.replay is not None:
            return self.replay.pop(0) if self.replay else []
        packets = self.stream.encode(make_frame() if make_frame is not None else None)
        if self.folder is not None:
            self.calls.append([self._record(packet) for packet in packets])
        return packets

    def _record(self, packet: av.Packet) -> dict:
        data = bytes(packet)
        self.payload += data
        return {"pts": packet.pts, "dts": packet.dts, "duration": packet.duration,
                "time_base": [packet.time_base.numerator, packet.time_base.denominator], "size": len(data),
                "keyframe": packet.is_keyframe,
                # Only a packet's data, times and keyframe flag can be set again on a new packet.
                "bare": not (packet.is_discard or packet.is_disposable or packet.is_corrupt
                             or any(True for _ in packet.iter_sidedata()))}

    def finish(self) -> None:
        """Keep what was encoded (after the flush), unless it was replayed or is more than bare packets."""
        if self.folder is None or self.replay is not None:
            return
        if not all(p["bare"] for call in self.calls for p in call):
            return  # not replayable: encoded every time
        with contextlib.suppress(OSError):  # a cache: a cut that cannot keep its sound still stands
            _save(self.folder, self.key, self.calls, bytes(self.payload))


def _save(folder: Path, key: str, calls: list[list[dict]], payload: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"calls": calls, "payload_sha256": hashlib.sha256(payload).hexdigest()}).encode()
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(len(header).to_bytes(8, "big") + header + payload)
        os.replace(temporary, folder / key)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)  # the pruning below never sees a part left behind
        raise
    entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for stale in entries[:-KEPT_SOUNDS]:
        stale.unlink(missing_ok=True)


def _load(path: Path) -> list[list[av.Packet]] | None:
    try:
        raw = path.read_bytes()
        size = int.from_bytes(raw[:8], "big")
        header = json.loads(raw[8:8 + size])
        payload = raw[8 + size:]
        if hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
            raise ValueError("payload does not match its digest")
        calls, offset = [], 0
        for call in header["calls"]:
            packets = []
            for record in call:
                packet = av.Packet(payload[offset:offset + record["size"]])
                offset += record["size"]
                packet.pts, packet.dts, packet.duration = record["pts"], record["dts"], record["duration"]
                packet.time_base = Fraction(*record["time_base"])
                packet.is_keyframe = record["keyframe"]
                packets.append(packet)
            calls.append(packets)
        if offset != len(payload):
            raise ValueError("payload longer than its packets")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):  # json.JSONDecodeError is a ValueError
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)  # torn or changed: encoded again, and kept whole this time
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used
    return calls
