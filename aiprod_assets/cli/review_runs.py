"""One tick of the approval sensor, run here: with no Dagster daemon on this machine, the CLI and the
review app start what a decision or an edit calls for themselves, with the sensor's own run keys."""

from __future__ import annotations

import threading
from collections.abc import Callable

import dagster as dg

from aiprod_assets.cli.progress import execute_with_progress
from aiprod_assets.cli.shot_ahead import render_shot_ahead
from aiprod_assets.paths import dagster_home
from aiprod_assets.review.records import ReviewEvent
from sensors.approval_sensor import approval_sensor

_CURSOR_FILE = "aiprod-approval-sensor.cursor"
_ONE_TICK_AT_A_TIME = threading.Lock()


def _already_ran(instance: dg.DagsterInstance, run_key: str) -> bool:
    return bool(instance.get_run_records(dg.RunsFilter(tags={"dagster/run_key": run_key}), limit=1))


def run_review_tick(env, say: Callable[[str], None] = print) -> list[dg.ExecuteInProcessResult]:
    """Evaluate the approval sensor once and execute what it requests, each run once (by run key)."""
    with _ONE_TICK_AT_A_TIME:
        cursor_file = dagster_home() / _CURSOR_FILE
        cursor = cursor_file.read_text().strip() if cursor_file.exists() else None
        context = dg.build_sensor_context(instance=env.instance, cursor=cursor, resources={"store": env.store})
        result = approval_sensor(context)
        if not isinstance(result, dg.SensorResult):
            return []
        results = []
        for request in result.run_requests or []:
            if _already_ran(env.instance, request.run_key):
                continue
            say(f"{request.partition_key}: {request.tags.get('aiprod/source', 'review')}: running "
                f"{', '.join(k.path[-1] for k in request.asset_selection)}")
            results.append(execute_with_progress(
                env.job, env.instance, request.partition_key, asset_selection=list(request.asset_selection),
                tags={**request.tags, "dagster/run_key": request.run_key}))
        if result.cursor:
            cursor_file.write_text(result.cursor)
        return results


class LocalRunner:
    """The approval sensor's ticks for the review app: woken by each decision or edit, and every few
    seconds in case one came from elsewhere (the CLI, another app)."""

    def __init__(self, env, interval_sec: float = 5.0, say: Callable[[str], None] = print):
        self.env, self.interval_sec, self.say = env, interval_sec, say
        self._wake = threading.Event()
        self._edited: tuple[str, str] | None = None  # (job, shot) of the last edit since the last tick
        self._thread = threading.Thread(target=self._loop, name="aiprod-review-runs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self, event: ReviewEvent | None = None) -> None:
        if event is not None and event.kind == "shot_edit" and event.shot_id:
            self._edited = (event.job_id, event.shot_id)
        self._wake.set()

    def _render_edit_ahead(self) -> None:
        """The shot just edited, asked of the device worker before the tick's run starts (cli/shot_ahead.py)."""
        edited, self._edited = self._edited, None
        if edited is not None:
            try:
                render_shot_ahead(self.env.store, *edited)
            except Exception as err:  # only a head start: the run renders the shot when it asks
                self.say(f"rendering {edited[1]} ahead failed: {type(err).__name__}: {err}")

    def _loop(self) -> None:
        try:
            # Dagster's instance and the code location, loaded while the app starts rather than by the first
            # decision or edit (about a second of it here).
            _ = self.env.instance, self.env.job
        except Exception as err:  # a tick that runs something meets it again, says so, and goes on
            self.say(f"loading the production job failed: {type(err).__name__}: {err}")
        while True:
            self._wake.wait(self.interval_sec)
            self._wake.clear()
            self._render_edit_ahead()
            try:
                run_review_tick(self.env, self.say)
            except Exception as err:  # a failed tick is tried again at the next one
                self.say(f"approval tick failed: {type(err).__name__}: {err}")
