"""The `aiprod` console script as a user runs it, in fresh processes on a temporary home."""

import json

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.intake.submission import latest_rejection
from aiprod_assets.partitions import jobs_partitions
from resources.artifact_store import LocalArtifactStore
from tests.support.cli import aiprod
from tests.support.jobs import EXAMPLES, REPO

BAD = REPO / "tests" / "bad_briefs"


@pytest.fixture
def home(tmp_path):
    return tmp_path


def test_submit_files_the_brief_where_the_brief_asset_reads_it_and_adds_the_partition(home):
    done = aiprod(home, "submit", EXAMPLES / "product-teaser.json")
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()
    assert job_id.startswith("product-teaser-") and len(job_id) == len("product-teaser-") + 8
    accepted = home / ".aiprod" / "store" / "briefs" / "accepted" / f"{job_id}.json"
    assert accepted.read_bytes() == (EXAMPLES / "product-teaser.json").read_bytes()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".aiprod" / "dagster"))) as instance:
        assert instance.has_dynamic_partition(jobs_partitions.name, job_id)


def test_submit_invalid_brief_exits_nonzero_and_keeps_it_with_its_report(home):
    done = aiprod(home, "submit", BAD / "budget-over-cap.json")
    assert done.returncode == 2
    assert "budget_usd" in done.stderr and "at most 500" in done.stderr
    store = LocalArtifactStore(root=str(home / ".aiprod" / "store"))
    report_key = latest_rejection(store, "budget-over-cap.json")
    assert store.get_bytes(report_key.replace(".error.json", ".json")) == (BAD / "budget-over-cap.json").read_bytes()
    report = json.loads(store.get_bytes(report_key))
    assert report["errors"][0]["field"] == "budget_usd"
    assert not (home / ".aiprod" / "store" / "briefs" / "incoming").exists()


def test_run_goes_through_the_final_cut_then_status_reports_it(home):
    done = aiprod(home, "run", EXAMPLES / "product-teaser.json")
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split()[1].rstrip(":")
    assert job_id.startswith("product-teaser-")
    assert "approved" in done.stdout and f"job {job_id}: delivered" in done.stdout
    assert "final cut 6.00s" in done.stdout and "QA: technical pass" in done.stdout
    steps = len(JOB_ASSETS)
    assert f"{steps}/{steps}" in done.stderr  # the progress bar reached every step
    assert "shot 2/2 s01-02: rendered by previz" in done.stderr  # per-shot progress lines
    # The job's first shot, foreseen from the brief, rendered while the command loaded Dagster (cli/shot_ahead.py).
    assert "shot s01-01: rendered ahead, before this run asked for it" in done.stderr
    job_dir = home / ".aiprod" / "store" / "jobs" / job_id
    assert {p.name for p in job_dir.iterdir()} >= {"cost_estimate.json", "rendered_clips.json", "final_cut.mp4",
                                                  "contact_sheet.png", "clips", "delivery_manifest.json",
                                                  "qa_report.html"}
    assert "prompt adherence: not judged (no vision judge configured)" in done.stdout
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".aiprod" / "dagster"))) as instance:
        cut = instance.get_latest_materialization_event(dg.AssetKey("final_cut")).asset_materialization
    # The device worker made the cut while the last clip was judged (rendering/final_cut_ahead.py).
    assert cut.metadata["made_ahead"].value is True and cut.metadata["stream_copied"].value is True
    status = aiprod(home, "status", job_id)
    assert status.returncode == 0, status.stderr
    assert "delivery_manifest     materialized" in status.stdout and "SUCCESS" in status.stdout
    # The 720p cut is judged against its own job's profile, read from its tags, with no flags.
    judged = aiprod(home, "qa", job_dir / "final_cut.mp4")
    assert judged.returncode == 0, judged.stdout
    assert judged.stdout.splitlines()[0].endswith(f"against 720p-16x9-30 (from the file's AIPROD tags, job {job_id})")


def test_run_refuses_an_invalid_brief_before_any_run(home):
    done = aiprod(home, "run", BAD / "injection-ignore-instructions.json")
    assert done.returncode == 2 and "prompt" in done.stderr
    assert not (home / ".aiprod" / "store" / "jobs").exists()


