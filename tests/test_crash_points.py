"""kill -9 of `aiprod run` at four points, then `aiprod run` again in the CLI's own Dagster home (whose
`gpu` pool allows one run): the dead run is failed and its slot freed, the job finishes, and no shot
that was finished before the kill is rendered again; what the killed run left in the temporary folder goes
with the next run."""

import json
import signal
import time
from pathlib import Path

import pytest

from aiprod_assets.contracts import RenderedClips
from tests.support.cli import aiprod, start_aiprod
from tests.support.jobs import EXAMPLES

JOB = "crash-job"
# When the file appears the run is inside the named step (or just past it): kill it there.
CRASH_POINTS = {
    "planning": "sanitized_input.json",
    "mid-render": "clips/*.json",
    "qa": "rendered_clips.json",
    "final-cut": "semantic_qa_report.json",
}


@pytest.fixture
def brief(tmp_path) -> Path:
    data = json.loads((EXAMPLES / "lighthouse-keeper.json").read_text())
    data.update(job_id=JOB, resolution="360p", duration_sec=8, characters=[])
    path = tmp_path / "crash.json"
    path.write_text(json.dumps(data))
    return path


def kill_when(process, folder: Path, pattern: str, timeout_sec: float = 120) -> None:
    deadline = time.monotonic() + timeout_sec
    while not any(folder.glob(pattern)):
        assert process.poll() is None, "the run ended before the crash point"
        assert time.monotonic() < deadline, f"{pattern} never appeared"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_killed_run_never_wedges_the_next_and_finished_shots_are_reused(tmp_path, brief, point):
    folder = tmp_path / ".aiprod" / "store" / "jobs" / JOB
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    first = start_aiprod(tmp_path, "run", brief, env_extra=env)
    kill_when(first, folder, CRASH_POINTS[point])
    assert first.returncode == -signal.SIGKILL
    if point == "mid-render":  # nothing runs at SIGKILL: the render's folder, with its partial clip, stays
        assert list(temp.glob(f"aiprod-{JOB}-*/*.mp4")), sorted(p.name for p in temp.rglob("*"))
    assert not (folder / "delivery_manifest.json").exists()
    finished = {p.name for p in folder.glob("clips/*.json")}

    status = aiprod(tmp_path, "status", JOB, env_extra=env)
    assert "interrupted (process gone)" in status.stdout, status.stdout + status.stderr

    second = aiprod(tmp_path, "run", brief, timeout=300, env_extra=env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert not list(temp.glob("aiprod-*")), "the next run removes what the killed one left in the temporary folder"
    assert (folder / "delivery_manifest.json").exists()
    clips = RenderedClips.model_validate_json((folder / "rendered_clips.json").read_bytes()).clips
    reused = {f"{c.shot_id}-{c.spec_hash[:12]}.json" for c in clips if c.reused}
    assert finished <= reused, f"finished before the kill: {finished}; reused: {reused}"
    if point != "planning":
        assert finished, "the kill came after at least one finished shot"
    # Resuming, the first shot still to render is rendered while the command loads Dagster, and taken by the
    # run; killed before its shot list was stored, the job's shots are foreseen as the run will plan them
    # (cli/shot_ahead.py); with every clip stored, nothing is.
    assert ("rendered ahead" in second.stderr) == (point in ("planning", "mid-render")), second.stderr[-2000:]
