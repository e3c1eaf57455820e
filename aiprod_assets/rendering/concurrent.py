"""Shots in flight together: to a remote provider up to its concurrency limit, or two to the device worker
(one judged while the next renders), each with its own fallback, and never past the budget: a shot is
submitted only once its reservation fits beside those of the shots in flight. When one fits only after
others finish, it waits for them; when nothing is in flight and it still does not fit, the job stops at its
budget as a sequential render would."""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path


def render_concurrently(renderer, pending: list, total: int, workdir: Path, records: dict) -> None:
    queue = deque(pending)
    in_flight: dict[Future, tuple[int, object, float]] = {}
    failure: BaseException | None = None
    # A device that serves one render at a time (the device worker) serves them as they reach it: the next
    # shot is submitted once the one before has the device, so shots render in shot order.
    one_device = getattr(renderer.chain[0], "renders_elsewhere", False)
    previous_turn: threading.Event | None = None
    with ThreadPoolExecutor(max_workers=renderer.concurrency, thread_name_prefix=f"shots-{renderer.job_id}") as pool:
        while queue or in_flight:
            while failure is None and queue and len(in_flight) < renderer.concurrency:
                if one_device and previous_turn is not None:
                    previous_turn.wait()
                n, shot = queue[0]
                if in_flight and not renderer.budget.can_reserve(shot.shot_id):
                    break  # fits only once a shot in flight is reconciled
                try:
                    reserved = renderer.budget.reserve(shot.shot_id, renderer._in_order(records))
                except BaseException as err:  # the budget stop: shots in flight finish (and are kept) first
                    failure = err
                    break
                queue.popleft()
                turn = previous_turn = threading.Event()
                future = pool.submit(renderer.render_with_remediation, shot, workdir, reserved, turn.set)
                # A shot that ends without ever having the device (an error before its turn) lets the next go too.
                future.add_done_callback(lambda _, turn=turn: turn.set())
                in_flight[future] = (n, shot, reserved)
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
