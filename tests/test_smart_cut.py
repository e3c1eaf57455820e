"""The smart-render cut on real previz clips: straight cuts copied at the bitstream level, only the
crossfades encoded, the frame count and cut points as planned, timestamps monotonic, QA passing."""

import os
import shutil
import subprocess

import av
import numpy as np
import pytest
import torch

from aiprod_assets.contracts import ShotList
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.cut_scan import CannotCompose, Span, compose_cut_scan
from aiprod_assets.qa.cuts import (
    count_segments,
    segments_from_changes,
    small_luma_frames,
    thumbnail,
)
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.technical import Expectations, check_file, technical_checks
from aiprod_assets.rendering.cut_qa import judge_cut
from aiprod_assets.rendering.final_cut import assemble, assemble_final_cut
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.rendering.transitions import crossfade_frames, cut_keyframes
from tests.support.shots import make_shot

PROFILE = render_profile("360p", "16:9", 24)
# Three shots of different pictures: a cut, then a crossfade.
PLAN = [("s01-01", 36, "pan", "natural", "cut"), ("s02-01", 30, "zoom_in", "night", "cut"),
        ("s03-01", 40, "orbit", "golden-hour", "crossfade")]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smart-cut")
    made = []
    for index, (shot_id, frames, move, lighting, transition) in enumerate(PLAN):
        shot = make_shot(frames=frames, move=move, lighting=lighting, seed=7 + index).model_copy(update={
            "shot_id": shot_id, "scene_id": shot_id[:3], "index": index, "transition_in": transition})
        shot = shot.model_copy(update={"spec": shot.spec.model_copy(update={"duration_sec": frames / 24})})
        path = folder / f"{shot_id}.mp4"
        render_previz_clip("smart-cut", shot, PROFILE, path, torch.device("cpu"))
        made.append((shot, path))
    return made


def _keyframes(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(round(p.pts * stream.time_base * 24) for p in container.demux(stream) if p.is_keyframe)


def test_a_clip_has_a_keyframe_where_its_crossfade_ends(clips):
    shot, path = clips[2]
    fade = crossfade_frames(PROFILE, shot.spec.frames)
    assert cut_keyframes(shot, PROFILE) == {fade}
    assert fade in _keyframes(path) and 0 in _keyframes(path)
    assert _keyframes(clips[1][1]) == [0, PROFILE.gop_frames] if clips[1][0].spec.frames > PROFILE.gop_frames \
        else _keyframes(clips[1][1]) == [0]


def test_the_cut_copies_straight_cuts_and_encodes_only_the_crossfade(clips, tmp_path):
    out = tmp_path / "cut.mp4"
    frames, copied = assemble_final_cut(clips, PROFILE, out, "title", "comment")
    total = sum(s.spec.frames for s, _ in clips)
    assert copied and frames == total
    # The copied spans are the clips' own packets, byte for byte.
    with av.open(str(out)) as cut, av.open(str(clips[0][1])) as first:
        cut_packets = [bytes(p) for p in cut.demux(cut.streams.video[0]) if p.size]
        first_packets = [bytes(p) for p in first.demux(first.streams.video[0]) if p.size]
    assert cut_packets[:len(first_packets)] == first_packets
    assert len(cut_packets) == total
    with av.open(str(out)) as cut:
        dts = [p.dts for p in cut.demux(cut.streams.video[0]) if p.size]
    with av.open(str(out)) as cut:
        pts = [f.pts for f in cut.decode(cut.streams.video[0])]
    assert all(b > a for a, b in zip(dts, dts[1:])), "decode timestamps strictly increase"
    assert len(pts) == total and all(b > a for a, b in zip(pts, pts[1:]))
    checks = check_file(out, Expectations(PROFILE, target_duration_sec=total / 24))
    assert [c.id for c in checks if not c.passed] == []
    shots = [s for s, _ in clips]
    segments, starts = count_segments(small_luma_frames(out), shots, crossfade_frames(PROFILE, 30))
    assert (segments, starts) == (3, [36, 66])


def test_the_copied_cut_shows_what_the_encoded_cut_shows(clips, tmp_path):
    copied, encoded = tmp_path / "copied.mp4", tmp_path / "encoded.mp4"
    assemble_final_cut(clips, PROFILE, copied, "t", "c")
    frames, was_copied = assemble_final_cut(clips, PROFILE, encoded, "t", "c", copy=False)
    assert not was_copied
    a, b = small_luma_frames(copied), small_luma_frames(encoded)
    assert len(a) == len(b) == frames
    # Two encodes of the same pictures: close everywhere, the dissolve included.
    assert max(float(np.abs(x.astype(np.int16) - y).mean()) for x, y in zip(a, b)) < 3.0


def test_clips_of_other_encoder_settings_fall_back_to_encoding_the_whole_cut(clips, tmp_path):
    other = PROFILE.model_copy(update={"video_bitrate_target_bps": 3_000_000})
    shot, _ = clips[1]
    odd = tmp_path / "odd.mp4"
    render_previz_clip("smart-cut", shot, other, odd, torch.device("cpu"))
    frames, copied = assemble_final_cut([clips[0], (shot, odd), clips[2]], PROFILE, tmp_path / "cut.mp4", "t", "c")
    assert not copied and frames == sum(s.spec.frames for s, _ in clips)


def test_the_copied_cut_is_judged_from_its_clips_as_a_decode_of_it_would_judge_it(clips, tmp_path):
    """Composed from the clips' kept measurements plus a decode of the crossfade alone: every check, every
    per-frame measurement and the shot count equal those of decoding the whole cut."""
    out = tmp_path / "cut.mp4"
    made = assemble(clips, PROFILE, out, "t", "c", workdir=tmp_path)
    assert made.copied and [s.first for s in made.spans] == [0, 0, 0, 12]  # the dissolve's encode, then clip 3
    measured = []

    def stats_of(path):
        measured.append(path)
        return scan(path, keep_frames=True).frames

    composed = compose_cut_scan(out, made.spans, stats_of)
    assert measured == [span.path for span in made.spans]
    thumbnails = []
    decoded = scan(out, on_frame=lambda frame: thumbnails.append(thumbnail(frame)))
    assert composed.media.video.decoded_frames == decoded.video.decoded_frames == 106
    assert composed.media.video.luma_means == decoded.video.luma_means
    assert composed.media.video.frame_changes == decoded.video.frame_changes
    assert composed.media.video.luma_legal_share == decoded.video.luma_legal_share
    assert composed.media.video.flash == decoded.video.flash
    expect = Expectations(PROFILE, target_duration_sec=106 / 24)
    assert technical_checks(composed.media, expect) == technical_checks(decoded, expect)
    shots = [s for s, _ in clips]
    fade = crossfade_frames(PROFILE, 30)
    assert (segments_from_changes(composed.thumb_changes, composed.picture, shots, fade)
            == count_segments(thumbnails, shots, fade) == (3, [36, 66]))


def test_a_cut_whose_packets_are_not_its_parts_is_decoded_instead(clips, tmp_path):
    out = tmp_path / "cut.mp4"
    made = assemble(clips, PROFILE, out, "t", "c", workdir=tmp_path)
    # The second clip's measurements offered for the first one's frames: its packets differ from the cut's.
    swapped = [Span(path=made.spans[1].path, first=0, frames=made.spans[0].frames), *made.spans[1:]]
    with pytest.raises(CannotCompose, match="not the file's"):
        compose_cut_scan(out, swapped, lambda path: scan(path, keep_frames=True).frames)
    shot_list = ShotList(job_id="smart-cut", profile=PROFILE, shots=[s for s, _ in clips], total_frames=106)
    verdict = judge_cut(out, swapped, shot_list, {p for _, p in clips},
                        kept_stats=lambda path: scan(path, keep_frames=True).frames)
    assert not verdict.composed and verdict.how.startswith("decoded:") and all(c.passed for c in verdict.checks)
    assert (verdict.segments, verdict.starts) == (3, [36, 66])
    good = judge_cut(out, made.spans, shot_list, {p for _, p in clips},
                     kept_stats=lambda path: scan(path, keep_frames=True).frames)
    assert good.composed and good.how.startswith("composed") and good.checks == verdict.checks


@pytest.mark.skipif(shutil.which("ffmpeg") is None and not os.environ.get("CI"),
                    reason="Debian's ffmpeg is not installed (.ci/run installs it)")
def test_debians_ffprobe_and_ffmpeg_read_the_copied_cut_without_an_error(clips, tmp_path):
    out = tmp_path / "cut.mp4"
    assert assemble_final_cut(clips, PROFILE, out, "t", "c")[1]
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "null", "-"],
                             capture_output=True, text=True, timeout=120)
    assert decoded.returncode == 0 and decoded.stderr.strip() == "", decoded.stderr
    probed = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                             "stream=nb_read_frames", "-of", "csv=p=0", str(out)], capture_output=True, text=True,
                            timeout=120)
    assert probed.returncode == 0 and probed.stderr.strip() == "" and int(probed.stdout) == 106


