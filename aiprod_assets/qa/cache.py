"""QA once per file: technical results and the pictures semantic QA reads, kept under the file's sha256.

A clip judged while it rendered is not decoded again by the QA assets, nor on a re-run that reuses it:
one decode measures the technical checks and samples the pictures. The key is the file's own hash, so a
changed file can never be served another file's result; the expectations (profile, target duration,
what may be frozen) and the checker's version are in the key too, so a stricter check or another
profile judges afresh.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from aiprod_assets.canonical import digest_of, file_sha256, pretty_json
from aiprod_assets.contracts import CachedChecks, CheckResult
from aiprod_assets.layout import (
    CorruptRecord,
    Store,
    qa_cache_key,
    qa_frames_key,
    qa_pictures_key,
    qa_sound_key,
    read_record,
)
from aiprod_assets.qa.as_encoded import EncodedPictures, scan_as_encoded
from aiprod_assets.qa.frame_stats import FrameStats, stats_bytes, stats_from_bytes
from aiprod_assets.qa.motion import Motion
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.semantic import ClipPictures, PictureCollector, read_pictures
from aiprod_assets.qa.sound_measures import SOUND_VERSION, SoundMeasures
from aiprod_assets.qa.technical import (
    CHECK_IDS,
    Expectations,
    check_file,
    technical_checks,
)

# Bump when a check's measurement or threshold changes: every cached result is then judged again.
CHECKER_VERSION = "technical-2"
PICTURES_VERSION = "pictures-4"
FRAMES_VERSION = "frames-1"


def expectations_digest(expect: Expectations) -> str:
    body = {"checker": CHECKER_VERSION, "checks": list(CHECK_IDS), **asdict(expect),
            "profile": expect.profile.model_dump(mode="json")}
    return digest_of(body)[:16]


def _kept_checks(store: Store, digest: str, wanted: str) -> list[CheckResult] | None:
    try:
        kept = read_record(store, qa_cache_key(digest, wanted), CachedChecks)
    except CorruptRecord:
        return None
    return kept.checks if kept is not None and kept.sha256 == digest and kept.expectations == wanted else None


def _keep_checks(store: Store, digest: str, wanted: str, checks: list[CheckResult]) -> None:
    store.put_bytes(qa_cache_key(digest, wanted),
                    pretty_json(CachedChecks(sha256=digest, expectations=wanted, checks=checks)).encode())


def _kept_pictures(store: Store, digest: str) -> ClipPictures | None:
    key = qa_pictures_key(digest, PICTURES_VERSION)
    if not store.exists(key):
        return None
    try:
        with np.load(io.BytesIO(store.get_bytes(key))) as kept:
            middle = kept["middle"] if kept["middle"].size else None
            return ClipPictures(rgb=[p.astype(np.float64) / 255 for p in kept["rgb"]],
                                luma_means=[float(m) for m in kept["means"]], middle=middle,
                                motion=Motion(*(float(v) for v in kept["motion"])),
                                colours=(kept["centres"], kept["weights"]))
    except (ValueError, KeyError, OSError):
        return None  # unreadable: measured again and rewritten


def _keep_pictures(store: Store, digest: str, pictures: ClipPictures) -> None:
    # Kept as the 8-bit pictures they were sampled from: k / 255 comes back exactly.
    small = [np.round(p * 255).astype(np.uint8) for p in pictures.rgb]
    pictures.analysed()
    motion = pictures.motion
    buffer = io.BytesIO()
    np.savez_compressed(buffer, rgb=np.stack(small) if small else np.zeros((0, 90, 160, 3), np.uint8),
                        means=np.array(pictures.luma_means),
                        middle=pictures.middle if pictures.middle is not None else np.zeros(0, np.uint8),
                        motion=np.array([motion.pan, motion.tilt, motion.zoom, motion.rotation, motion.jerk]),
                        centres=pictures.colours[0], weights=pictures.colours[1])
    store.put_bytes(qa_pictures_key(digest, PICTURES_VERSION), buffer.getvalue())


class StoredSounds:
    """What was measured of each sound, in the store by its stream's digest (qa/sound_measures.py): an
    edited shot whose sound is unchanged, and the cut made of it, are not decoded for their sound again."""

    def __init__(self, store: Store):
        self.store = store

    def kept(self, digest: str) -> SoundMeasures | None:
        key = qa_sound_key(digest, SOUND_VERSION)
        if not self.store.exists(key):
            return None
        try:
            return SoundMeasures.from_json(self.store.get_bytes(key), digest)
        except (ValueError, KeyError, TypeError, OSError):
            return None  # unreadable: measured again and rewritten

    def keep(self, digest: str, measures: SoundMeasures) -> None:
        self.store.put_bytes(qa_sound_key(digest, SOUND_VERSION), measures.to_json(digest).encode())


def cached_checks(store: Store, path: str | Path, expect: Expectations,
                  check: Callable[[str | Path, Expectations], list[CheckResult]] = check_file) -> list[CheckResult]:
    """The technical checks of the file at ``path``: kept ones when these bytes were judged against the same
    expectations before, else measured now and kept."""
    digest, wanted = file_sha256(path), expectations_digest(expect)
    kept = _kept_checks(store, digest, wanted)
    if kept is not None:
        return kept
    checks = check(path, expect)
    _keep_checks(store, digest, wanted, checks)
    return checks


def cached_qa(store: Store, path: str | Path, expect: Expectations, frames: int,
              encoded: EncodedPictures | None = None) -> tuple[list[CheckResult], ClipPictures]:
    """The technical checks and the semantic pictures of one file, from one decode at most: none where
    ``encoded`` measured these very bytes as they were encoded (qa/as_encoded.py)."""
    digest, wanted = file_sha256(path), expectations_digest(expect)
    checks, pictures = _kept_checks(store, digest, wanted), _kept_pictures(store, digest)
    if checks is not None and pictures is not None:
        return checks, pictures
    measured = encoded if encoded is not None and encoded.sha256 == digest else None
    if checks is None:
        sounds = StoredSounds(store)
        media = scan_as_encoded(path, measured, sounds) if measured is not None else None
        if media is None:
            measured, collector = None, PictureCollector(frames)
            media = scan(path, on_frame=collector.add, keep_frames=True, sounds=sounds)
        checks = technical_checks(media, expect)
        _keep_checks(store, digest, wanted, checks)
        if media.frames is not None:
            _keep_frame_stats(store, digest, media.frames)
        pictures = measured.pictures() if measured is not None else collector.pictures()
    else:
        pictures = measured.pictures() if measured is not None else read_pictures(path)
    _keep_pictures(store, digest, pictures)
    return checks, pictures


def cached_pictures(store: Store, path: str | Path) -> ClipPictures:
    """The pictures semantic QA reads: kept ones for these bytes, else decoded now and kept."""
    digest = file_sha256(path)
    kept = _kept_pictures(store, digest)
    if kept is not None:
        return kept
    pictures = read_pictures(path)
    _keep_pictures(store, digest, pictures)
    return pictures


def _keep_frame_stats(store: Store, digest: str, stats: FrameStats) -> None:
    store.put_bytes(qa_frames_key(digest, FRAMES_VERSION), stats_bytes(stats))


def cached_frame_stats(store: Store, path: str | Path) -> FrameStats | None:
    """Each frame's measurements of the file at ``path``: kept ones for these bytes, else measured now and
    kept; None when it has no picture that decodes."""
    digest = file_sha256(path)
    key = qa_frames_key(digest, FRAMES_VERSION)
    if store.exists(key):
        try:
            return stats_from_bytes(store.get_bytes(key))
        except (ValueError, KeyError, OSError):
            pass  # unreadable: measured again and rewritten
    stats = scan(path, keep_frames=True, sounds=StoredSounds(store)).frames
    if stats is not None:
        _keep_frame_stats(store, digest, stats)
    return stats
