"""A shot rendered before it is asked for, in the device worker.

A CLI command that will render spends its first seconds loading Dagster, its instance and the code location;
the device worker has torch by then and idles. A command that knows which shot its run will render first (the
shot just edited, or the first one a resumed job lacks: cli/shot_ahead.py) asks the worker to render it
ahead. Nothing is assumed about what the run then asks: a render request is served from the render made
ahead only when it asks for exactly that render (the same job, shot, profile, device setting, previews and
measurements), and then the clip is moved where the request says, the previews it made are sent, and its
seconds are the render's own. Any other request stops the render ahead at the next frame and is served as
ever, so a wrong guess costs only the frames drawn before the request came.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.work_folders import WorkFolder, remove_abandoned


class Abandoned(Exception):
    """A request other than the one the work ahead is for came: the work ahead stops where it is."""


class Arrivals:
    """Requests that come while the worker works ahead (``check()`` between frames or parts): a description is
    answered at once; the first other request is kept (``arrived``) for the worker to serve next, and stops
    the work (Abandoned) unless it is ``awaited``."""

    def __init__(self, work, connection: Connection, awaited: Callable[[str, tuple], bool]):
        self.work, self.connection, self.awaited = work, connection, awaited
        self.arrived: tuple | None = None

    def check(self) -> None:
        while self.arrived is None and self.connection.poll():
            message = self.connection.recv()
            kind, args = message
            if kind == "describe":
                try:
                    self.connection.send(("ok", self.work.describe(*args)))
                except Exception as err:
                    self.connection.send(("error", err))
                continue
            self.arrived = message
            if not self.awaited(kind, args):
                raise Abandoned


def request_key(render_args: tuple) -> tuple:
    """A render request's arguments without the path it writes to (the fourth): what a render ahead is matched
    on."""
    return render_args[:3] + render_args[4:]


@dataclass
class _Finished:
    key: tuple
    path: Path
    seconds: float
    encoded: Any
    previews: list = field(default_factory=list)


class RenderAhead:
    """The worker's side: at most one render made ahead, kept until a request takes it or another comes."""

    def __init__(self, work, connection: Connection):
        self.work, self.connection = work, connection
        self.finished: _Finished | None = None
        self._folder: WorkFolder | None = None  # made by the first work ahead: most workers never make one
        # As the worker starts, whatever it then does: a command killed while its worker made a cut ahead
        # leaves that folder, and the next command may have nothing to make ahead.
        remove_abandoned()

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = WorkFolder("ahead")
        return self._folder.path

    def close(self) -> None:
        """Remove the folder of renders made ahead, with anything in it."""
        if self._folder is not None:
            self._folder.remove()

    def render(self, ahead_args: tuple) -> tuple | None:
        """Render what ``ahead_args`` (a render request's arguments, with no path) describes; return the
        request that came meanwhile, if one did, for the worker to serve next."""
        self.discard()
        key = request_key(ahead_args)
        job_id, shot_json, profile_json, _no_path, setting, threads, every, measure = ahead_args
        shot = Shot.model_validate_json(shot_json)
        path = self.folder / f"{shot.shot_id}.mp4"
        previews: list = []
        arrivals = Arrivals(self.work, self.connection,
                            awaited=lambda kind, args: kind == "render" and request_key(args) == key)
        preview = (lambda index, frame: previews.append((index, frame))) if every else None
        try:
            seconds, encoded = self.work.render(job_id, shot, RenderProfile.model_validate_json(profile_json), path,
                                                setting, threads, every, preview, measure, arrivals.check)
        except Abandoned:
            path.unlink(missing_ok=True)
            return arrivals.arrived
        except Exception as err:  # nobody's request yet: the run's own render meets it again and reports it
            path.unlink(missing_ok=True)
            print(f"device worker: rendering {shot.shot_id} ahead failed ({type(err).__name__}: {err}); "
                  "it renders when asked", file=sys.stderr)
            return arrivals.arrived
        self.finished = _Finished(key, path, seconds, encoded, previews)
        return arrivals.arrived

    def serve(self, render_args: tuple) -> tuple[float, Any] | None:
        """(seconds, encoded) for the render request ``render_args`` from the render made ahead, its previews
        sent and its clip moved where the request writes; None where it asks for something else (the render
        made ahead is then dropped)."""
        finished, self.finished = self.finished, None
        if finished is None:
            return None
        if finished.key != request_key(render_args):
            finished.path.unlink(missing_ok=True)
            return None
        for index, frame in finished.previews:
            self.connection.send(("preview", index, frame))
        shutil.move(finished.path, render_args[3])
        return finished.seconds, finished.encoded

    def discard(self) -> None:
        if self.finished is not None:
            self.finished.path.unlink(missing_ok=True)
            self.finished = None
