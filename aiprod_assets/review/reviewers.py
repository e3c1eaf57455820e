"""Reviewers and their tokens: each token is shown once and stored only as its sha256."""

from __future__ import annotations

import re
import secrets

from aiprod_assets.canonical import pretty_json, sha256_hex
from aiprod_assets.layout import (
    REVIEWERS,
    CorruptRecord,
    Store,
    read_record,
    reviewer_key,
)
from aiprod_assets.review.records import ROLES, Reviewer, Role, now_iso

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class InvalidReviewer(ValueError):
    pass


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidReviewer(f"reviewer name {name!r}: 1-64 letters, digits, '.', '_' or '-', starting with a "
                              "letter or digit")
    return name


def reviewers(store: Store) -> list[Reviewer]:
    found = []
    for key in store.list_keys(f"{REVIEWERS}/"):
        try:
            record = read_record(store, key, Reviewer)
        except CorruptRecord:
            continue
        if record is not None:
            found.append(record)
    return sorted(found, key=lambda r: r.name)


def add_reviewer(store: Store, name: str, role: Role) -> str:
    """Add NAME with ROLE (a reviewer added again gets a new token, and the old one stops working)."""
    check_name(name)
    if role not in ROLES:
        raise InvalidReviewer(f"role {role!r} not allowed; one of {', '.join(ROLES)}")
    for old in reviewers(store):
        if old.name == name:
            store.delete(reviewer_key(old.token_sha256))
    token = secrets.token_urlsafe(24)
    record = Reviewer(name=name, role=role, token_sha256=sha256_hex(token), added_at=now_iso())
    store.put_bytes(reviewer_key(record.token_sha256), pretty_json(record).encode("utf-8"))
    return token


def authenticate(store: Store, token: str | None) -> Reviewer | None:
    if not token or len(token) > 200:
        return None
    try:
        return read_record(store, reviewer_key(sha256_hex(token)), Reviewer)
    except CorruptRecord:
        return None


def reviewer_named(store: Store, name: str) -> Reviewer | None:
    return next((r for r in reviewers(store) if r.name == name), None)
