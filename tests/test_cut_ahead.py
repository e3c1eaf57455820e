"""The final cut made ahead in the device worker: served to the final cut's request for exactly it, the same
bytes as a cut made here; dropped for any other request, stopped by a render, never made of other bytes."""

import threading

import pytest
import torch

from aiprod_assets.canonical import file_sha256
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.final_cut import CutRequest
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from tests.support.shots import make_shot

PROFILE = render_profile("360p", "16:9", 30)
# A cut, then a crossfade: the cut copies the first two clips and encodes the crossfade's frames.
PLAN = [("s01-01", 30, "pan", "cut"), ("s02-01", 36, "zoom_in", "cut"), ("s03-01", 40, "orbit", "crossfade")]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cut-ahead")
    made = []
    for index, (shot_id, frames, move, transition) in enumerate(PLAN):
        shot = make_shot(frames=frames, move=move, seed=3 + index).model_copy(update={
            "shot_id": shot_id, "scene_id": shot_id[:3], "index": index, "transition_in": transition})
        path = folder / f"{shot_id}.mp4"
        render_previz_clip("cut-ahead", shot, PROFILE, path, torch.device("cpu"))
        made.append((shot, path, file_sha256(path)))
    return made


def _request(clips, title="Lighthouse") -> CutRequest:
    return CutRequest(clips=tuple(clips), profile=PROFILE, title=title, comment="aiprod test", encoder="libx264")


def _left_in_worker(tmp_path) -> list:
    """Files in the worker's temporary folder but the lock of its folder for work ahead, held while it lives."""
    return [p for p in (tmp_path / "worker-tmp").rglob("*") if p.is_file() and p.name != ".held"]


def test_the_cut_asked_for_is_the_one_made_ahead_byte_for_byte(worker, clips, tmp_path):
    request = _request(clips)
    worker.cut_ahead(request)
    asked = tmp_path / "asked"
    asked.mkdir()
    made = worker.cut(request, asked / "final_cut.mp4", asked)
    here = tmp_path / "here"
    here.mkdir()
    expected = request.assemble(here / "final_cut.mp4", workdir=here)
    assert made is not None and made.copied and made.frames == expected.frames == 106
    assert file_sha256(asked / "final_cut.mp4") == file_sha256(here / "final_cut.mp4")
    # The parts are where the cut's QA reads them: the clips where they are, the crossfade's encode moved here.
    assert [(s.path.name, s.first, s.frames) for s in made.spans] == [(s.path.name, s.first, s.frames)
                                                                        for s in expected.spans]
    fades = [s.path for s in made.spans if s.path.name.endswith("-fade.mp4")]
    assert fades and all(p.parent == asked and p.is_file() for p in fades)
    assert {s.path for s in made.spans} - set(fades) <= {path for _, path, _ in clips}
    assert not _left_in_worker(tmp_path)
    # Taken once: asked again, it is made where it is asked.
    assert worker.cut(request, tmp_path / "again.mp4", tmp_path) is None


def test_a_request_for_another_cut_gets_none_and_the_one_made_ahead_is_dropped(worker, clips, tmp_path):
    worker.cut_ahead(_request(clips))
    assert worker.cut(_request(clips, title="Another title"), tmp_path / "cut.mp4", tmp_path) is None
    assert not (tmp_path / "cut.mp4").exists()
    assert not _left_in_worker(tmp_path)


def test_a_clip_that_is_not_the_bytes_asked_for_is_never_cut(worker, clips, tmp_path):
    shot, path, sha256 = clips[0]
    stale = [(shot, path, "0" * 64), *clips[1:]]
    worker.cut_ahead(_request(stale))
    assert worker.cut(_request(stale), tmp_path / "cut.mp4", tmp_path) is None
    assert not _left_in_worker(tmp_path)


def test_a_render_asked_for_while_the_cut_is_made_stops_it(worker, clips, tmp_path):
    # A long cut (the same clips, 40 times over): stopped before its next clip, the render waits for one clip's
    # part of it; made to its end first, it would wait for all of it.
    worker.describe("cpu", 0)
    long_cut = _request([(shot.model_copy(update={"shot_id": f"s{n:02d}-01", "transition_in": "cut"}), path, sha)
                         for n in range(40) for shot, path, sha in clips[:1]])
    worker.cut_ahead(long_cut)
    done = threading.Event()

    def render() -> None:
        worker.render("job-c", make_shot(frames=15), PROFILE, tmp_path / "render.mp4", "cpu", 0)
        done.set()
    threading.Thread(target=render, daemon=True).start()
    assert done.wait(30)
    assert worker.cut(long_cut, tmp_path / "cut.mp4", tmp_path) is None  # stopped, so not made
    assert not _left_in_worker(tmp_path)
