"""Technical QA once per file: kept by the file's sha256 and what it was judged against, never stale."""

import shutil

from aiprod_assets.layout import qa_cache_key
from aiprod_assets.qa.cache import cached_checks, expectations_digest
from aiprod_assets.qa.technical import Expectations, check_file
from tests.support.media_fixtures import PROFILE, make_clip


def counting():
    calls = []

    def check(path, expect):
        calls.append(str(path))
        return check_file(path, expect)
    return calls, check


def test_a_file_is_decoded_once_for_the_same_expectations(tmp_path, store):
    clip = make_clip(tmp_path / "good.mp4")
    expect = Expectations(PROFILE, 3.0)
    calls, check = counting()
    first = cached_checks(store, clip, expect, check=check)
    again = cached_checks(store, clip, expect, check=check)
    assert first == again and len(calls) == 1 and all(c.passed for c in first)
    other = cached_checks(store, clip, Expectations(PROFILE, 10.0), check=check)  # another target: judged again
    assert len(calls) == 2 and not next(c for c in other if c.id == "duration").passed


def test_a_changed_file_is_never_served_a_stale_result(tmp_path, store):
    path = tmp_path / "clip.mp4"
    shutil.copy(make_clip(tmp_path / "good.mp4"), path)
    expect = Expectations(PROFILE, 3.0)
    calls, check = counting()
    assert all(c.passed for c in cached_checks(store, path, expect, check=check))
    shutil.copy(make_clip(tmp_path / "black.mp4", black=(30, 60)), path)  # same name, other bytes
    changed = cached_checks(store, path, expect, check=check)
    assert len(calls) == 2 and not next(c for c in changed if c.id == "black_frames").passed


def test_an_unreadable_kept_result_is_measured_again(tmp_path, store):
    from aiprod_assets.canonical import file_sha256

    clip = make_clip(tmp_path / "good.mp4")
    expect = Expectations(PROFILE, 3.0)
    store.put_bytes(qa_cache_key(file_sha256(clip), expectations_digest(expect)), b"{half a record")
    calls, check = counting()
    assert all(c.passed for c in cached_checks(store, clip, expect, check=check)) and len(calls) == 1


def test_one_decode_gives_both_the_checks_and_the_pictures_and_both_are_kept(tmp_path, store, monkeypatch):
    import av

    from aiprod_assets.qa.cache import cached_pictures, cached_qa
    from aiprod_assets.qa.semantic import read_pictures

    clip = make_clip(tmp_path / "good.mp4")
    opened = []
    real_open = av.open
    monkeypatch.setattr(av, "open", lambda *a, **k: opened.append(str(a[0])) or real_open(*a, **k))
    checks, pictures = cached_qa(store, clip, Expectations(PROFILE, 3.0), frames=90)
    assert opened == [str(clip)], "one decode of the clip for both"
    assert all(c.passed for c in checks)
    fresh = read_pictures(clip)
    assert len(pictures.rgb) == len(fresh.rgb) and pictures.luma_means == fresh.luma_means
    assert all((a == b).all() for a, b in zip(pictures.rgb, fresh.rgb))
    opened.clear()
    kept = cached_pictures(store, clip)
    assert opened == [] and kept.luma_means == pictures.luma_means, "the QA asset reads them back, no decode"
    assert cached_qa(store, clip, Expectations(PROFILE, 3.0), frames=90)[0] == checks and opened == []


def test_changed_bytes_are_never_served_stale_pictures(tmp_path, store):
    from aiprod_assets.qa.cache import cached_pictures

    path = tmp_path / "clip.mp4"
    shutil.copy(make_clip(tmp_path / "good.mp4"), path)
    bright = cached_pictures(store, path)
    shutil.copy(make_clip(tmp_path / "black.mp4", black=(0, 90)), path)
    dark = cached_pictures(store, path)
    assert max(dark.luma_means) < min(bright.luma_means)


def test_the_kept_pictures_carry_what_the_score_measures_so_the_semantic_report_measures_nothing(tmp_path, store,
                                                                                                  monkeypatch):
    from aiprod_assets.qa import semantic
    from aiprod_assets.qa.cache import cached_pictures, cached_qa
    from tests.support.shots import make_shot

    clip = make_clip(tmp_path / "good.mp4")
    shot = make_shot(frames=90)
    _, measured = cached_qa(store, clip, Expectations(PROFILE, 3.0), frames=90)
    fresh = semantic.read_pictures(clip)
    expected = semantic.score_shot(shot.shot_id, shot.spec, fresh)
    assert measured.motion == fresh.motion and all(
        (a == b).all() for a, b in zip(measured.colours, fresh.colours))

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(semantic, "estimate_motion", no_measuring)
    monkeypatch.setattr(semantic, "dominant_colours", no_measuring)
    kept = cached_pictures(store, clip)
    assert semantic.score_shot(shot.shot_id, shot.spec, kept) == expected
