"""Each provider's real SDK against a local server that speaks its API: render, conform, and the faults."""

import dataclasses
import random
import threading

import pytest
import torch

from aiprod_assets.canonical import file_sha256
from aiprod_assets.failures import RetryPolicy
from aiprod_assets.qa.technical import Expectations, check_file
from aiprod_assets.rendering.clips import verify_clip
from aiprod_assets.rendering.previz.backend import PrevizBackend
from aiprod_assets.rendering.providers.remote import PollingLimits
from aiprod_assets.rendering.providers.tasks import TaskJournal
from aiprod_assets.rendering.retry import render_with_fallback
from tests.support.provider_fixtures import (
    PROFILE,
    adapter_for,
    provider_shot,
    provider_video,
    remote_backend,
    request_for,
)
from tests.support.provider_servers import SERVERS, Script, VeoServer

PROVIDERS = sorted(SERVERS)
KEYS = {"veo": "test-veo-key", "runway": "test-runway-key", "replicate": "test-replicate-key"}


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    return provider_video(tmp_path_factory.mktemp("provider"))


def _render(chain, tmp_path, shot, sleeps):
    return render_with_fallback(chain, lambda backend: request_for(tmp_path, shot, backend.name),
                                RetryPolicy(attempts_per_backend=4, base_delay_sec=0.01), sleep=sleeps.append,
                                rng=random.Random(0), verify=verify_clip)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_renders_a_shot_through_its_sdk_and_the_clip_is_conformed(provider, video, tmp_path, store):
    shot = provider_shot()
    with SERVERS[provider](video, Script(polls_before_done=2)) as server:
        backend = remote_backend(provider, server.base_url, store)
        result = backend.render(dataclasses.replace(request_for(tmp_path, shot, provider), measure_pictures=True))
    assert dict(server.calls) == {"create": 1, "poll": 3, "download": 1}
    assert any(KEYS[provider] in " ".join(h.values()) for h in server.headers_seen)  # the key reached the API
    assert "lighthouse" in str(server.bodies[0]).lower()
    out = request_for(tmp_path, shot, provider).out_path
    checks = check_file(out, Expectations(PROFILE, target_duration_sec=shot.spec.frames / PROFILE.fps))
    assert [c.id for c in checks if not c.passed] == []
    assert result.source_path.read_bytes() == video  # the provider's own file, kept
    # The conformed clip's pictures were measured as it was encoded: its QA need not decode it.
    assert result.encoded.sha256 == file_sha256(out) and result.encoded.video.decoded_frames == shot.spec.frames
    assert result.billed_seconds == {"veo": 4.0, "runway": 3.0, "replicate": 6.0}[provider]
    assert any("audio bed" in note for note in result.notes)
    [task] = TaskJournal(store).load("provider-job", shot.shot_id).tasks
    assert (task.provider, task.status, task.task_id) == (provider, "succeeded", result.provider_task_id)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_429_on_create_waits_its_retry_after_then_submits_once_more(provider, video, tmp_path, store):
    shot = provider_shot()
    with SERVERS[provider](video, Script(create_faults=[(429, {"Retry-After": "2"})], polls_before_done=0)) as server:
        rendered = _render([remote_backend(provider, server.base_url, store)], tmp_path, shot, sleeps := [])
    assert rendered.backend == provider and server.calls["create"] == 2
    assert sleeps and sleeps[0] >= 2.0
    assert "429" in rendered.attempts[0].error and rendered.attempts[0].retryable
    assert len(TaskJournal(store).load("provider-job", shot.shot_id).tasks) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_500s_while_polling_resume_the_recorded_task_without_a_second_create(provider, video, tmp_path, store):
    shot = provider_shot()
    with SERVERS[provider](video, Script(poll_faults=[(500, {}), (500, {})], polls_before_done=1)) as server:
        rendered = _render([remote_backend(provider, server.base_url, store)], tmp_path, shot, sleeps := [])
    assert rendered.backend == provider and len(rendered.attempts) == 3 and len(sleeps) == 2
    assert server.calls["create"] == 1 and server.calls["download"] == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_task_that_never_finishes_is_abandoned_and_the_next_backend_renders(provider, video, tmp_path, store):
    shot = provider_shot()
    limits = PollingLimits(poll_interval_sec=0.02, timeout_sec=0.4)
    with SERVERS[provider](video, Script(never_finish=True)) as server:
        chain = [remote_backend(provider, server.base_url, store, limits), PrevizBackend(torch.device("cpu"))]
        rendered = _render(chain, tmp_path, shot, [])
    assert rendered.backend == "previz"
    assert server.calls["create"] == 1 and server.calls["poll"] >= 2  # abandoned, never submitted again
    assert "abandoned" in rendered.attempts[0].error and rendered.attempts[0].retryable is False
    [task] = TaskJournal(store).load("provider-job", shot.shot_id).tasks
    can_cancel = provider != "veo"
    assert task.status == "abandoned" and "timeout" in task.reason and task.cancelled == can_cancel
    assert server.calls["cancel"] == (1 if can_cancel else 0)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_content_policy_refusal_moves_to_the_next_backend_and_keeps_the_reason(provider, video, tmp_path, store):
    shot = provider_shot()
    reason = "The prompt violates the content policy: depiction of violence"
    with SERVERS[provider](video, Script(refuse=reason, polls_before_done=1)) as server:
        chain = [remote_backend(provider, server.base_url, store), PrevizBackend(torch.device("cpu"))]
        rendered = _render(chain, tmp_path, shot, [])
    assert rendered.backend == "previz" and server.calls["create"] == 1
    first = rendered.attempts[0]
    assert first.retryable is False and "ContentPolicyRefusal" in first.error and "violence" in first.error
    [task] = TaskJournal(store).load("provider-job", shot.shot_id).tasks
    assert task.status == "failed" and "violence" in task.reason


