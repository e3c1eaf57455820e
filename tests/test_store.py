import os
import threading

import pytest

from aiprod_assets.layout import InvalidStoreKey, artefact_key
from resources.artifact_store import LocalArtifactStore


def test_put_get_list_exists_delete(store):
    uri = store.put_bytes("jobs/abc/brief.json", b"{}")
    assert uri.startswith("file://") and uri.endswith("jobs/abc/brief.json")
    store.put_bytes("jobs/abc/clips/s01.mp4", b"\x00" * 10)
    store.put_bytes("jobs/abd/brief.json", b"{}")
    assert store.list_keys("jobs/abc") == ["jobs/abc/brief.json", "jobs/abc/clips/s01.mp4"]
    assert store.list_keys("nothing/here") == []
    assert store.exists("jobs/abc/brief.json") and not store.exists("jobs/abc/other.json")
    store.delete("jobs/abc/brief.json")
    assert not store.exists("jobs/abc/brief.json")


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "jobs//x", "jobs/./x", "a\\b", ""])
def test_keys_that_could_escape_the_root_are_refused(store, key):
    with pytest.raises(InvalidStoreKey):
        store.put_bytes(key, b"x")


def test_write_is_atomic_a_failed_write_leaves_the_old_file(store, tmp_path):
    store.put_bytes("jobs/abc/clip.mp4", b"finished")

    class Boom(Exception):
        pass

    def failing_write(handle):
        handle.write(b"half")
        raise Boom

    with pytest.raises(Boom):
        store._atomic_write("jobs/abc/clip.mp4", failing_write)
    assert store.get_bytes("jobs/abc/clip.mp4") == b"finished"
    assert os.listdir(store.local_copy("jobs/abc/clip.mp4", tmp_path).parent) == ["clip.mp4"]


def test_readers_never_see_a_partial_file(store):
    payload = b"x" * (4 * 1024 * 1024)
    store.put_bytes("big.bin", payload)
    seen = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(len(store.get_bytes("big.bin")))

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(20):
        store.put_bytes("big.bin", payload if i % 2 else payload[:1024])
    stop.set()
    thread.join()
    assert seen <= {len(payload), 1024}


def test_put_file_copies_a_finished_file(store, tmp_path):
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"\x01\x02" * 1000)
    store.put_file("jobs/abc/clips/s01.mp4", source)
    assert store.get_bytes("jobs/abc/clips/s01.mp4") == source.read_bytes()


def test_artefact_keys_follow_the_storage_layout_and_check_job_ids():
    assert artefact_key("shot_list", "lighthouse-keeper") == "jobs/lighthouse-keeper/shot_list.json"
    assert artefact_key("cost_model", None) == "cost/cost_model.json"
    with pytest.raises(ValueError, match="job_id"):
        artefact_key("shot_list", "../../etc")


def _append_entries(root: str, writer: int, count: int) -> None:
    from aiprod_assets.costing.audit import append_audit

    store = LocalArtifactStore(root=root)
    for n in range(count):
        append_audit(store, "busy-job", "reservation", writer=writer, n=n, shot_id=f"s{n:03d}")


def test_four_processes_appending_at_once_lose_no_audit_entry(tmp_path):
    import multiprocessing

    from aiprod_assets.costing.audit import read_audit_trail

    root = str(tmp_path / "store")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_entries, args=(root, w, 500)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0
    trail = read_audit_trail(LocalArtifactStore(root=root), "busy-job")
    assert len(trail.events) == 2000 and trail.bad_lines == []
    assert {(e["writer"], e["n"]) for e in trail.events} == {(w, n) for w in range(4) for n in range(500)}


def test_a_garbage_line_in_the_audit_trail_is_skipped_and_reported(store):
    from aiprod_assets.costing.audit import append_audit, read_audit_trail
    from aiprod_assets.layout import audit_key

    append_audit(store, "messy-job", "estimate", total_usd=1.0)
    store.append_line(audit_key("messy-job"), "\x00\x00 not json {")
    append_audit(store, "messy-job", "chain", chain=["previz"])
    trail = read_audit_trail(store, "messy-job")
    assert [e["kind"] for e in trail.events] == ["estimate", "chain"] and trail.bad_lines == [2]