def test_a_tiny_budget_is_refused_on_one_line_with_a_true_minimum(home):
    import re

    brief = json.loads((EXAMPLES / "city-night-chase.json").read_text())
    (home / "tiny.json").write_text(json.dumps({**brief, "job_id": "tiny-budget", "budget_usd": 0.0001}))
    done = aiprod(home, "run", home / "tiny.json")
    assert done.returncode == 1
    said = [line for line in re.split(r"[\r\n]", done.stderr) if line.strip() and "%|" not in line]
    refusals = [line for line in said if "refused" in line]
    assert len(refusals) == 1 and "Traceback" not in done.stderr and "ERROR" not in done.stderr, said
    minimum = float(re.search(r"at least \$([0-9.]+)", refusals[0]).group(1))
    estimate = json.loads((home / ".aiprod/store/jobs/tiny-budget/cost_estimate.json").read_text())
    assert minimum > 0 and minimum >= estimate["total_usd"]
    assert "veo requested but not enabled here" in done.stdout


def test_status_of_unknown_or_malformed_job(home):
    unknown = aiprod(home, "status", "no-such-job")
    assert unknown.returncode == 1 and "no job no-such-job" in unknown.stderr
    malformed = aiprod(home, "status", "../etc")
    assert malformed.returncode == 2 and "lowercase letters" in malformed.stderr


def test_qa_command_passes_a_good_file_and_fails_an_off_spec_one(home):
    from tests.support.media_fixtures import make_clip

    good = make_clip(home / "good.mp4")
    done = aiprod(home, "qa", good, "--profile", "360p30", "--duration", "3", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] is True
    assert [c["id"] for c in report["checks"]][:3] == ["integrity", "container", "faststart"]
    assert set(report["checks"][0]) == {"id", "passed", "measured", "expected", "timecode"}
    loud = make_clip(home / "loud.mp4", loudness=-13.0)
    table = aiprod(home, "qa", loud, "--profile", "360p30")
    assert table.returncode == 1 and "loudness" in table.stdout and "FAIL" in table.stdout
    assert aiprod(home, "qa", loud, "--profile", "8k").returncode == 2
    untagged = aiprod(home, "qa", good)
    assert "against 1080p-16x9-30 (assumed: the file carries no AIPROD profile" in untagged.stdout.splitlines()[0]
    assert untagged.returncode == 1  # a 360p file is not a 1080p one
    usage = aiprod(home, "qa", "--help")
    assert all(f"{code} " in usage.stdout.split("Exit codes:")[1] for code in (0, 1, 2))
    garbage = home / "garbage.mp4"
    garbage.write_bytes(b"no video here")
    unreadable = aiprod(home, "qa", garbage)
    assert unreadable.returncode == 2 and "unreadable" in unreadable.stderr


def test_cost_import_refuses_bad_rows_whole_and_report_sums_the_ledger(home):
    header = ("job_id,finished_at,complexity,duration_sec,resolution,backend,device,quantization,batch_size,"
              "gpu_count,framework,spot,estimate_usd,actual_usd")
    good = [f"ext-{i},2026-11-0{i}T10:00:00+00:00,0.5,10,1080p,veo,api,FP16,1,1,pytorch,false,5.0,{4 + i}"
            for i in range(1, 4)]
    bad = home / "bad.csv"
    bad.write_text("\n".join([header, good[0], good[1].replace(",0.5,", ",1.7,"), good[2]]) + "\n")
    refused = aiprod(home, "cost", "import", bad)
    assert refused.returncode == 2 and "line 3" in refused.stderr and "nothing imported" in refused.stderr
    assert not (home / ".aiprod" / "store" / "cost").exists()
    ok = home / "billing.csv"
    ok.write_text("\n".join([header, *good]) + "\n")
    imported = aiprod(home, "cost", "import", ok)
    assert imported.returncode == 0 and "imported 3 row(s)" in imported.stdout
    report = json.loads(aiprod(home, "cost", "report", "--json").stdout)
    assert report["jobs"] == 3 and report["total_usd"] == 18.0 and report["by_backend"] == {"veo": 18.0}
    assert report["by_day"]["2026-11-02"] == 6.0
    # Estimates of $5 against actuals of $5, $6, $7: (actual - estimate) / estimate, as in variance_pct.
    assert report["estimate_accuracy"]["mape_pct"] == pytest.approx(100 * (0 + 1 / 5 + 2 / 5) / 3, abs=0.01)
    assert report["estimate_accuracy"]["bias_pct"] == pytest.approx(20.0, abs=0.01)
    table = aiprod(home, "cost", "report")
    assert "3 job(s), $18.00 in all" in table.stdout
    assert "MAPE 20.0%: over 3 job(s)" in table.stdout and "bias +20.0%: jobs cost 20.0% more than estimated" in table.stdout


