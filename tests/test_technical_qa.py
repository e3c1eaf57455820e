"""Technical QA on real files made with PyAV: each off-spec file fails exactly its checks."""

import pytest

from aiprod_assets.qa.technical import CHECK_IDS, Expectations, check_file
from tests.support.media_fixtures import OFF_SPEC, PROFILE, build_fixtures

# A cut-off file loses its tail mid-packet; the timing checks that read what is left fail with it.
TRUNCATION_CONSEQUENCES = {"av_sync", "frame_rate", "constant_frame_rate", "duration", "bitrate"}
MEASURED = {
    "720p": ("resolution", "1280x720 SAR 1:1"),
    "25fps": ("frame_rate", "25.000 fps"),
    "vfr": ("constant_frame_rate", "2 distinct frame interval(s)"),
    "hevc": ("codec", "hevc Main"),
    "mono-44k": ("audio", "aac LC 44100 Hz mono"),
    "10bit": ("pix_fmt", "yuv420p10le"),
    "full-range": ("color_range", "pc"),
    "moov-at-end": ("faststart", "ftyp free mdat moov"),
    "black-run": ("black_frames", "longest black run 1.00s"),
    "silent": ("silence", "all silent"),
    "no-metadata": ("metadata", "missing title, comment"),
    "no-audio": ("audio", "no audio stream"),
}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return build_fixtures(tmp_path_factory.mktemp("qa-fixtures"))


def failed(path):
    return {c.id: c for c in check_file(path, Expectations(PROFILE, target_duration_sec=3.0)) if not c.passed}


@pytest.mark.parametrize("name", sorted(OFF_SPEC))
def test_off_spec_file_fails_exactly_its_checks(fixtures, name):
    failures = failed(fixtures[name])
    assert set(failures) == OFF_SPEC[name][1]
    if name in MEASURED:
        check_id, measured = MEASURED[name]
        assert failures[check_id].measured == measured


def test_every_check_is_reported_with_stable_ids(fixtures):
    checks = check_file(fixtures["good"], Expectations(PROFILE, target_duration_sec=3.0))
    assert [c.id for c in checks] == list(CHECK_IDS)
    assert all(c.passed and c.expected for c in checks)


def test_measured_values_carry_the_numbers(fixtures):
    assert 11 <= float(failed(fixtures["12mbps"])["bitrate"].measured.split()[0]) <= 16
    assert float(failed(fixtures["too-loud"])["loudness"].measured.split()[0]) == pytest.approx(-13, abs=0.5)
    frozen = failed(fixtures["frozen-run"])["frozen_frames"]
    assert frozen.timecode_sec == pytest.approx(1.0, abs=0.05) and "0.9" in frozen.measured
    assert failed(fixtures["black-run"])["black_frames"].timecode_sec == pytest.approx(1.0, abs=0.05)


def test_truncated_file_fails_integrity_with_a_timecode(fixtures):
    failures = failed(fixtures["truncated"])
    assert "integrity" in failures and set(failures) - {"integrity"} <= TRUNCATION_CONSEQUENCES
    assert failures["integrity"].timecode_sec is not None and failures["integrity"].timecode_sec < 3.0


def test_profile_comes_from_the_expectations_not_the_code(fixtures):
    from aiprod_assets.planning.profiles import render_profile

    as_720p = check_file(fixtures["720p"], Expectations(render_profile("720p"), target_duration_sec=3.0))
    assert {c.id for c in as_720p if not c.passed} == set()


def test_duration_and_unreadable_input(fixtures, tmp_path):
    long = {c.id for c in check_file(fixtures["good"], Expectations(PROFILE, target_duration_sec=6.0))
            if not c.passed}
    assert long == {"duration"}
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video at all")
    results = {c.id: c for c in check_file(garbage, Expectations(PROFILE))}
    assert not results["integrity"].passed and "cannot open" in results["integrity"].measured
    assert not any(c.passed for c in results.values())
