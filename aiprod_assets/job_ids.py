"""The job id rule (DESIGN.md §3): job id = partition key = folder name."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

from aiprod_assets.canonical import sha256_hex

JOB_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
JOB_ID_RULE = "3-63 characters: lowercase letters, digits and '-', starting with a letter or digit"
_HASH_LEN = 8


class InvalidJobId(ValueError):
    def __init__(self, job_id: object):
        self.job_id = job_id
        super().__init__(f"job_id {job_id!r} is not allowed: {JOB_ID_RULE}")


def check_job_id(job_id: object) -> str:
    """Return the id unchanged, or refuse it before it reaches a path, partition or query."""
    if not isinstance(job_id, str) or not JOB_ID_PATTERN.fullmatch(job_id):
        raise InvalidJobId(job_id)
    return job_id


def job_id_from_file(file_name: str, content: bytes) -> str:
    """A job id for a brief without one: its slugged file name plus a short content hash."""
    stem = PurePath(file_name).name.rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")
    slug = slug[: 63 - _HASH_LEN - 1].rstrip("-") or "brief"
    return check_job_id(f"{slug}-{sha256_hex(content)[:_HASH_LEN]}")
