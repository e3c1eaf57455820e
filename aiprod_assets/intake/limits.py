"""Input limits, applied before an input is read whole: a brief (or billing export) is a regular file or a
stored object of bounded size, and a brief's JSON nests at most 32 levels.

A file too large is still hashed whole, streamed, so its refusal can name it; only its
first bytes are kept.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aiprod_assets.deployment_settings import DEFAULT_BRIEF_MAX_BYTES

MAX_BRIEF_BYTES = DEFAULT_BRIEF_MAX_BYTES
MAX_JSON_DEPTH = 32
KEPT_BYTES = 64 * 1024  # what is kept of a refused input
MAX_BILLING_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


class InputRefused(ValueError):
    """An input that is not read at all: not a regular file, a link, unreadable."""


@dataclass(frozen=True)
class BoundedInput:
    name: str
    size: int
    sha256: str
    head: bytes  # the whole input when size <= the limit it was read with, else its first KEPT_BYTES
    limit: int

    @property
    def too_large(self) -> bool:
        return self.size > self.limit

    @property
    def data(self) -> bytes:
        if self.too_large:
            raise ValueError(f"{self.name} is {self.size} bytes, over the {self.limit}-byte limit")
        return self.head


def read_bounded_stream(name: str, stream: BinaryIO, limit: int) -> BoundedInput:
    """Read ``stream`` keeping at most ``limit`` bytes (then only the first KEPT_BYTES), hashing all of it."""
    digest, kept, size = hashlib.sha256(), bytearray(), 0
    while block := stream.read(_CHUNK):
        digest.update(block)
        size += len(block)
        if size <= limit:
            kept += block
        elif len(kept) > KEPT_BYTES:
            del kept[KEPT_BYTES:]
        elif len(kept) < KEPT_BYTES:
            kept += block[:KEPT_BYTES - len(kept)]
    return BoundedInput(name=name, size=size, sha256=digest.hexdigest(), head=bytes(kept), limit=limit)


def read_bounded_file(path: str | Path, limit: int) -> BoundedInput:
    """A regular file, never through a link, never a FIFO or device (it could hang or never end)."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        raise InputRefused(f"{path}: cannot be read ({err.strerror})") from err
    if stat.S_ISLNK(mode):
        raise InputRefused(f"{path}: is a symbolic link; give the file itself")
    if not stat.S_ISREG(mode):
        raise InputRefused(f"{path}: is not a regular file (a FIFO, device or folder); give a JSON file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise InputRefused(f"{path}: cannot be read ({err.strerror})") from err
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the lstat
            raise InputRefused(f"{path}: is not a regular file")
        return read_bounded_stream(path.name, handle, limit)


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than ``limit``, judged without parsing (a parser would recurse)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False
