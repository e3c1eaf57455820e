"""Requests per minute to one provider, shared by every backend object in the process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SEC = 60.0


class RateLimiter:
    """A sliding one-minute window: a request waits until fewer than ``per_minute`` were made in it."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if per_minute < 1:
            raise ValueError(f"requests_per_minute must be at least 1, got {per_minute}")
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.sent: deque[float] = deque()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a slot; return the seconds waited."""
        waited = 0.0
        with self.lock:
            while True:
                now = self.clock()
                while self.sent and now - self.sent[0] >= WINDOW_SEC:
                    self.sent.popleft()
                if len(self.sent) < self.per_minute:
                    self.sent.append(now)
                    return waited
                pause = WINDOW_SEC - (now - self.sent[0])
                self.sleep(pause)
                waited += pause


_LIMITERS: dict[tuple[str, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(provider: str, per_minute: int) -> RateLimiter:
    """One limiter per provider and limit, so every render in the process shares the budget."""
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault((provider, per_minute), RateLimiter(per_minute))