@pytest.mark.parametrize("where", ["http", "gs"])
def test_veo_output_by_uri_downloads_over_https_or_from_cloud_storage(where, video, tmp_path, store):
    from aiprod_assets.testing.gcs_emulator import client, running_emulator

    shot = provider_shot()
    with running_emulator(), VeoServer(video) as server:
        server.video_uri = "http"
        if where == "gs":
            bucket = client().create_bucket("veo-output")
            bucket.blob("renders/op-1.mp4").upload_from_string(video)
            server.video_uri = "gs://veo-output/renders/op-1.mp4"
        result = remote_backend("veo", server.base_url, store).render(request_for(tmp_path, shot, "veo"))
    assert result.source_path.read_bytes() == video
    assert server.calls["download"] == (1 if where == "http" else 0)
    # An https download carries the API key the way the Gemini API expects it.
    if where == "http":
        assert server.headers_seen[-1].get("x-goog-api-key") == KEYS["veo"]


def test_an_expired_output_url_is_fetched_again_after_polling_the_same_task(video, tmp_path, store):
    shot = provider_shot()
    with SERVERS["runway"](video, Script(polls_before_done=0, download_faults=[403])) as server:
        rendered = _render([remote_backend("runway", server.base_url, store)], tmp_path, shot, [])
    assert rendered.backend == "runway" and "expired" in rendered.attempts[0].error
    assert dict(server.calls) == {"create": 1, "poll": 2, "download": 2}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_shots_polling_at_once_share_one_sdk_client_and_none_fails(provider, video, tmp_path, store):
    """Concurrent shots: a client built twice by two threads at once was closed under the other one."""
    threads = 8
    with SERVERS[provider](video, Script(polls_before_done=100)) as server:
        backend = remote_backend(provider, server.base_url, store)
        task_ids = [backend.adapter.submit(request_for(tmp_path, provider_shot(), provider), 4.0)
                    for _ in range(threads)]
        adapter = adapter_for(provider, server.base_url)  # a fresh one: its client not built yet
        start = threading.Barrier(threads)
        clients, states, errors = [], [], []

        def poll(task_id):
            start.wait()
            try:
                clients.append(adapter.client)
                for _ in range(5):
                    states.append(adapter.poll(task_id).status)
            except Exception as err:  # noqa: BLE001 - every failure is the finding
                errors.append(err)

        workers = [threading.Thread(target=poll, args=(task_id,)) for task_id in task_ids]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert errors == []
    assert len({id(client) for client in clients}) == 1
    assert len(states) == threads * 5 and set(states) <= {"queued", "running"}
