"""The GCS artifact store and the brief-upload sensor against gcp-storage-emulator and the real client."""

import json
import os
import random
import uuid
from datetime import datetime

import dagster as dg
import httpx
import pytest
from dagster_gcp import GCSResource

from aiprod_assets.intake.submission import latest_rejection
from aiprod_assets.layout import final_cut_key
from aiprod_assets.review.reviewers import add_reviewer
from aiprod_assets.review_app.app import create_app
from aiprod_assets.testing.gcs_emulator import client, running_emulator
from resources.gcs_store import GcsArtifactStore
from resources.policy import ProductionPolicy
from sensors.brief_cursor import BriefCursor
from sensors.brief_sensor import brief_upload_sensor
from tests.support.jobs import brief_bytes, run_production
from tests.support.review import REVIEW_JOB, serving, store_review_job


@pytest.fixture(scope="module")
def emulator():
    with running_emulator() as port:
        yield port


@pytest.fixture
def gcs_store(emulator):
    bucket = f"aiprod-{uuid.uuid4().hex[:12]}"
    client().create_bucket(bucket)
    return GcsArtifactStore(bucket=bucket, prefix="prod", gcs=GCSResource(project="aiprod-test"))


def with_signing_key(store, key_json):
    return GcsArtifactStore(bucket=store.bucket, prefix=store.prefix, gcs=GCSResource(project="aiprod-test"),
                            signing_key_json=key_json)


def upload(store, name, data):
    client().bucket(store.bucket).blob(f"{store.prefix}/briefs/incoming/{name}").upload_from_string(data)


def tick(store, instance, cursor=None, per_tick=50):
    with dg.build_sensor_context(instance=instance, cursor=cursor,
                                 resources={"store": store, "policy": ProductionPolicy(briefs_per_tick=per_tick)}) as context:
        result = brief_upload_sensor(context)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_store_round_trip_on_gcs(gcs_store, tmp_path):
    assert gcs_store.put_bytes("jobs/abc/brief.json", b"{}") == f"gs://{gcs_store.bucket}/prod/jobs/abc/brief.json"
    big = tmp_path / "clip.mp4"
    big.write_bytes(os.urandom(9 * 1024 * 1024))  # above the resumable chunk size
    gcs_store.put_file("jobs/abc/clips/s01.mp4", big)
    assert gcs_store.list_keys("jobs/abc") == ["jobs/abc/brief.json", "jobs/abc/clips/s01.mp4"]
    assert gcs_store.size("jobs/abc/clips/s01.mp4") == big.stat().st_size
    assert gcs_store.local_copy("jobs/abc/clips/s01.mp4", tmp_path).read_bytes() == big.read_bytes()
    gcs_store.put_bytes("jobs/abc/brief.json", b'{"v": 2}')  # a checked overwrite
    assert gcs_store.get_bytes("jobs/abc/brief.json") == b'{"v": 2}'
    gcs_store.delete("jobs/abc/brief.json")
    assert not gcs_store.exists("jobs/abc/brief.json")
    with pytest.raises(ValueError):
        gcs_store.put_bytes("../escape", b"x")


def test_uploaded_brief_runs_the_whole_graph_on_gcs(gcs_store, instance):
    from tests.support.signing import SERVICE_ACCOUNT_JSON, verify_v4_url

    gcs_store = with_signing_key(gcs_store, SERVICE_ACCOUNT_JSON)
    raw = brief_bytes(job_id="gcs-job", resolution="360p", duration_sec=3, characters=[],
                      prompt="A red apple on a white plate.")
    upload(gcs_store, "apple.json", raw)
    result = tick(gcs_store, instance)
    assert [r.partition_key for r in result.run_requests] == ["gcs-job"]
    assert result.run_requests[0].run_key.startswith("gcs-job:")
    assert instance.has_dynamic_partition("jobs", "gcs-job")
    run = run_production(gcs_store, instance, "gcs-job", run_config=result.run_requests[0].run_config)
    assert run.success
    assert gcs_store.get_bytes("briefs/accepted/gcs-job.json") == raw
    stored = gcs_store.list_keys("jobs/gcs-job")
    assert {"jobs/gcs-job/final_cut.mp4", "jobs/gcs-job/delivery_manifest.json", "jobs/gcs-job/qa_report.html"} <= set(stored)
    manifest = json.loads(gcs_store.get_bytes("jobs/gcs-job/delivery_manifest.json"))
    assert all(d["uri"].startswith(f"gs://{gcs_store.bucket}/prod/jobs/gcs-job/") for d in manifest["deliverables"])
    for deliverable in manifest["deliverables"]:
        assert deliverable["signed_url"], deliverable
        assert verify_v4_url(deliverable["signed_url"])["X-Goog-Expires"] == "604800" and deliverable["expires_at"]


