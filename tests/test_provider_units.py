"""Provider plumbing without a server: error kinds, Retry-After, rate limits, the task journal, durations."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aiprod_assets.backends import requested_seconds
from aiprod_assets.failures import (
    ContentPolicyRefusal,
    ProviderAuthError,
    RetryableRenderError,
    ShotFatalError,
    classify_status,
    retry_after_seconds,
)
from aiprod_assets.layout import provider_tasks_key as tasks_key
from aiprod_assets.rendering.providers.rate_limit import RateLimiter
from aiprod_assets.rendering.providers.tasks import TaskJournal


@pytest.mark.parametrize("status, kind", [
    (429, RetryableRenderError), (500, RetryableRenderError), (503, RetryableRenderError),
    (None, RetryableRenderError), (401, ProviderAuthError), (403, ProviderAuthError), (404, ShotFatalError),
])
def test_status_codes_map_to_the_design_failure_kinds(status, kind):
    err = classify_status("runway", status, "something went wrong")
    assert type(err) is kind
    assert err.retryable == (kind is RetryableRenderError)


def test_a_400_naming_the_content_policy_is_a_refusal_and_keeps_the_reason():
    err = classify_status("veo", 400, "The prompt violates our content policy (violence)")
    assert isinstance(err, ContentPolicyRefusal) and not err.retryable
    assert "violence" in str(err)


def test_retry_after_in_seconds_or_as_an_http_date():
    assert retry_after_seconds("7") == 7.0
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=12), usegmt=True), now) == 12.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert classify_status("replicate", 429, "slow down", "3").retry_after_sec == 3.0


def test_rate_limiter_holds_the_request_that_would_exceed_the_minute():
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, clock=lambda: now[0], sleep=sleep)
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert limiter.acquire() == 0.0
    now[0] = 30.0
    assert limiter.acquire() == pytest.approx(30.0)  # until the first request leaves the window
    assert now[0] == pytest.approx(60.0) and waits == [pytest.approx(30.0)]


def test_journal_resumes_the_latest_live_task_for_the_same_spec_only(store):
    journal = TaskJournal(store)
    assert journal.resumable("job-a", "s01-01", "runway", "h1") is None
    first = journal.submitted("job-a", "s01-01", "runway", "gen4.5", "h1", "task-1")
    assert store.exists(tasks_key("job-a", "s01-01"))
    assert journal.resumable("job-a", "s01-01", "runway", "h1").task_id == "task-1"
    assert journal.resumable("job-a", "s01-01", "runway", "h2") is None
    assert journal.resumable("job-a", "s01-01", "veo", "h1") is None
    journal.update("job-a", "s01-01", first, status="abandoned", reason="timeout", cancelled=True)
    assert journal.resumable("job-a", "s01-01", "runway", "h1") is None
    journal.submitted("job-a", "s01-01", "runway", "gen4.5", "h1", "task-2")
    tasks = journal.load("job-a", "s01-01").tasks
    assert [(t.task_id, t.status, t.cancelled) for t in tasks] == [("task-1", "abandoned", True),
                                                                   ("task-2", "submitted", False)]
    assert journal.resumable("job-a", "s01-01", "runway", "h1").task_id == "task-2"


@pytest.mark.parametrize("backend, shot_seconds, asked", [
    ("veo", 2.5, 4), ("veo", 4.0, 4), ("veo", 5.2, 6), ("veo", 9.0, 8),
    ("runway", 2.5, 3), ("runway", 1.0, 2), ("replicate", 3.0, 6), ("previz", 2.5, 2.5),
])
def test_a_shot_is_asked_of_a_provider_at_the_shortest_length_it_accepts(backend, shot_seconds, asked):
    assert requested_seconds(backend, shot_seconds) == asked


def test_status_lists_each_provider_task_with_its_state_and_reason(store):
    from aiprod_assets.cli.summary import job_summary

    journal = TaskJournal(store)
    stuck = journal.submitted("job-b", "s01-01", "veo", "veo-3", "h1", "op-1")
    journal.update("job-b", "s01-01", stuck, status="abandoned", reason="not finished after 900 s")
    journal.submitted("job-b", "s02-01", "runway", "gen4.5", "h2", "task-9")
    lines = job_summary(store, "job-b")
    assert any(line.startswith("shot s01-01: veo task op-1 abandoned") and "900 s" in line for line in lines)
    assert any(line.startswith("shot s02-01: runway task task-9 in flight") for line in lines)
