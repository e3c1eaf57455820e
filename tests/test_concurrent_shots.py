"""Shots to a remote provider at once, up to its limit, and never past the budget with shots in flight."""

import shutil
import threading
import time

import pytest
import torch

from aiprod_assets.contracts import ShotList
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.costing.reservation import BudgetExceeded, BudgetReservation
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.backend import RenderResult
from aiprod_assets.rendering.clips import ClipRenderer
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from tests.support.shots import make_shot

PROFILE = render_profile("360p", "16:9", 24)
SECONDS_PER_TASK = 0.6


class PaidProvider:
    """A provider as the renderer sees it: each task takes a while and is billed $1; it counts how many
    run at once. Its output is a real clip of the shot's length."""

    name, version = "paid", "paid-1"

    def __init__(self, clip):
        self.clip, self.lock = clip, threading.Lock()
        self.running = self.peak = self.calls = 0

    def render(self, request):
        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        time.sleep(SECONDS_PER_TASK)
        shutil.copy(self.clip, request.out_path)
        with self.lock:
            self.running -= 1
        return RenderResult(render_seconds=SECONDS_PER_TASK, device="provider", charged_usd=1.0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("paid") / "clip.mp4"
    render_previz_clip("paid-job", _shot(0), PROFILE, path, torch.device("cpu"))
    return path


def _shot(n):
    shot = make_shot(frames=24, seed=n)
    return shot.model_copy(update={"shot_id": f"s{n + 1:02d}-01", "index": n, "scene_id": f"s{n + 1:02d}",
                                   "spec": shot.spec.model_copy(update={"duration_sec": 1.0})})


def _renderer(store, provider, budget_usd, concurrency=4):
    shots = ShotList(job_id="paid-job", profile=PROFILE, shots=[_shot(n) for n in range(8)], total_frames=8 * 24)
    budget = BudgetReservation(budget_usd=budget_usd, estimated_usd={s.shot_id: 1.0 for s in shots.shots})
    return ClipRenderer(job_id="paid-job", shot_list=shots, chain=[provider], store=store,
                        pricing=load_pricing(),
                        gpu_model="CPU", budget=budget, concurrency=concurrency)


def test_eight_shots_go_four_at_a_time_in_shot_order(store, clip):
    provider = PaidProvider(clip)
    started = time.monotonic()
    records = _renderer(store, provider, budget_usd=20.0).render_all()
    elapsed = time.monotonic() - started
    assert [r.shot_id for r in records] == [f"s{n:02d}-01" for n in range(1, 9)]
    assert provider.peak == 4 and provider.calls == 8
    assert elapsed < 8 * SECONDS_PER_TASK * 0.6, f"{elapsed:.2f}s is not concurrent"


@pytest.mark.parametrize("budget_usd", [5.5, 3.0, 1.2])
def test_a_tight_budget_is_never_passed_with_shots_in_flight(store, clip, budget_usd):
    provider = PaidProvider(clip)
    renderer = _renderer(store, provider, budget_usd=budget_usd)
    with pytest.raises(BudgetExceeded) as stopped:
        renderer.render_all()
    spent = renderer.budget.spent_usd
    assert spent <= budget_usd and provider.calls == int(budget_usd)
    assert len(stopped.value.records) == provider.calls, "the clips paid for are kept on the stop"
    assert renderer.budget.in_flight_usd == 0


def test_a_rerun_after_the_stop_reuses_what_was_paid_for(store, clip):
    provider = PaidProvider(clip)
    with pytest.raises(BudgetExceeded):
        _renderer(store, provider, budget_usd=3.0).render_all()
    again = PaidProvider(clip)
    records = _renderer(store, again, budget_usd=20.0).render_all()
    assert again.calls == 5 and sum(r.reused for r in records) == 3
