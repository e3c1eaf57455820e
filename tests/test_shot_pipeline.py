"""With a device worker, a job's previz shots go through a pipeline: a shot is judged in this process while
the next one renders in the worker, one render at a time, and the live feed says a shot started when its
render did, not when it was queued behind the one before."""

import time

import pytest
import torch

from aiprod_assets.canonical import file_sha256
from aiprod_assets.contracts import ShotList
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.costing.reservation import BudgetReservation
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.backend_chain import shots_at_once
from aiprod_assets.rendering.clips import ClipRenderer
from aiprod_assets.rendering.previz.backend import PrevizBackend
from aiprod_assets.rendering.previz.device_worker import DeviceWorker
from aiprod_assets.review.live import LiveFeed, read_live
from resources.policy import ProductionPolicy
from tests.support.shots import make_shot

PROFILE = render_profile("360p")
JOB = "pipeline-job"
JUDGING_SECONDS = 1.5  # far longer than a 48-frame 360p render, so the next render fits inside a judgement


@pytest.fixture(scope="module")
def worker():
    started = DeviceWorker.start()
    yield started
    started.close()


def _shots(count: int) -> ShotList:
    shots = []
    for n in range(count):
        shot = make_shot(frames=48, seed=n)
        shots.append(shot.model_copy(update={"shot_id": f"s{n + 1:02d}-01", "index": n, "scene_id": f"s{n + 1:02d}"}))
    return ShotList(job_id=JOB, profile=PROFILE, shots=shots, total_frames=48 * count)


def test_previz_in_the_worker_keeps_two_shots_in_flight_and_in_process_one(worker):
    assert shots_at_once(PrevizBackend("cpu", worker, ("cpu", 0)), {}) == 2
    assert shots_at_once(PrevizBackend(torch.device("cpu")), ProductionPolicy().provider_concurrency) == 1
    provider = type("Provider", (), {"name": "veo"})()
    assert shots_at_once(provider, {"veo": 4}) == 4 and shots_at_once(provider, {}) == 1


class LateToTheWorker(PrevizBackend):
    """Previz in the worker, with one shot's request slow to reach it (its thread descheduled, say)."""

    def __init__(self, worker, late_shot: str | None):
        super().__init__("cpu", worker, ("cpu", 0))
        self.late_shot = late_shot

    def render(self, request):
        if request.shot.shot_id == self.late_shot:
            time.sleep(0.5)
        return super().render(request)


# A late first shot: with both shots submitted at once, the second took the worker first (checked).
@pytest.mark.parametrize("late_shot", [None, "s01-01"])
def test_a_shot_is_judged_while_the_next_renders_one_render_at_a_time_in_shot_order(worker, store, late_shot):
    shot_list = _shots(3)
    live = LiveFeed(store, JOB)
    backend = LateToTheWorker(worker, late_shot)

    measured_as_encoded = []

    def judge(shot, path, encoded):
        measured_as_encoded.append(encoded is not None and encoded.sha256 == file_sha256(path))
        live.publish("judging", shot_id=shot.shot_id)
        time.sleep(JUDGING_SECONDS)
        live.publish("judged", shot_id=shot.shot_id)
        return None  # no verdict: the clip stands

    renderer = ClipRenderer(
        job_id=JOB, shot_list=shot_list, chain=[backend], store=store, pricing=load_pricing(), gpu_model="CPU",
        budget=BudgetReservation(budget_usd=1.0, estimated_usd={s.shot_id: 0.001 for s in shot_list.shots}),
        live=live, judge=judge, concurrency=shots_at_once(backend, {}))
    records = renderer.render_all()
    assert [r.shot_id for r in records] == ["s01-01", "s02-01", "s03-01"]
    assert all(not r.reused and r.attempts == 1 for r in records)
    assert measured_as_encoded == [True, True, True]  # the worker measured each clip's pictures as it encoded it

    events = [(e["kind"], e["shot_id"], e.get("frame")) for e in read_live(store, JOB) if "shot_id" in e]
    order = {event: n for n, event in enumerate(events)}
    for shot, after in (("s01-01", "s02-01"), ("s02-01", "s03-01")):
        # The next shot starts once this one's frames are drawn (one render at a time in the worker), and
        # says so then: queued behind it, it has not started.
        assert order["preview", shot, 24] < order["shot_started", after, None] < order["preview", after, 0]
        # ...and it renders while this one is judged.
        assert order["judging", shot, None] < order["preview", after, 24] < order["judged", shot, None]
