"""Asking the device worker to make the final cut ahead (previz/cut_ahead.py), and taking it when it is asked for.

The render step tells the asker of each clip as it is stored, the reused ones first. Once every shot has
one, and this run rendered at least one of them (a run that rendered nothing most likely has its cut), it
asks the worker for the cut of exactly those clips: the worker, idle by then, makes it while this process
judges the last clip and writes the QA reports. The request's title is the stored production manifest's, as
the final_cut step's will be. Where anything differs by the time the final_cut step asks (a clip rendered
again after QA asks again; a manifest made again), that step makes the cut itself. Only a store whose
objects are files on this disk is asked for, since the worker reads the clips where they are stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from aiprod_assets.contracts import ClipRecord, ShotList
from aiprod_assets.layout import CorruptRecord, Store, clip_key, read_artefact
from aiprod_assets.rendering.final_cut import (
    Assembly,
    CutRequest,
    MadeAhead,
    cut_request,
)
from aiprod_assets.rendering.previz.device_worker import DeviceWorkerGone, warm_worker


class CutAheadAsker:
    """Told of each clip as it is stored (``stored``); asks for the cut once every shot has one."""

    def __init__(self, job_id: str, shot_list: ShotList, title: str, encoder: str,
                 stored_file: Callable[[ClipRecord], Path | None], ask: Callable[[CutRequest], None],
                 on_progress: Callable[[str], None] = lambda message: None):
        self.job_id, self.shot_list, self.title, self.encoder = job_id, shot_list, title, encoder
        self.stored_file, self.ask, self.on_progress = stored_file, ask, on_progress
        self.records: dict[str, ClipRecord] = {}
        self.rendered = False
        self._lock = threading.Lock()  # shots are stored from more than one thread

    def stored(self, record: ClipRecord) -> None:
        with self._lock:
            self.records[record.shot_id] = record
            self.rendered = self.rendered or not record.reused
            if not self.rendered or any(s.shot_id not in self.records for s in self.shot_list.shots):
                return
            paths = {shot_id: self.stored_file(r) for shot_id, r in self.records.items()}
            if any(path is None for path in paths.values()):
                return
            request = cut_request(self.job_id, self.shot_list, list(self.records.values()), paths, self.title,
                                  self.encoder)
            try:
                self.ask(request)
            except DeviceWorkerGone as err:  # the final_cut step makes the cut here
                self.on_progress(f"final cut not made ahead: {err}")


def cut_ahead_asker(store: Store, job_id: str, shot_list: ShotList, encoder: str,
                    on_progress: Callable[[str], None]) -> Callable[[ClipRecord], None] | None:
    """The render step's ``on_stored``, where a device worker serves this process (else None); it asks only
    where the clips are files on this disk (``Store.stored_file``)."""
    worker = warm_worker()
    if worker is None:
        return None
    try:
        manifest = read_artefact(store, "production_manifest", job_id)
    except CorruptRecord:
        return None
    if manifest is None:
        return None
    return CutAheadAsker(job_id, shot_list, manifest.title, encoder,
                         stored_file=lambda r: store.stored_file(clip_key(job_id, r.shot_id, r.spec_hash)),
                         ask=worker.cut_ahead, on_progress=on_progress).stored


def made_ahead(on_progress: Callable[[str], None]) -> MadeAhead | None:
    """The final_cut step's ``made_ahead``: the device worker's cut for exactly the step's request, if it
    made one; None where no worker serves this process."""
    worker = warm_worker()
    if worker is None:
        return None

    def take(request: CutRequest, out_path: Path, workdir: Path) -> Assembly | None:
        try:
            return worker.cut(request, out_path, workdir)
        except Exception as err:  # made here instead: the cut is owed whatever became of the one made ahead
            out_path.unlink(missing_ok=True)
            on_progress(f"final cut made ahead not taken ({type(err).__name__}: {err})")
            return None

    return take
