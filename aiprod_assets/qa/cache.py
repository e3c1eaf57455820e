"""Technical QA once per file: results kept under the file's sha256 and what it was judged against.

A clip judged while it rendered is not decoded again by the QA assets, nor on a re-run that reuses it.
The key is the file's own hash, so a changed file can never be served another file's result; the
expectations (profile, target duration, what may be frozen) and the checker's version are in the key too,
so a stricter check or another profile judges afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from aiprod_assets.canonical import digest_of, file_sha256, pretty_json
from aiprod_assets.contracts import CachedChecks, CheckResult
from aiprod_assets.layout import CorruptRecord, Store, qa_cache_key, read_record
from aiprod_assets.qa.technical import CHECK_IDS, Expectations, check_file

# Bump when a check's measurement or threshold changes: every cached result is then judged again.
CHECKER_VERSION = "technical-2"


def expectations_digest(expect: Expectations) -> str:
    body = {"checker": CHECKER_VERSION, "checks": list(CHECK_IDS), **asdict(expect),
            "profile": expect.profile.model_dump(mode="json")}
    return digest_of(body)[:16]


def cached_checks(store: Store, path: str | Path, expect: Expectations,
                  check: Callable[[str | Path, Expectations], list[CheckResult]] = check_file) -> list[CheckResult]:
    """The technical checks of the file at ``path``: kept ones when these bytes were judged against the same
    expectations before, else measured now and kept."""
    digest = file_sha256(path)
    wanted = expectations_digest(expect)
    key = qa_cache_key(digest, wanted)
    try:
        kept = read_record(store, key, CachedChecks)
    except CorruptRecord:
        kept = None
    if kept is not None and kept.sha256 == digest and kept.expectations == wanted:
        return kept.checks
    checks = check(path, expect)
    store.put_bytes(key, pretty_json(CachedChecks(sha256=digest, expectations=wanted, checks=checks)).encode())
    return checks