def test_five_hundred_briefs_in_random_order_over_capped_ticks(gcs_store, instance):
    names = [f"{uuid.uuid4().hex}.json" for _ in range(500)]
    random.Random(3).shuffle(names)
    for n, name in enumerate(names):
        upload(gcs_store, name, brief_bytes(job_id=f"bulk-{n:04d}"))
    seen, cursor, ticks = [], None, 0
    while True:
        result = tick(gcs_store, instance, cursor, per_tick=200)
        ticks += 1
        if not result.run_requests:
            break
        seen += [r.partition_key for r in result.run_requests]
        cursor = result.cursor
    assert ticks == 4 and len(seen) == 500 and len(set(seen)) == 500


def test_name_before_the_cursor_reupload_and_change(gcs_store, instance):
    upload(gcs_store, "m-brief.json", brief_bytes(job_id="job-m"))
    first = tick(gcs_store, instance)
    upload(gcs_store, "a-brief.json", brief_bytes(job_id="job-a"))  # sorts before the cursor's name
    second = tick(gcs_store, instance, first.cursor)
    assert [r.partition_key for r in second.run_requests] == ["job-a"]
    upload(gcs_store, "m-brief.json", brief_bytes(job_id="job-m"))  # the same bytes again
    third = tick(gcs_store, instance, second.cursor)
    assert [r.run_key for r in third.run_requests] == [r.run_key for r in first.run_requests]  # deduplicated by Dagster
    upload(gcs_store, "m-brief.json", brief_bytes(job_id="job-m", duration_sec=20))  # changed
    fourth = tick(gcs_store, instance, third.cursor)
    assert fourth.run_requests[0].partition_key == "job-m"
    assert fourth.run_requests[0].run_key != first.run_requests[0].run_key


def test_bad_files_are_quarantined_and_good_ones_run(gcs_store, instance):
    upload(gcs_store, "good-1.json", brief_bytes(job_id="good-one"))
    upload(gcs_store, "broken.json", b'{"prompt": "A lighthouse", ')
    upload(gcs_store, "huge.json", b" " * (20 * 1024 * 1024))
    upload(gcs_store, "latin1.json", b'{"prompt": "Un phare \xe0 la tomb\xe9e du jour", "duration_sec": 5, "budget_usd": 1}')
    upload(gcs_store, "good-2.json", brief_bytes(job_id="good-two"))
    result = tick(gcs_store, instance)
    assert sorted(r.partition_key for r in result.run_requests) == ["good-one", "good-two"]
    for name, code in (("broken", "invalid_json"), ("huge", "too_large"), ("latin1", "not_utf8")):
        report_key = latest_rejection(gcs_store, f"{name}.json")
        report = json.loads(gcs_store.get_bytes(report_key))
        assert report["errors"][0]["code"] == code
        kept = gcs_store.get_bytes(report_key.replace(".error.json", ".json"))
        assert len(kept) == report["kept_bytes"] <= 64 * 1024
    assert json.loads(gcs_store.get_bytes(latest_rejection(gcs_store, "huge.json")))["size_bytes"] == 20 * 1024 * 1024
    assert not any(k.endswith(("broken.json", "huge.json", "latin1.json")) for k in gcs_store.list_keys("briefs/incoming"))


