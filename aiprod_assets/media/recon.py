"""The pictures an H.264 encoder reconstructs as it encodes: what any decoder makes of its packets.

libx264 decodes its own output to predict the frames after it (the standard fixes that decode to the
bit), and FFmpeg hands those pictures out when asked (AV_CODEC_FLAG_RECON_FRAME): one after each packet,
through avcodec_receive_frame on the encoder. So a clip can be measured as a decoder will see it while it
is encoded, without a second decode. PyAV sets the flag but has no call that receives them, so the call
is made through ctypes on the codec context PyAV holds; everything read is checked first (the context's
class name, read where a wrong address cannot crash; the picture's size and format), and anything
unexpected turns the reading off: the caller then has fewer pictures than frames and decodes the file.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
import sys
from collections.abc import Callable
from fractions import Fraction

import av
import numpy as np

_ENCODER_RECON_FRAME = 1 << 22  # AV_CODEC_CAP_ENCODER_RECON_FRAME
_YUV420P, _NV12 = 0, 23  # AV_PIX_FMT_YUV420P; AV_PIX_FMT_NV12, libx264's own (chroma interleaved)
# AVFrame begins data[8], linesize[8], extended_data, width, height, nb_samples, format (FFmpeg 5 to 8).
_LINESIZE, _WIDTH, _HEIGHT, _FORMAT = 64, 104, 108, 116
# A Cython object: the Python header, its method table, then its first field (CodecContext.ptr).
_FIRST_FIELD = 16 + ctypes.sizeof(ctypes.c_void_p)


@functools.cache
def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL] | None:
    """PyAV's own libavcodec and libavutil (its wheel carries them), or None where they are not found."""
    folder = os.path.join(os.path.dirname(os.path.dirname(av.__file__)), "av.libs")
    found = [sorted(glob.glob(os.path.join(folder, f"{name}-*.so*"))) for name in ("libavcodec", "libavutil")]
    if not all(found):
        return None
    avcodec, avutil = (ctypes.CDLL(paths[0]) for paths in found)
    avcodec.avcodec_receive_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    avutil.av_frame_alloc.restype = ctypes.c_void_p
    avutil.av_frame_free.argtypes = [ctypes.c_void_p]
    return avcodec, avutil


def _context_pointer(context: av.codec.context.CodecContext) -> int | None:
    """The AVCodecContext PyAV holds for ``context``, or None. Read through /proc/self/mem, where an address
    that is not mapped is an error rather than a crash, until the context's class names itself."""
    try:
        memory = os.open("/proc/self/mem", os.O_RDONLY)
    except OSError:
        return None  # not Linux: the clip is decoded for QA as before
    try:
        def pointer_at(address: int) -> int:
            return int.from_bytes(os.pread(memory, ctypes.sizeof(ctypes.c_void_p), address), sys.byteorder)

        address = pointer_at(id(context) + _FIRST_FIELD)
        name = os.pread(memory, len(b"AVCodecContext") + 1, pointer_at(pointer_at(address)))
    except (OSError, OverflowError):
        return None
    finally:
        os.close(memory)
    return address if name == b"AVCodecContext\0" else None


class Reconstruction:
    """Hands each reconstructed picture, in presentation order, to ``on_picture`` as a yuv420p VideoFrame
    with its pts in the encoder's time base. ``request`` before the encoder opens, ``after_packet`` for
    every packet the encoder gives, ``close`` at the end."""

    def __init__(self, context, width: int, height: int, time_base: Fraction,
                 on_picture: Callable[[av.VideoFrame], None], libraries):
        self.context, self.width, self.height, self.time_base = context, width, height, time_base
        self.on_picture = on_picture
        self.avcodec, self.avutil = libraries
        self.frame = self.avutil.av_frame_alloc()
        self.pending: dict[int, av.VideoFrame] = {}
        self.next_pts = 0
        self.working = bool(self.frame)
        self.pointer: int | None = None

    @classmethod
    def request(cls, context, width: int, height: int, time_base: Fraction,
                on_picture: Callable[[av.VideoFrame], None]) -> Reconstruction | None:
        """None where the encoder cannot hand out its pictures (NVENC, say) or PyAV's libraries are not found."""
        if not context.codec.capabilities & _ENCODER_RECON_FRAME:
            return None
        libraries = _libraries()
        if libraries is None:
            return None
        context.flags |= av.codec.context.Flags.recon_frame
        return cls(context, width, height, time_base, on_picture, libraries)

    def after_packet(self, packet: av.Packet) -> None:
        if not self.working:
            return
        if self.pointer is None:
            self.pointer = _context_pointer(self.context)
            if self.pointer is None:
                self.working = False
                return
        if self.avcodec.avcodec_receive_frame(self.pointer, self.frame) != 0 or packet.pts is None:
            self.working = False
            return
        picture = self._copy()
        if picture is None:
            self.working = False
            return
        picture.pts, picture.time_base = packet.pts, self.time_base
        # Tagged as the stream is, as a decoder tags its pictures: a conversion to RGB reads them.
        context = self.context
        picture.colorspace, picture.color_range = context.colorspace, context.color_range
        picture.color_primaries, picture.color_trc = context.color_primaries, context.color_trc
        self.pending[packet.pts] = picture
        # Pictures come in coding order; B-frames make presentation order differ by a few.
        while self.next_pts in self.pending:
            self.on_picture(self.pending.pop(self.next_pts))
            self.next_pts += 1

    def _copy(self) -> av.VideoFrame | None:
        pixel_format = self._int_at(_FORMAT)
        if ((self._int_at(_WIDTH), self._int_at(_HEIGHT)) != (self.width, self.height)
                or pixel_format not in (_YUV420P, _NV12)):
            return None
        picture = av.VideoFrame(self.width, self.height, "yuv420p")
        y, u, v = (np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
                   for plane in picture.planes)
        source = self._plane(0, y.shape)
        if source is None:
            return None
        y[:] = source
        if pixel_format == _NV12:
            chroma = self._plane(1, (u.shape[0], 2 * u.shape[1]))
            if chroma is None:
                return None
            u[:], v[:] = chroma[:, 0::2], chroma[:, 1::2]
        else:
            chroma_u, chroma_v = self._plane(1, u.shape), self._plane(2, v.shape)
            if chroma_u is None or chroma_v is None:
                return None
            u[:], v[:] = chroma_u, chroma_v
        return picture

    def _plane(self, index: int, shape: tuple[int, int]) -> np.ndarray | None:
        """The reconstructed picture's plane ``index``, (rows, bytes) in place; None if it is not there."""
        data = ctypes.c_void_p.from_address(self.frame + 8 * index).value
        line = self._int_at(_LINESIZE + 4 * index)
        rows, width = shape
        if not data or line < width:
            return None
        flat = np.ctypeslib.as_array((ctypes.c_uint8 * (line * rows)).from_address(data))
        return flat.reshape(rows, line)[:, :width]

    def _int_at(self, offset: int) -> int:
        return ctypes.c_int.from_address(self.frame + offset).value

    def close(self) -> None:
        if self.frame:
            holder = ctypes.c_void_p(self.frame)
            self.avutil.av_frame_free(ctypes.byref(holder))
            self.frame = None
