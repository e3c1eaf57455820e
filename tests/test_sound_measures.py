"""A sound is measured once (qa/sound_measures.py), on real previz clips: a shot whose lighting was edited
keeps its sound's digest, and its sound (and the cut's) is judged from what was kept; another sound, or the
same packets changed in their bytes or times, is decoded and measured; what the checks read is what was kept;
an unreadable entry is measured again and rewritten."""

import dataclasses

import av
import pytest

from aiprod_assets.contracts import ShotList
from aiprod_assets.layout import qa_sound_key
from aiprod_assets.qa.cache import StoredSounds
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.sound_measures import SOUND_VERSION
from aiprod_assets.qa.technical import Expectations, technical_checks
from aiprod_assets.rendering.cut_qa import judge_cut
from aiprod_assets.rendering.final_cut import assemble
from tests.support.sound_clips import PROFILE, render_sound_clips

EXPECT = Expectations(PROFILE, target_duration_sec=1.0)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return render_sound_clips(tmp_path_factory.mktemp("sound-measures"), "sound-measures")


class CountingSounds(StoredSounds):
    def __init__(self, store):
        super().__init__(store)
        self.served, self.measured = [], []

    def kept(self, digest):
        found = super().kept(digest)
        if found is not None:
            self.served.append(digest)
        return found

    def keep(self, digest, measures):
        self.measured.append(digest)
        super().keep(digest, measures)


def _remux(source, target, change):
    """``source``'s packets into ``target``, each audio packet first passed to ``change``."""
    with av.open(str(source)) as given, av.open(str(target), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in (given.streams.video[0], given.streams.audio[0])}
        for packet in given.demux():
            if packet.dts is None:
                continue
            if packet.stream.type == "audio":
                change(packet)
            packet.stream = streams[packet.stream_index]
            out.mux(packet)


def test_a_lighting_edit_keeps_the_sound_another_mood_does_not(clips):
    first, night, tense = (scan(clips[name][1]) for name in ("first", "first-night", "first-tense"))
    assert clips["first"][1].read_bytes() != clips["first-night"][1].read_bytes()
    assert first.audio.digest == night.audio.digest != tense.audio.digest
    assert first.audio.measures == night.audio.measures != tense.audio.measures


def test_an_unchanged_sound_is_served_what_its_decode_measured(clips, store):
    sounds = CountingSounds(store)
    fresh = scan(clips["first"][1], sounds=sounds)
    assert (sounds.served, sounds.measured) == ([], [fresh.audio.digest])
    served = scan(clips["first-night"][1], sounds=sounds)
    assert sounds.served == [fresh.audio.digest] and len(sounds.measured) == 1
    decoded = scan(clips["first-night"][1])
    assert served.audio.measures == decoded.audio.measures
    assert technical_checks(served, EXPECT) == technical_checks(decoded, EXPECT)
    scan(clips["first-tense"][1], sounds=sounds)  # another sound: measured, never served the kept one
    assert len(sounds.served) == 1 and len(sounds.measured) == 2


def test_the_checks_read_the_kept_measures(clips, store):
    """What is kept is what is judged: a doctored entry shows in the checks (so nothing was decoded)."""
    sounds = StoredSounds(store)
    digest = scan(clips["first"][1], sounds=sounds).audio.digest
    loud = dataclasses.replace(sounds.kept(digest), loudness_lufs=-99.0, first_clipped_sec=0.5, clipped_per_sec=80.0)
    sounds.keep(digest, loud)
    checks = {c.id: c for c in technical_checks(scan(clips["first-night"][1], sounds=sounds), EXPECT)}
    assert not checks["loudness"].passed and checks["loudness"].measured == "-99.0 LUFS"
    assert not checks["clipping"].passed and checks["clipping"].timecode_sec == 0.5


def test_the_same_packets_changed_in_bytes_or_times_are_measured_again(clips, store, tmp_path):
    sounds = CountingSounds(store)
    kept = scan(clips["first"][1], sounds=sounds).audio.digest
    same = tmp_path / "same.mp4"
    _remux(clips["first"][1], same, lambda packet: None)
    assert scan(same, sounds=sounds).audio.digest == kept and sounds.served == [kept]

    def later(packet):
        packet.pts, packet.dts = packet.pts + 480, packet.dts + 480

    def flipped(packet):
        if packet.pts == 4096:
            data = bytearray(bytes(packet))
            data[-1] ^= 0x01
            packet.update(bytes(data))

    for name, change in (("later", later), ("flipped", flipped)):
        changed = tmp_path / f"{name}.mp4"
        _remux(clips["first"][1], changed, change)
        media = scan(changed, sounds=sounds)
        assert media.audio.digest != kept, name
        assert media.audio.measures == scan(changed).audio.measures, name
    assert sounds.served == [kept]


def test_an_unreadable_entry_is_measured_again_and_rewritten(clips, store):
    sounds = CountingSounds(store)
    digest = scan(clips["first"][1], sounds=sounds).audio.digest
    key = qa_sound_key(digest, SOUND_VERSION)
    whole = store.get_bytes(key)
    other = scan(clips["first-tense"][1]).audio
    for bad in (whole[: len(whole) // 2], other.measures.to_json(other.digest).encode()):
        store.put_bytes(key, bad)
        assert sounds.kept(digest) is None
        scan(clips["first-night"][1], sounds=sounds)
        assert store.get_bytes(key) == whole
    assert len(sounds.measured) == 3 and sounds.served == []


def test_a_cut_of_an_edited_shot_is_judged_from_the_kept_sound(clips, store, tmp_path):
    shot_list = ShotList(job_id="sound-measures", profile=PROFILE, shots=[clips["first"][0], clips["second"][0]],
                         total_frames=48)
    sounds = CountingSounds(store)
    verdicts = []
    for name in ("first", "first-night"):
        parts = [clips[name], clips["second"]]
        out = tmp_path / name / "cut.mp4"
        out.parent.mkdir()
        made = assemble(parts, PROFILE, out, "t", "c", workdir=out.parent)
        verdicts.append(judge_cut(out, made.spans, shot_list, {p for _, p in parts},
                                  kept_stats=lambda path: scan(path, keep_frames=True).frames, sounds=sounds))
    assert len(sounds.measured) == 1 and len(sounds.served) == 1
    assert verdicts[0].composed and verdicts[1].composed
    sound = ("av_sync", "audio", "loudness", "true_peak", "silence", "audio_dropout", "clipping")
    assert [c for c in verdicts[0].checks if c.id in sound] == [c for c in verdicts[1].checks if c.id in sound]
    assert all(c.passed for c in verdicts[1].checks)
