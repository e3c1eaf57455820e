"""Shots to a remote provider at once, up to its concurrency limit, each with its own fallback, and never
past the budget: a shot is submitted only once its reservation fits beside those of the shots in flight.
When one fits only after others finish, it waits for them; when nothing is in flight and it still does not
fit, the job stops at its budget as a sequential render would."""

from __future__ import annotations

from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path


def render_concurrently(renderer, pending: list, total: int, workdir: Path, records: dict) -> None:
    queue = deque(pending)
    in_flight: dict[Future, tuple[int, object, float]] = {}
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=renderer.concurrency, thread_name_prefix=f"shots-{renderer.job_id}") as pool:
        while queue or in_flight:
            while failure is None and queue and len(in_flight) < renderer.concurrency:
                n, shot = queue[0]
                if in_flight and not renderer.budget.can_reserve(shot.shot_id):
                    break  # fits only once a shot in flight is reconciled
                try:
                    reserved = renderer.budget.reserve(shot.shot_id, renderer._in_order(records))
                except BaseException as err:  # the budget stop: shots in flight finish (and are kept) first
                    failure = err
                    break
                queue.popleft()
                in_flight[pool.submit(renderer.render_with_remediation, shot, workdir, reserved)] = (n, shot, reserved)
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                n, shot, reserved = in_flight.pop(future)
                try:
                    record = future.result()
                except BaseException as err:
                    renderer.budget.reconcile(shot.shot_id, reserved, 0.0)
                    failure = failure or err
                    continue
                renderer._rendered(n, total, shot, reserved, record)
                records[shot.shot_id] = record
    if failure is not None:
        if hasattr(failure, "records"):
            failure.records = renderer._in_order(records)
        raise failure