def test_deliver_renew_signs_every_deliverable_again_on_gcs(home):
    import uuid

    from aiprod_assets.canonical import pretty_json
    from aiprod_assets.contracts import CostCertification, Deliverable, DeliveryManifest
    from aiprod_assets.testing.gcs_emulator import client, running_emulator
    from tests.support.signing import SERVICE_ACCOUNT_JSON, verify_v4_url

    with running_emulator() as port:
        bucket = f"renew-{uuid.uuid4().hex[:8]}"
        client().create_bucket(bucket)
        base = f"gs://{bucket}/prod/jobs/renew-job"
        manifest = DeliveryManifest(
            job_id="renew-job", deliverables=[Deliverable(kind="final_cut", uri=f"{base}/final_cut.mp4", sha256="0" * 64,
                                                          size_bytes=5, signed_url="https://old", expires_at="2026-01-01")],
            cost=CostCertification(estimate_usd=1, actual_usd=1, variance_pct=0, within_budget=True),
            qa_summary={}, lineage={})
        client().bucket(bucket).blob("prod/jobs/renew-job/delivery_manifest.json").upload_from_string(pretty_json(manifest))
        env_extra = {"AIPROD_STORE": f"gs://{bucket}/prod", "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port}",
                     "AIPROD_GCS_SIGNING_KEY": SERVICE_ACCOUNT_JSON, "GOOGLE_CLOUD_PROJECT": "aiprod-test"}
        done = aiprod(home, "deliver", "renew-job", "--renew", env_extra=env_extra)
        assert done.returncode == 0, done.stderr
        assert SERVICE_ACCOUNT_JSON not in done.stdout + done.stderr  # the secret is never printed
        renewed = json.loads(client().bucket(bucket).blob("prod/jobs/renew-job/delivery_manifest.json").download_as_bytes())
        url = renewed["deliverables"][0]["signed_url"]
        assert verify_v4_url(url)["X-Goog-Expires"] == "604800" and renewed["deliverables"][0]["expires_at"] > "2026-11"
        local = aiprod(home, "deliver", "renew-job", "--renew")
        assert local.returncode == 1


def test_aiprod_tags_round_trip_and_other_comments_are_not_ours():
    from aiprod_assets.media.tags import aiprod_comment, aiprod_tags
    from aiprod_assets.planning.profiles import profile_from_name, render_profile

    comment = aiprod_comment("city-night-chase", "1080p-16x9-24", duration="20.000", shots=6)
    assert aiprod_tags(comment) == {"job": "city-night-chase", "profile": "1080p-16x9-24", "duration": "20.000",
                                    "shots": "6"}
    assert aiprod_tags("qa fixture") is None and aiprod_tags("aiprod job x") is None
    assert profile_from_name("1080p-16x9-24") == render_profile("1080p", "16:9", 24)
    assert profile_from_name("8k-16x9-24") is None and profile_from_name("720p-axb-30") is None


def test_run_on_a_gcs_store_delivers_there_and_a_rerun_has_nothing_to_make(home):
    """A GCS store's client comes with Dagster's resources: `aiprod run` starts up first there, and files the
    brief, renders and delivers into the bucket as on a folder."""
    import uuid

    from aiprod_assets.testing.gcs_emulator import client, running_emulator
    from tests.support.review import write_brief

    with running_emulator() as port:
        bucket = f"run-{uuid.uuid4().hex[:8]}"
        client().create_bucket(bucket)
        env_extra = {"AIPROD_STORE": f"gs://{bucket}/prod", "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port}",
                     "GOOGLE_CLOUD_PROJECT": "aiprod-test"}
        brief = write_brief(home, "gcs-run", duration_sec=1)
        done = aiprod(home, "run", brief, env_extra=env_extra, timeout=300)
        assert done.returncode == 0 and "delivered (run" in done.stdout, done.stderr[-2000:]
        stored = {blob.name for blob in client().bucket(bucket).list_blobs(prefix="prod/")}
        assert {"prod/briefs/accepted/gcs-run.json", "prod/jobs/gcs-run/final_cut.mp4",
                "prod/jobs/gcs-run/delivery_manifest.json"} <= stored
        again = aiprod(home, "run", brief, env_extra=env_extra)
        assert again.returncode == 0 and "nothing to make" in again.stdout, again.stderr[-2000:]
