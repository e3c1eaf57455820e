"""Canonical JSON and the hashes derived from it.

Seeds and spec hashes must be identical in every process, so they come from
sha256 over a canonical serialization, never from Python's ``hash()``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel


def canonical_json(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def digest_of(value: Any) -> str:
    return sha256_hex(canonical_json(value))


def seed_of(value: Any) -> int:
    """A 31-bit seed, so every RNG (torch, numpy, random) accepts it."""
    return int(digest_of(value)[:8], 16) & 0x7FFFFFFF


def pretty_json(model: BaseModel) -> str:
    """The stored form of an artefact: stable key order, indented for a person."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def stream_sha256(handle: BinaryIO) -> str:
    """The sha256 of a stream, read a megabyte at a time (a stored video need not fit in memory)."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return stream_sha256(handle)


def compute_spec_hash(spec: BaseModel, seed: int, backend: str, backend_version: str, profile: BaseModel) -> str:
    """DESIGN.md §3: a shot's spec and seed, the backend and its version, and the render profile."""
    return digest_of({"spec": spec.model_dump(mode="json"), "seed": seed, "backend": backend,
                      "backend_version": backend_version, "profile": profile.model_dump(mode="json")})
