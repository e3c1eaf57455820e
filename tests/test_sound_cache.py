"""The cut's sound encoded once per distinct sound (media/sound_cache.py), on real previz clips: a cut whose
sound was encoded before (a shot's lighting edited, its sound unchanged) muxes the packets kept for it, to the
very bytes an encode gives; another sound is encoded; a torn entry is encoded again; old entries go."""

import hashlib

import pytest

from aiprod_assets.media import sound_cache
from aiprod_assets.media.sound_cache import SoundEncoder
from aiprod_assets.rendering.final_cut import assemble
from tests.support.sound_clips import PROFILE, render_sound_clips


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return render_sound_clips(tmp_path_factory.mktemp("sound-cache"), "sound-cache")


@pytest.fixture
def replays(monkeypatch):
    """Whether each cut's sound was replayed from the cache (True) or encoded (False), in order."""
    seen = []
    finish = SoundEncoder.finish

    def noting(self):
        seen.append(self.replaying)
        finish(self)

    monkeypatch.setattr(SoundEncoder, "finish", noting)
    return seen


def _cut(clips, names, folder, cache=None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "cut.mp4"
    made = assemble([clips[name] for name in names], PROFILE, out, "title", "comment", sound_cache=cache)
    assert made.copied
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_a_sound_encoded_before_is_muxed_from_its_packets_to_the_same_bytes(clips, tmp_path, replays):
    cache = tmp_path / "cache"
    encoded = _cut(clips, ["first", "second"], tmp_path / "plain")
    assert _cut(clips, ["first", "second"], tmp_path / "kept", cache) == encoded
    assert len(list(cache.iterdir())) == 1
    # The first shot's lighting edited: new pictures, the same sound, so its packets are muxed again.
    edited = _cut(clips, ["first-night", "second"], tmp_path / "edited-plain")
    assert _cut(clips, ["first-night", "second"], tmp_path / "edited", cache) == edited != encoded
    assert replays == [False, False, False, True]
    assert len(list(cache.iterdir())) == 1


def test_another_sound_is_encoded_never_served_the_kept_packets(clips, tmp_path, replays):
    cache = tmp_path / "cache"
    _cut(clips, ["first", "second"], tmp_path / "kept", cache)
    tense = _cut(clips, ["first-tense", "second"], tmp_path / "plain")
    assert _cut(clips, ["first-tense", "second"], tmp_path / "cached", cache) == tense
    assert replays == [False, False, False]
    assert len(list(cache.iterdir())) == 2


def test_a_torn_entry_is_removed_and_the_sound_encoded_and_kept_again(clips, tmp_path, replays):
    cache = tmp_path / "cache"
    encoded = _cut(clips, ["first", "second"], tmp_path / "kept", cache)
    (entry,) = cache.iterdir()
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])
    assert _cut(clips, ["first", "second"], tmp_path / "after-tear", cache) == encoded
    entry.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))  # one bit of one packet changed
    assert _cut(clips, ["first", "second"], tmp_path / "after-flip", cache) == encoded
    assert replays == [False, False, False]
    assert entry.read_bytes() == whole
    assert _cut(clips, ["first", "second"], tmp_path / "again", cache) == encoded and replays[-1] is True


def test_only_the_most_recently_used_sounds_are_kept(clips, tmp_path, monkeypatch, replays):
    monkeypatch.setattr(sound_cache, "KEPT_SOUNDS", 1)
    cache = tmp_path / "cache"
    _cut(clips, ["first", "second"], tmp_path / "one", cache)
    _cut(clips, ["first-tense", "second"], tmp_path / "two", cache)
    assert len(list(cache.iterdir())) == 1
    _cut(clips, ["first-tense", "second"], tmp_path / "three", cache)
    _cut(clips, ["first", "second"], tmp_path / "four", cache)
    assert replays == [False, False, True, False]


def test_a_sound_that_cannot_be_kept_leaves_the_cut_as_made_and_no_part_behind(clips, tmp_path, monkeypatch):
    encoded = _cut(clips, ["first", "second"], tmp_path / "plain")

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sound_cache.os, "replace", full_disk)
    cache = tmp_path / "cache"
    assert _cut(clips, ["first", "second"], tmp_path / "unkept", cache) == encoded
    assert list(cache.iterdir()) == []
