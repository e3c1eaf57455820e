"""The comment tag AIPROD writes into every clip and cut, and reads back (`aiprod qa`): "aiprod" then
name-value pairs, job and profile first, e.g. "aiprod job city-night-chase profile 1080p-16x9-24 shot s01-01"."""

from __future__ import annotations

MARK = "aiprod"


def aiprod_comment(job_id: str, profile_name: str, **fields: object) -> str:
    """The comment for a file of ``job_id`` made to ``profile_name``; each field is one more name-value pair
    (values are single words)."""
    pairs = {"job": job_id, "profile": profile_name, **fields}
    return " ".join([MARK, *(f"{name} {value}" for name, value in pairs.items())])


def aiprod_tags(comment: str) -> dict[str, str] | None:
    """The name-value pairs of an AIPROD comment; None for any other comment."""
    words = comment.split()
    if not words or words[0] != MARK or len(words) % 2 == 0:
        return None
    tags = dict(zip(words[1::2], words[2::2]))
    return tags if {"job", "profile"} <= tags.keys() else None
