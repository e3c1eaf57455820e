"""Temporary folders a killed process cannot leave behind: each is held by a lock its process keeps, and the
next folder made sweeps away those whose process is gone."""

import os
import signal
import tempfile
import time

from aiprod_assets.work_folders import WorkFolder, remove_abandoned, work_folder
from tests.support.held_folders import holding_process


def test_a_folder_lasts_its_block_and_is_named_for_its_work_and_process(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with work_folder("job-a-cut") as folder:
        assert folder.parent == tmp_path
        assert folder.name.startswith(f"aiprod-job-a-cut-{os.getpid()}-")
        (folder / "clip.mp4").write_bytes(b"x")
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_killed_process_leaves_its_folder_and_the_next_folder_made_removes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    killed, abandoned = holding_process(tmp_path)
    living, held = holding_process(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert (abandoned / "s01-01.mp4").exists()  # nothing of a process runs at SIGKILL
        foreign = tmp_path / "aiprod-someone-else"  # no lock held in it: not ours to judge
        foreign.mkdir()
        mine = WorkFolder("job-b")
        try:
            assert not abandoned.exists()
            assert held.exists() and (held / "s01-01.mp4").exists()  # its process lives
            assert foreign.exists()
            assert remove_abandoned() == []  # this process's own folder is held too
            assert mine.path.exists()
        finally:
            mine.remove()
        assert not mine.path.exists()
    finally:
        living.send_signal(signal.SIGKILL)
        living.wait()
    deadline = time.monotonic() + 5  # the kernel drops the lock as the process's files close
    while held.exists() and time.monotonic() < deadline:
        remove_abandoned(tmp_path)
        time.sleep(0.02)
    assert not held.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aiprod-someone-else"]


def test_a_folder_never_removed_goes_when_it_is_collected(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = WorkFolder("review-media").path
    assert not path.exists()
