"""An unreadable stored record counts as missing: it is set aside as <name>.corrupt-<time>, the job goes on
(re-rendering only the shot whose record was bad), and reports over many jobs skip a broken one."""

import dagster as dg

from aiprod_assets.cli.summary import job_summary
from aiprod_assets.contracts import RenderedClips, ShotList
from aiprod_assets.costing.job_rows import build_ledger
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import (
    CORRUPT_MARK,
    CorruptRecord,
    artefact_key,
    audit_key,
    read_artefact,
    sidecar_key,
)
from resources.gpu import TorchDevice
from tests.support.fault_backends import FaultyBackends, render_calls
from tests.support.jobs import brief_bytes, run_production

BRIEF = dict(job_id="corrupt-job", resolution="360p", duration_sec=5, characters=[],
             prompt="A lighthouse at dusk. Then the lamp is lit.")


def test_bad_records_are_set_aside_and_the_job_goes_on(tmp_path, store, instance):
    counter = tmp_path / "calls.txt"
    gpu = TorchDevice(device="cpu")
    backends = FaultyBackends(gpu=gpu, counter_file=str(counter))
    job_id = accept(store, "corrupt.json", brief_bytes(**BRIEF), 500)
    assert run_production(store, instance, job_id, gpu=gpu, render_backends=backends).success
    shots = ShotList.model_validate_json(store.get_bytes(artefact_key("shot_list", job_id))).shots
    first = RenderedClips.model_validate_json(store.get_bytes(artefact_key("rendered_clips", job_id))).clips
    rendered_before = len(render_calls(counter))

    bad = first[0]
    store.put_bytes(sidecar_key(job_id, bad.shot_id, bad.spec_hash), b'{"shot_id": "s01-01", "uri": tru')
    store.append_line(audit_key(job_id), "\x00 garbage, not an event")
    result = run_production(store, instance, job_id, gpu=gpu, render_backends=backends)
    assert result.success
    assert render_calls(counter)[rendered_before:] == [bad.shot_id]  # that shot alone, again
    clips = RenderedClips.model_validate_json(store.get_bytes(artefact_key("rendered_clips", job_id))).clips
    assert [c.reused for c in clips] == [False] + [True] * (len(shots) - 1)
    aside = [k for k in store.list_keys(f"jobs/{job_id}/clips") if CORRUPT_MARK in k]
    assert len(aside) == 1 and aside[0].startswith(sidecar_key(job_id, bad.shot_id, bad.spec_hash))
    [delivery] = [e for e in result.get_asset_materialization_events()
                  if e.asset_key == dg.AssetKey("delivery_manifest")]
    assert delivery.materialization.metadata["audit_lines_skipped"].value == 1.0
    assert any("1 unreadable record(s) set aside" in line for line in job_summary(store, job_id))


def test_a_corrupt_delivery_manifest_is_skipped_by_reports_with_a_warning(tmp_path, store, instance):
    job_id = accept(store, "corrupt.json", brief_bytes(**BRIEF), 500)
    gpu = TorchDevice(device="cpu")
    assert run_production(store, instance, job_id, gpu=gpu,
                          render_backends=FaultyBackends(gpu=gpu, counter_file=str(tmp_path / "c.txt"))).success
    assert len(build_ledger(store)[0]) == 1
    store.put_bytes(artefact_key("delivery_manifest", job_id), b"\x89PNG not a manifest")
    warnings = []
    frame, own_jobs, _ = build_ledger(store, on_skip=warnings.append)
    assert own_jobs == 0 and len(frame) == 0
    assert len(warnings) == 1 and "corrupt-job skipped" in warnings[0] and CORRUPT_MARK in warnings[0]
    # Set aside, the manifest now reads as missing: status and reports carry on.
    assert read_artefact(store, "delivery_manifest", job_id) is None
    store.put_bytes(artefact_key("final_cut", job_id), b"{")
    lines = job_summary(store, job_id)
    assert any(line.startswith("final_cut: ") and "moved aside" in line for line in lines)


def test_reading_a_corrupt_record_raises_once_then_reads_as_missing(store):
    store.put_bytes(artefact_key("shot_list", "odd-job"), b"[1, 2")
    try:
        read_artefact(store, "shot_list", "odd-job")
        raise AssertionError("a corrupt record must not read as a value")
    except CorruptRecord as err:
        assert err.key == "jobs/odd-job/shot_list.json" and store.exists(err.aside)
    assert read_artefact(store, "shot_list", "odd-job") is None
