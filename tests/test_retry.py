"""Backoff, fallback and exhaustion, driven by the fault-injecting backend and an injected clock."""

import random

import pytest
import torch

from aiprod_assets.contracts import CheckResult, ShotList, ShotSemanticScore
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.costing.reservation import BudgetReservation
from aiprod_assets.failures import RetryPolicy
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.gate import ShotVerdict
from aiprod_assets.rendering.backend import RenderRequest, RenderResult
from aiprod_assets.rendering.clips import ClipRenderer, verify_clip
from aiprod_assets.rendering.previz.backend import PrevizBackend
from aiprod_assets.rendering.retry import BackendsExhausted, render_with_fallback
from tests.support.fault_backends import FaultInjectingBackend
from tests.support.shots import make_shot


class FakeClock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Instant:
    """Stands in for a renderer where only the call order matters."""

    def render(self, request):
        return RenderResult(render_seconds=0.0, device="test")


@pytest.fixture
def request_for(tmp_path):
    shot = make_shot(frames=12)
    return lambda backend: RenderRequest("retry-job", shot, render_profile("360p"), tmp_path / f"{backend.name}.mp4")


def test_backoff_doubles_with_bounded_jitter_and_caps_at_30s(request_for):
    clock = FakeClock()
    backend = FaultInjectingBackend("veo", inner=Instant(), faults=["timeout"] * 7)
    policy = RetryPolicy(attempts_per_backend=8)
    rendered = render_with_fallback([backend], request_for, policy, sleep=clock.sleep, rng=random.Random(7))
    assert rendered.backend == "veo" and len(rendered.attempts) == 8
    expected = [1, 2, 4, 8, 16, 30, 30]
    assert len(clock.sleeps) == 7
    for waited, base in zip(clock.sleeps, expected):
        assert base <= waited <= min(30, base * 1.1)
    assert clock.sleeps[:5] != [1, 2, 4, 8, 16]  # jitter was applied


def test_retry_after_is_honoured(request_for):
    clock = FakeClock()
    backend = FaultInjectingBackend("runway", inner=Instant(), faults=["rate_limit"])
    render_with_fallback([backend], request_for, sleep=clock.sleep, rng=random.Random(1))
    assert clock.sleeps == [pytest.approx(5.0)]


def test_fallback_follows_the_chain_order_and_fatal_errors_skip_retries(request_for):
    clock = FakeClock()
    veo = FaultInjectingBackend("veo", inner=Instant(), faults=["policy"])
    runway = FaultInjectingBackend("runway", inner=Instant(), faults=["server_error"] * 4)
    previz = FaultInjectingBackend("previz", inner=Instant())
    rendered = render_with_fallback([veo, runway, previz], request_for, RetryPolicy(attempts_per_backend=4),
                                    sleep=clock.sleep, rng=random.Random(3))
    assert rendered.backend == "previz"
    assert [(a.backend, a.number) for a in rendered.attempts] == [
        ("veo", 1), ("runway", 1), ("runway", 2), ("runway", 3), ("runway", 4), ("previz", 1)]
    assert "content policy" in rendered.attempts[0].error and rendered.attempts[0].retryable is False
    assert len(clock.sleeps) == 3  # none after the policy refusal, none after runway's last attempt


def test_every_backend_exhausted_fails_clearly(request_for):
    chain = [FaultInjectingBackend("veo", faults=["policy"]),
             FaultInjectingBackend("previz", faults=["timeout"] * 2)]
    with pytest.raises(BackendsExhausted) as caught:
        render_with_fallback(chain, request_for, RetryPolicy(attempts_per_backend=2), sleep=lambda s: None)
    message = str(caught.value)
    assert "every backend in the chain failed" in message and "content policy" in message and "timed out" in message
    assert len(caught.value.attempts) == 3


def test_corrupt_output_is_refused_then_retried(request_for, tmp_path):
    backend = FaultInjectingBackend("previz", inner=PrevizBackend(torch.device("cpu")), faults=["corrupt"])
    rendered = render_with_fallback([backend], request_for, sleep=lambda s: None, verify=verify_clip)
    assert [a.error is None for a in rendered.attempts] == [False, True]
    assert "not a readable MP4" in rendered.attempts[0].error


def test_remediation_stops_before_the_budget_and_says_so(tmp_path, store):
    shot = make_shot(frames=12)
    shot_list = ShotList(job_id="budget-job", profile=render_profile("360p"), shots=[shot], total_frames=12)
    backend = FaultInjectingBackend("previz", inner=PrevizBackend(torch.device("cpu")), version="previz-1")
    failing = ShotVerdict(technical=[CheckResult(id="black_frames", passed=False, measured="x", expected="y")],
                          semantic=ShotSemanticScore(shot_id=shot.shot_id, metrics=[], score=0.1, verdict="fail"))
    renderer = ClipRenderer(job_id="budget-job", shot_list=shot_list, chain=[backend], store=store,
                            pricing=load_pricing(), gpu_model="CPU", judge=lambda s, p, e: failing, max_attempts=5,
                            budget=BudgetReservation(budget_usd=0.03))  # each render is charged $0.02
    record = renderer.render_all()[0]
    assert len(backend.calls) == 1 and len(record.qa_attempts) == 1
    assert "would pass the approved budget" in record.qa_attempts[0].note
    unlimited = ClipRenderer(job_id="budget-job-2", shot_list=shot_list, chain=[backend], store=store,
                             pricing=load_pricing(), gpu_model="CPU", judge=lambda s, p, e: failing, max_attempts=3)
    assert [a.attempt for a in unlimited.render_all()[0].qa_attempts] == [1, 2, 3]