def test_a_tick_with_the_store_down_fails_cleanly_and_the_next_catches_up(gcs_store, instance, emulator):
    upload(gcs_store, "late.json", brief_bytes(job_id="late-job"))
    down = GcsArtifactStore(bucket=gcs_store.bucket, prefix="prod", gcs=GCSResource(project="aiprod-test"),
                            retry_deadline_sec=1.0)
    previous = os.environ["STORAGE_EMULATOR_HOST"]
    os.environ["STORAGE_EMULATOR_HOST"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        with pytest.raises(Exception):  # the tick fails; the sensor keeps its cursor
            tick(down, instance, BriefCursor().dumps())
    finally:
        os.environ["STORAGE_EMULATOR_HOST"] = previous
    caught_up = tick(gcs_store, instance, BriefCursor().dumps())
    assert [r.partition_key for r in caught_up.run_requests] == ["late-job"]


def test_a_run_refuses_an_upload_that_changed_after_the_tick(gcs_store, instance):
    from tests.support.jobs import PLANNING_ASSETS

    upload(gcs_store, "moving.json", brief_bytes(job_id="moving-job"))
    request = tick(gcs_store, instance).run_requests[0]
    upload(gcs_store, "moving.json", brief_bytes(job_id="moving-job", duration_sec=30))
    run = run_production(gcs_store, instance, "moving-job", run_config=request.run_config, selection=PLANNING_ASSETS)
    failure = next(e for e in run.all_events if e.is_step_failure)
    assert failure.step_key == "brief" and "changed after it was picked up" in failure.event_specific_data.error.message


def test_signed_urls_are_v4_signed_capped_at_seven_days_and_tamper_evident(gcs_store):
    from cryptography.exceptions import InvalidSignature

    from tests.support.signing import SERVICE_ACCOUNT_JSON, verify_v4_url

    signing = with_signing_key(gcs_store, SERVICE_ACCOUNT_JSON)
    signing.put_bytes("jobs/sig-job/final_cut.mp4", b"video")
    url, expires_at = signing.signed_url("jobs/sig-job/final_cut.mp4", 30 * 24 * 3600)
    params = verify_v4_url(url)
    assert params["X-Goog-Expires"] == "604800" and params["X-Goog-SignedHeaders"] == "host"
    assert params["X-Goog-Credential"].startswith("signer@aiprod-test.iam.gserviceaccount.com/")
    assert abs((datetime.fromisoformat(expires_at) - params["signed_at"]).total_seconds() - 604800) < 5
    with pytest.raises(InvalidSignature):
        verify_v4_url(url.replace("final_cut.mp4", "other.mp4"))
    assert gcs_store.signed_url("jobs/sig-job/final_cut.mp4", 60) is None  # no key, no URL


def test_bucket_init_sets_versioning_lifecycle_and_cors(emulator):
    from resources.bucket_setup import init_bucket

    name = f"init-{uuid.uuid4().hex[:10]}"
    state = init_bucket(client(), name, "US", ["https://review.example.com"])
    assert state["created"] and state["versioning"]
    assert state["lifecycle"][0]["condition"] == {"isLive": False, "numNewerVersions": 3}
    assert state["cors"][0]["origin"] == ["https://review.example.com"]
    assert state["cors"][0]["method"] == ["GET", "HEAD"]
    again = init_bucket(client(), name, "US", ["https://review.example.com"])
    assert not again["created"] and again["versioning"]


def test_writes_carry_the_generation_preconditions_the_emulator_ignores(gcs_store, monkeypatch):
    from google.cloud.storage.blob import Blob

    sent = []
    original = Blob.upload_from_string

    def recording(self, data, **kwargs):
        sent.append((self.name, kwargs.get("if_generation_match"), kwargs.get("checksum")))
        return original(self, data, **kwargs)

    monkeypatch.setattr(Blob, "upload_from_string", recording)
    gcs_store.put_bytes("jobs/pre/brief.json", b"1")
    generation = client().bucket(gcs_store.bucket).get_blob("prod/jobs/pre/brief.json").generation
    gcs_store.put_bytes("jobs/pre/brief.json", b"2")
    assert sent == [("prod/jobs/pre/brief.json", 0, "crc32c"), ("prod/jobs/pre/brief.json", generation, "crc32c")]


def test_a_log_on_gcs_is_appended_one_object_per_entry(gcs_store):
    from aiprod_assets.costing.audit import append_audit, read_audit_trail
    from aiprod_assets.layout import audit_key, log_entry_prefix

    for n in range(5):
        append_audit(gcs_store, "gcs-audit", "estimate", total_usd=float(n))
    gcs_store.append_line(audit_key("gcs-audit"), "not an event")
    trail = read_audit_trail(gcs_store, "gcs-audit")
    assert [e["total_usd"] for e in trail.events] == [0.0, 1.0, 2.0, 3.0, 4.0] and trail.bad_lines == [6]
    assert len(gcs_store.list_keys(log_entry_prefix(audit_key("gcs-audit")))) == 6
    assert not gcs_store.exists(audit_key("gcs-audit"))  # nothing is ever rewritten in place


def test_a_local_copy_fetched_again_never_changes_under_a_reader(gcs_store, tmp_path):
    """The review app serves media from one folder of copies, fetching an object again for each request (a
    job's cut changes under the same key). The copy is written under another name and renamed, so a player still
    reading the copy before gets its bytes whole, and no part-written file is left. Written in place, the second
    fetch truncated the file the reader held: it read the new bytes, or part of them."""
    gcs_store.put_bytes("jobs/abc/final_cut.mp4", b"first cut " * 50_000)
    first = gcs_store.local_copy("jobs/abc/final_cut.mp4", tmp_path)
    with first.open("rb") as reader:
        gcs_store.put_bytes("jobs/abc/final_cut.mp4", b"second cut" * 70_000)
        second = gcs_store.local_copy("jobs/abc/final_cut.mp4", tmp_path)
        assert reader.read() == b"first cut " * 50_000
    assert second == first and second.read_bytes() == b"second cut" * 70_000
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_the_review_app_over_gcs_serves_media_from_copies_that_go_when_it_stops(gcs_store):
    store_review_job(gcs_store)
    cut = os.urandom(300_000)
    gcs_store.put_bytes(final_cut_key(REVIEW_JOB), cut)
    token = add_reviewer(gcs_store, "viewer-1", "viewer")
    app = create_app(gcs_store, poll_sec=0.05)
    copies = app.state.media_cache
    with serving(app) as url:
        answer = httpx.get(f"{url}/media/{REVIEW_JOB}/final_cut/x.mp4", headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
        assert answer.status_code == 200 and answer.content == cut
        assert [p.read_bytes() for p in copies.glob("*.mp4")] == [cut]
    assert not copies.exists()
