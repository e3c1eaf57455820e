"""QA measured from the pictures the encoder reconstructs: they are the pictures a decode of the file gives,
so every check, kept measurement and semantic picture equals what decoding the clip measures; and where they
do not belong to the file (other bytes, pictures missing) the clip is decoded as before."""

import dataclasses

import av
import numpy as np
import pytest
import torch

from aiprod_assets.canonical import file_sha256
from aiprod_assets.contracts import CheckResult
from aiprod_assets.media import recon
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.as_encoded import EncodedPictureMeter, scan_as_encoded
from aiprod_assets.qa.cache import cached_qa
from aiprod_assets.qa.gate import shot_expectations
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.semantic import ClipPictures, PictureCollector
from aiprod_assets.qa.technical import technical_checks
from aiprod_assets.rendering.previz.renderer import render_measured, render_previz_clip
from aiprod_assets.rendering.providers.conform import conform_clip
from resources.store_factory import make_store
from tests.support.media_fixtures import make_clip
from tests.support.provider_fixtures import PROFILE as PROVIDER_PROFILE
from tests.support.provider_fixtures import provider_shot
from tests.support.shots import make_shot

PROFILE = render_profile("360p")
SHOT = make_shot(frames=45, move="zoom_in")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A clip rendered with its pictures measured as encoded, and the pictures themselves."""
    path = tmp_path_factory.mktemp("as-encoded") / "clip.mp4"
    pictures = []
    meter = EncodedPictureMeter(SHOT.spec.frames)

    def keep(picture):
        pictures.append(picture)
        meter.add(picture)
    render_previz_clip("job-e", SHOT, PROFILE, path, torch.device("cpu"), on_picture=keep)
    return path, pictures, meter.result(path, PROFILE.fps)


def test_the_reconstructed_pictures_are_the_decoded_ones_bit_for_bit_in_order(measured):
    path, pictures, _ = measured
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    assert len(pictures) == len(decoded) == SHOT.spec.frames
    assert [p.pts for p in pictures] == list(range(SHOT.spec.frames))
    for picture, frame in zip(pictures, decoded):
        assert np.array_equal(picture.to_ndarray(), frame.to_ndarray())  # Y, U and V
        assert (picture.colorspace, picture.color_range) == (frame.colorspace, frame.color_range)
    # B-frames come out of the encoder before the pictures they follow: the order above was restored.
    with av.open(str(path)) as container:
        in_coding_order = [p.pts for p in container.demux(video=0) if p.size]
    assert in_coding_order != sorted(in_coding_order)


def test_every_check_and_measurement_equals_a_decode_of_the_file(measured):
    path, _, encoded = measured
    assert encoded.sha256 == file_sha256(path)
    collector = PictureCollector(SHOT.spec.frames)
    decoded = scan(path, on_frame=collector.add, keep_frames=True)
    composed = scan_as_encoded(path, encoded)
    expect = shot_expectations(SHOT, PROFILE)
    assert technical_checks(composed, expect) == technical_checks(decoded, expect)
    for field in dataclasses.fields(decoded.video):
        if field.name != "packet_digests":
            assert getattr(composed.video, field.name) == getattr(decoded.video, field.name), field.name
    for field in dataclasses.fields(decoded.frames):
        ours, theirs = getattr(composed.frames, field.name), getattr(decoded.frames, field.name)
        assert (np.array_equal(ours, theirs, equal_nan=True) if isinstance(theirs, np.ndarray) else ours == theirs)
    ours, theirs = encoded.pictures(), collector.pictures()
    assert len(ours.rgb) == len(theirs.rgb) > 1
    assert all(np.array_equal(a, b) for a, b in zip(ours.rgb, theirs.rgb))
    assert ours.luma_means == theirs.luma_means and np.array_equal(ours.middle, theirs.middle)
    # Motion comes measured picture by picture, as the pictures came: what measuring them all at once gives.
    assert ours.motion is not None and ours.motion == theirs.motion
    assert ours.motion == ClipPictures(rgb=theirs.rgb, luma_means=theirs.luma_means).analysed().motion


def test_the_judge_decodes_a_file_the_measurements_do_not_belong_to(measured, tmp_path):
    path, _, encoded = measured
    other = tmp_path / "other.mp4"
    render_previz_clip("job-e", make_shot(frames=45, move="static", lighting="night"), PROFILE, other,
                       torch.device("cpu"))
    expect = shot_expectations(SHOT, PROFILE)
    store = make_store(str(tmp_path / "store"), in_dagster=False)
    checks, pictures = cached_qa(store, other, expect, SHOT.spec.frames, encoded)
    plain_checks, plain_pictures = cached_qa(make_store(str(tmp_path / "plain"), in_dagster=False), other, expect,
                                             SHOT.spec.frames)
    assert checks == plain_checks and pictures.luma_means == plain_pictures.luma_means
    assert pictures.luma_means != encoded.pictures().luma_means  # the other clip's, not the measured one's


def test_the_judge_uses_the_measurements_without_decoding_the_clip(measured, tmp_path, monkeypatch):
    path, _, encoded = measured
    expect = shot_expectations(SHOT, PROFILE)
    plain = cached_qa(make_store(str(tmp_path / "plain"), in_dagster=False), path, expect, SHOT.spec.frames)
    decodes = []
    real_scan = scan

    def counting_scan(*args, **kwargs):
        decodes.append(kwargs.get("decode_video", True))
        return real_scan(*args, **kwargs)
    monkeypatch.setattr("aiprod_assets.qa.as_encoded.scan", counting_scan)
    monkeypatch.setattr("aiprod_assets.qa.cache.scan", counting_scan)
    checks, pictures = cached_qa(make_store(str(tmp_path / "encoded"), in_dagster=False), path, expect,
                                 SHOT.spec.frames, encoded)
    assert decodes == [False]  # demuxed once, not decoded
    assert checks == plain[0] and all(isinstance(c, CheckResult) for c in checks)
    assert pictures.luma_means == plain[1].luma_means


def test_an_encoder_that_hands_out_no_pictures_leaves_the_clip_to_be_decoded(tmp_path, monkeypatch):
    monkeypatch.setattr(recon, "_context_pointer", lambda context: None)  # as where PyAV's layout is unknown
    seconds, encoded = render_measured("job-e", make_shot(frames=15), PROFILE, tmp_path / "c.mp4",
                                       torch.device("cpu"), measure=True)
    assert seconds > 0 and encoded is None
    with av.open(str(tmp_path / "c.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 15  # the clip itself is whole


def test_the_codec_context_is_found_only_on_a_codec_context():
    assert recon._context_pointer(av.CodecContext.create("libx264", "w")) is not None
    for other in (object(), av.VideoFrame(16, 16, "yuv420p"), "text" * 50, 12345):
        assert recon._context_pointer(other) is None


def test_a_provider_clip_conformed_to_the_profile_is_measured_as_encoded_too(tmp_path):
    source = make_clip(tmp_path / "provider.mp4", width=960, height=540, fps=24, seconds=2)
    shot = provider_shot(frames=45)
    out = tmp_path / "conformed.mp4"
    report = conform_clip(source, out, shot, PROVIDER_PROFILE, "t", "c", measure=True)
    assert report.encoded is not None and report.encoded.sha256 == file_sha256(out)
    expect = shot_expectations(shot, PROVIDER_PROFILE)
    decoded = cached_qa(make_store(str(tmp_path / "decoded"), in_dagster=False), out, expect, 45)
    measured = cached_qa(make_store(str(tmp_path / "measured"), in_dagster=False), out, expect, 45, report.encoded)
    assert measured[0] == decoded[0]
    assert measured[1].luma_means == decoded[1].luma_means
    assert all(np.array_equal(a, b) for a, b in zip(measured[1].rgb, decoded[1].rgb))
    assert conform_clip(source, tmp_path / "plain.mp4", shot, PROVIDER_PROFILE, "t", "c").encoded is None
