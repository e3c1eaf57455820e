"""The final cut made ahead in the device worker, while the run judges its last clip and writes its QA reports.

By the time the last clip of a run is stored the worker has nothing left to render, and the run spends most of
a second on one core (the last clip's QA, two QA steps) before its final_cut step makes the cut on that same
core. So the render step asks the worker for the cut as soon as every shot has its clip
(rendering/final_cut_ahead.py). The request is the final cut's own (rendering/final_cut.py's CutRequest: the
clips, their sha256, the profile, title, comment and encoder), and the same request makes the same bytes
wherever it is made; the final_cut step takes the cut only for exactly its own request, and otherwise makes
it as ever. A request of any other kind that comes meanwhile (a clip rendered again after QA) stops the cut
before its next clip.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from aiprod_assets.canonical import file_sha256
from aiprod_assets.rendering.final_cut import Assembly, CutRequest, request_key
from aiprod_assets.rendering.previz.render_ahead import Abandoned, Arrivals


@dataclass
class _Made:
    key: str
    folder: Path  # the cut, and its crossfades' encodes
    assembly: Assembly


class CutAhead:
    """The worker's side: at most one cut made ahead, kept until the final_cut step asks for a cut."""

    def __init__(self, work, connection: Connection, folder: Callable[[], Path]):
        self.work, self.connection, self.folder = work, connection, folder
        self.made: _Made | None = None

    def make(self, request_json: str) -> tuple | None:
        """Make the cut a CutRequest's JSON asks for; return the request that came meanwhile, if one did, for the
        worker to serve next (the final_cut step asking for this very cut waits for it)."""
        self.discard()
        key = request_key(request_json)
        folder = Path(tempfile.mkdtemp(prefix="cut-", dir=self.folder()))
        arrivals = Arrivals(self.work, self.connection,
                            awaited=lambda kind, args: kind == "cut" and request_key(args[0]) == key)
        try:
            request = CutRequest.from_json(request_json)
            for shot, path, sha256 in request.clips:
                if file_sha256(path) != sha256:
                    raise ValueError(f"{shot.shot_id}: {path} no longer holds the clip asked for")
            assembly = request.assemble(folder / "final_cut.mp4", workdir=folder, between_parts=arrivals.check)
        except Abandoned:
            shutil.rmtree(folder, ignore_errors=True)
            return arrivals.arrived
        except Exception as err:  # the final_cut step makes the cut itself, and meets the error there
            shutil.rmtree(folder, ignore_errors=True)
            print(f"device worker: making the final cut ahead failed ({type(err).__name__}: {err}); it is made "
                  "when asked", file=sys.stderr)
            return arrivals.arrived
        self.made = _Made(key, folder, assembly)
        return arrivals.arrived

    def serve(self, request_json: str, out_path: str, workdir: str) -> Assembly | None:
        """The Assembly of the cut made ahead for exactly this request (a CutRequest's JSON), its file moved to
        ``out_path`` and its crossfades' encodes into ``workdir`` (the parts it names are where they now are);
        None where there is no such cut (one made for another request is dropped)."""
        made, self.made = self.made, None
        if made is None:
            return None
        try:
            if made.key != request_key(request_json):
                return None
            shutil.move(made.folder / "final_cut.mp4", out_path)
            if made.assembly.spans is None:
                return made.assembly
            spans = []
            for span in made.assembly.spans:
                if span.path.parent == made.folder:  # a crossfade's encode, which the cut's QA reads
                    moved = Path(workdir) / span.path.name
                    shutil.move(span.path, moved)
                    span = replace(span, path=moved)
                spans.append(span)
            return Assembly(frames=made.assembly.frames, spans=spans)
        finally:
            shutil.rmtree(made.folder, ignore_errors=True)

    def discard(self) -> None:
        if self.made is not None:
            shutil.rmtree(self.made.folder, ignore_errors=True)
            self.made = None
