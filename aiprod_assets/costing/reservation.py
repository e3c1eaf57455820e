"""Budget reservation while rendering: each shot's cost is reserved before it renders and reconciled after.

A job stops before its approved budget would be passed, and every decision goes to the
job's audit trail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import BudgetStop, ClipRecord
from aiprod_assets.layout import Store, budget_stop_key


class BudgetExceeded(RuntimeError):
    def __init__(self, reason: str, spent_usd: float, records: list[ClipRecord]):
        super().__init__(reason)
        self.spent_usd, self.records = spent_usd, records


@dataclass
class BudgetReservation:
    budget_usd: float | None = None
    estimated_usd: dict[str, float] = field(default_factory=dict)
    audit: Callable[..., None] = lambda kind, **details: None
    spent_usd: float = 0.0
    renders: int = 0
    # Reserved for shots in flight and not yet reconciled: with shots rendering at once, what may still be
    # charged counts against the budget as well as what was.
    in_flight_usd: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def reservation(self, shot_id: str) -> float:
        """What a render of this shot may cost: its estimate, or what renders have really cost, if more."""
        observed = self.spent_usd / self.renders if self.renders else 0.0
        return max(self.estimated_usd.get(shot_id, 0.0), observed)

    def allows(self, more_usd: float, reserved_for_it: float = 0.0) -> bool:
        """Whether ``more_usd`` fits; ``reserved_for_it`` is a reservation this spend already stands in."""
        with self.lock:
            committed = self.spent_usd + max(0.0, self.in_flight_usd - reserved_for_it)
            return self.budget_usd is None or committed + more_usd <= self.budget_usd

    def can_reserve(self, shot_id: str) -> bool:
        with self.lock:
            return self.allows(self.reservation(shot_id))

    def reserve(self, shot_id: str, records: list[ClipRecord]) -> float:
        with self.lock:
            reserved = self.reservation(shot_id)
            if not self.allows(reserved):
                reason = (f"stopped before shot {shot_id}: it may cost ${reserved:.6f} and ${self.spent_usd:.6f} "
                          f"of the approved ${self.budget_usd:g} is spent; raise the budget or shorten the brief")
                self.audit("stopped", shot_id=shot_id, reserved_usd=reserved, spent_usd=self.spent_usd,
                           budget_usd=self.budget_usd, reason=reason)
                raise BudgetExceeded(reason, self.spent_usd, records)
            self.in_flight_usd += reserved
            self.audit("reservation", shot_id=shot_id, reserved_usd=round(reserved, 8),
                       spent_usd=round(self.spent_usd, 8))
            return reserved

    def charge(self, usd: float) -> None:
        """A render was paid for."""
        with self.lock:
            self.spent_usd += usd
            self.renders += 1

    def carry(self, usd: float) -> None:
        """A reused clip: the job paid for it once, when it was made, and that spend stays on the job."""
        with self.lock:
            self.spent_usd += usd

    def reconcile(self, shot_id: str, reserved: float, actual_usd: float) -> None:
        with self.lock:
            self.in_flight_usd = max(0.0, self.in_flight_usd - reserved)
            self.audit("overrun" if actual_usd > reserved else "reconciliation", shot_id=shot_id,
                       reserved_usd=round(reserved, 8), actual_usd=actual_usd, spent_usd=round(self.spent_usd, 8))

    def refuse_remediation(self, shot_id: str, cost_each: float) -> str:
        """Record that another render of a failing shot would pass the budget; return why, for the shot's record."""
        self.audit("remediation_stopped", shot_id=shot_id, reserved_usd=cost_each, spent_usd=self.spent_usd,
                   budget_usd=self.budget_usd)
        return (f"no further attempt: another render (~${cost_each:.4f}) would pass the "
                f"approved budget (${self.spent_usd:.4f} of ${self.budget_usd:g} spent)")


def record_budget_stop(store: Store, job_id: str, budget_usd: float, stop: BudgetExceeded) -> BudgetStop:
    """Keep the partial spend of a job stopped at its budget (jobs/<id>/budget_stop.json): the ledger counts it."""
    record = BudgetStop(job_id=job_id, stopped_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        budget_usd=budget_usd, spent_usd=round(stop.spent_usd, 8), reason=str(stop),
                        clips=stop.records)
    store.put_bytes(budget_stop_key(job_id), pretty_json(record).encode())
    return record
