"""Durable provider tasks: written before polling starts, so a restart polls instead of paying twice.

One file per shot, ``providers/<job_id>/<shot_id>.json``, lists every task submitted for
it. The task to resume is the latest one for the same provider and spec_hash that has
not failed or been abandoned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import ProviderTask, ProviderTasks
from aiprod_assets.layout import provider_tasks_key, provider_tasks_prefix

RESUMABLE = ("submitted", "succeeded")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class TaskJournal:
    def __init__(self, store, now: Callable[[], str] = utc_now):
        self.store, self.now = store, now

    def load(self, job_id: str, shot_id: str) -> ProviderTasks:
        key = provider_tasks_key(job_id, shot_id)
        if not self.store.exists(key):
            return ProviderTasks(job_id=job_id, shot_id=shot_id)
        return ProviderTasks.model_validate_json(self.store.get_bytes(key))

    def resumable(self, job_id: str, shot_id: str, provider: str, spec_hash: str) -> ProviderTask | None:
        for task in reversed(self.load(job_id, shot_id).tasks):
            if task.provider == provider and task.spec_hash == spec_hash:
                return task if task.status in RESUMABLE else None
        return None

    def submitted(self, job_id: str, shot_id: str, provider: str, model: str, spec_hash: str,
                  task_id: str) -> ProviderTask:
        stamp = self.now()
        task = ProviderTask(provider=provider, model=model, task_id=task_id, spec_hash=spec_hash,
                            status="submitted", submitted_at=stamp, updated_at=stamp)
        self._save(job_id, shot_id, task)
        return task

    def update(self, job_id: str, shot_id: str, task: ProviderTask, **changes) -> ProviderTask:
        task = task.model_copy(update={**changes, "updated_at": self.now()})
        self._save(job_id, shot_id, task)
        return task

    def _save(self, job_id: str, shot_id: str, task: ProviderTask) -> None:
        record = self.load(job_id, shot_id)
        others = [t for t in record.tasks if not (t.provider == task.provider and t.task_id == task.task_id)]
        record.tasks = [*others, task]
        self.store.put_bytes(provider_tasks_key(job_id, shot_id), pretty_json(record).encode())


def job_tasks(store, job_id: str) -> list[tuple[str, ProviderTask]]:
    """Every provider task of a job as (shot_id, task), shot by shot in submission order."""
    found = []
    for key in store.list_keys(provider_tasks_prefix(job_id)):
        record = ProviderTasks.model_validate_json(store.get_bytes(key))
        found += [(record.shot_id, task) for task in record.tasks]
    return found


def describe(shot_id: str, task: ProviderTask) -> str:
    state = {"submitted": "in flight", "succeeded": "done"}.get(task.status, task.status)
    line = f"shot {shot_id}: {task.provider} task {task.task_id} {state} (submitted {task.submitted_at})"
    if task.reason:
        line += f": {task.reason}"
    return line + (", cancelled" if task.cancelled else "")