def test_a_crossfade_between_clips_it_was_made_of_before_is_the_same_bytes_unencoded(clips, tmp_path,
                                                                                      monkeypatch):
    from aiprod_assets.rendering import fade_memo, smart_cut

    monkeypatch.setattr(fade_memo, "_kept", type(fade_memo._kept)())
    first, again = tmp_path / "first" / "cut.mp4", tmp_path / "again" / "cut.mp4"
    first.parent.mkdir(), again.parent.mkdir()
    assert assemble(clips, PROFILE, first, "t", "c", workdir=first.parent).copied
    encoded = []
    encode = smart_cut._encode_fade
    monkeypatch.setattr(smart_cut, "_encode_fade", lambda out, *args: encoded.append(out) or encode(out, *args))
    assert assemble(clips, PROFILE, again, "t", "c", workdir=again.parent).copied
    assert encoded == [], "the same two clips: their dissolve is not encoded again"
    fade = f"{clips[2][0].shot_id}-fade.mp4"
    assert (again.parent / fade).read_bytes() == (first.parent / fade).read_bytes()
    assert _video_packets(again) == _video_packets(first)

    # Either clip changed (the shot before it, edited): the dissolve is encoded anew, from the new pictures.
    shot, _ = clips[1]
    edited = shot.model_copy(update={"spec": shot.spec.model_copy(update={"lighting": "studio"})})
    edited_path = tmp_path / "edited.mp4"
    render_previz_clip("smart-cut", edited, PROFILE, edited_path, torch.device("cpu"))
    changed = tmp_path / "changed" / "cut.mp4"
    changed.parent.mkdir()
    assert assemble([clips[0], (edited, edited_path), clips[2]], PROFILE, changed, "t", "c",
                    workdir=changed.parent).copied
    assert encoded == [changed.parent / fade]
    assert (changed.parent / fade).read_bytes() != (first.parent / fade).read_bytes()


def _video_packets(path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]
