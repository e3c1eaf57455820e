"""Retry with exponential backoff and jitter, then the next backend in the chain."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiprod_assets.failures import RenderError, RetryPolicy
from aiprod_assets.rendering.backend import RenderBackend, RenderRequest, RenderResult


@dataclass
class Attempt:
    backend: str
    number: int
    error: str | None = None
    retryable: bool | None = None
    waited_sec: float = 0.0


class BackendsExhausted(RuntimeError):
    def __init__(self, shot_id: str, attempts: list[Attempt]):
        self.attempts = attempts
        tried = "; ".join(f"{a.backend} #{a.number}: {a.error}" for a in attempts)
        super().__init__(f"shot {shot_id}: every backend in the chain failed ({tried})")


@dataclass
class Rendered:
    backend: str
    result: RenderResult
    attempts: list[Attempt] = field(default_factory=list)


def render_with_fallback(
    chain: list[RenderBackend],
    request_for: Callable[[RenderBackend], RenderRequest],
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
    verify: Callable[[RenderRequest], None] | None = None,
) -> Rendered:
    """Try each backend in order; ``verify`` may refuse an output (a RenderError) as if the render failed."""
    rng = rng or random.Random()
    attempts: list[Attempt] = []
    shot_id = "?"
    for backend in chain:
        request = request_for(backend)
        shot_id = request.shot.shot_id
        for number in range(1, policy.attempts_per_backend + 1):
            attempt = Attempt(backend=backend.name, number=number)
            attempts.append(attempt)
            try:
                result = backend.render(request)
                if verify:
                    verify(request)
            except RenderError as err:
                attempt.error, attempt.retryable = f"{type(err).__name__}: {err}", err.retryable
                if on_attempt:
                    on_attempt(attempt)
                if not err.retryable or number == policy.attempts_per_backend:
                    break
                attempt.waited_sec = policy.delay(number, rng, err.retry_after_sec)
                sleep(attempt.waited_sec)
                continue
            if on_attempt:
                on_attempt(attempt)
            return Rendered(backend=backend.name, result=result, attempts=attempts)
    raise BackendsExhausted(shot_id, attempts)
