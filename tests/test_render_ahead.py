"""A shot rendered ahead in the device worker: served to the request that asks for exactly it (clip, previews,
measurements), dropped for any other, stopped by any other, and never in the way of a describe or a close."""

import signal
import threading
import time

import pytest

from aiprod_assets.canonical import file_sha256
from aiprod_assets.media.decode import video_frames
from aiprod_assets.media.torch_device import resolve_device
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.device_worker import DeviceWorker
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from tests.support.held_folders import holding_process
from tests.support.shots import make_shot

PROFILE = render_profile("360p")


def _previews(every: int):
    seen = []

    def on_frame(index, frame):
        seen.append(index)
    on_frame.every = every
    return on_frame, seen


def test_the_request_rendered_ahead_gets_that_render_with_its_previews_and_measurements(worker, tmp_path):
    shot = make_shot(frames=30)
    worker.render_ahead("job-a", shot, PROFILE, "cpu", 0, every=12, measure=True)
    on_frame, seen = _previews(12)
    out = tmp_path / "asked" / "clip.mp4"
    out.parent.mkdir()
    seconds, encoded, ahead = worker.render("job-a", shot, PROFILE, out, "cpu", 0, on_frame=on_frame, measure=True)
    assert ahead and seconds > 0
    assert seen == [0, 12, 24]
    assert encoded.sha256 == file_sha256(out) and encoded.video.decoded_frames == 30
    assert len(list(video_frames(out))) == 30
    assert not list((tmp_path / "worker-tmp").glob("*/*.mp4"))  # moved, not copied


@pytest.mark.parametrize("differs", [
    {"job_id": "job-b"}, {"shot": make_shot(frames=30, lighting="night")}, {"profile": render_profile("720p")},
    {"every": 6}, {"measure": False},
])
def test_a_request_for_anything_else_is_rendered_as_asked_and_the_render_ahead_dropped(worker, tmp_path, differs):
    asked = {"job_id": "job-a", "shot": make_shot(frames=30), "profile": PROFILE, "every": 12, "measure": True}
    worker.render_ahead(asked["job_id"], asked["shot"], asked["profile"], "cpu", 0, every=asked["every"],
                        measure=asked["measure"])
    other = {**asked, **differs}
    on_frame, seen = _previews(other["every"])
    out = tmp_path / "other.mp4"
    _, encoded, ahead = worker.render(other["job_id"], other["shot"], other["profile"], out, "cpu", 0,
                                      on_frame=on_frame, measure=other["measure"])
    assert not ahead
    assert seen == list(range(0, 30, other["every"]))
    assert (encoded is not None) == other["measure"]
    first = next(video_frames(out))
    assert first.shape == (other["profile"].height * 3 // 2, other["profile"].width)
    # The render made ahead is gone: the same request as it now renders afresh.
    _, _, again = worker.render(asked["job_id"], asked["shot"], asked["profile"], tmp_path / "again.mp4", "cpu", 0,
                                on_frame=_previews(asked["every"])[0], measure=asked["measure"])
    assert not again
    assert not list((tmp_path / "worker-tmp").glob("*/*.mp4"))


def test_another_request_stops_a_render_ahead_part_way(worker, tmp_path):
    # 60 s at 360p: about 40 s to render here. Stopped at its next frame, it keeps the short render waiting
    # for no more than a frame; run to its end first, it would keep it waiting for all of that.
    worker.describe("cpu", 0)
    worker.render_ahead("job-a", make_shot(frames=1800), PROFILE, "cpu", 0)
    done = threading.Event()
    result = {}

    def ask_for_a_short_one():
        result["ahead"] = worker.render("job-a", make_shot(frames=15), PROFILE, tmp_path / "short.mp4", "cpu",
                                        0).rendered_ahead
        done.set()
    threading.Thread(target=ask_for_a_short_one, daemon=True).start()
    assert done.wait(15), "the short render waited for the whole render ahead"
    assert result["ahead"] is False
    assert len(list(video_frames(tmp_path / "short.mp4"))) == 15


def test_a_describe_is_answered_while_a_shot_renders_ahead_and_leaves_it_running(worker, tmp_path):
    shot = make_shot(frames=120)
    worker.render_ahead("job-a", shot, PROFILE, "cpu", 0)
    assert worker.describe("cpu", 0)[0] == "cpu"
    _, _, ahead = worker.render("job-a", shot, PROFILE, tmp_path / "c.mp4", "cpu", 0)
    assert ahead


def test_closing_the_worker_mid_render_ahead_leaves_nothing_behind(tmp_path, monkeypatch):
    folder = tmp_path / "worker-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    worker = DeviceWorker.start()
    worker.describe("cpu", 0)
    worker.render("job-a", make_shot(frames=15), PROFILE, tmp_path / "c.mp4", "cpu", 0)
    assert not list(folder.iterdir())  # a worker that renders nothing ahead makes no folder for it
    worker.render_ahead("job-a", make_shot(frames=1800), PROFILE, "cpu", 0)
    deadline = time.monotonic() + 60
    while not list(folder.glob("aiprod-ahead-*/*.mp4")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(folder.glob("aiprod-ahead-*/*.mp4"))  # the render ahead is under way
    worker.close()
    assert worker.process.returncode == 0
    assert not list(folder.iterdir())


def test_a_render_given_up_part_way_leaves_no_drawer_behind(tmp_path):
    def give_up(index, frame):
        if index == 3:
            raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        render_previz_clip("job-a", make_shot(frames=60), PROFILE, tmp_path / "c.mp4", resolve_device("cpu"),
                           on_frame=give_up)
    assert not [t for t in threading.enumerate() if t.name.startswith("previz-") and t.is_alive()]


def test_a_worker_removes_the_folders_of_workers_that_are_gone_as_it_starts(tmp_path, monkeypatch):
    folder = tmp_path / "worker-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    gone, stale = holding_process(folder, "ahead")
    gone.send_signal(signal.SIGKILL)  # a worker killed with its command: its folder and partial clip left
    gone.wait()
    living_process, living = holding_process(folder, "ahead")  # a worker still running
    worker = DeviceWorker.start()
    try:
        worker.describe("cpu", 0)  # served: the worker has started, and makes nothing ahead
        assert not stale.exists() and living.exists()
        shot = make_shot(frames=15)
        worker.render_ahead("job-a", shot, PROFILE, "cpu", 0)
        assert worker.render("job-a", shot, PROFILE, tmp_path / "c.mp4", "cpu", 0).rendered_ahead
    finally:
        worker.close()
        living_process.kill()
        living_process.wait()
    assert not stale.exists() and living.exists()
