"""The failure kinds of DESIGN.md §7 and the retry policy every outside call follows.

Retryable failures (timeouts, 429, 5xx, lost connections, CUDA out of memory) are tried
again after a pause of 1 s, 2 s, 4 s ... capped at 30 s, with jitter; failures fatal for
the shot (content policy, other 4xx) move on to the next backend.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class RenderError(Exception):
    """A render that did not produce a clip. ``retryable`` decides between backoff and the next backend."""

    retryable = True

    def __init__(self, message: str, retry_after_sec: float | None = None):
        super().__init__(message)
        self.retry_after_sec = retry_after_sec


class RetryableRenderError(RenderError):
    """Timeouts, 429, 5xx, connection resets, CUDA out of memory: worth another try after a pause."""


class ShotFatalError(RenderError):
    """Content policy refusals, 4xx other than 429, corrupt output: this backend will not make this shot."""

    retryable = False


class TaskAbandoned(ShotFatalError):
    """A provider task that did not finish in time: submitting again would pay again, so move on."""


class ContentPolicyRefusal(ShotFatalError):
    """The provider will not make this shot; another backend may."""


class ProviderAuthError(ShotFatalError):
    """The key is missing, wrong or lacks access: no retry will fix it."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts_per_backend: int = 4
    base_delay_sec: float = 1.0
    max_delay_sec: float = 30.0
    jitter: float = 0.1  # up to this share of the delay is added at random, so retries do not stampede

    def delay(self, failures: int, rng: random.Random, retry_after_sec: float | None = None) -> float:
        """Pause after the ``failures``-th failure: 1 s, 2 s, 4 s ... capped, with jitter."""
        delay = self.base_delay_sec * 2 ** (failures - 1)
        delay = min(self.max_delay_sec, delay * (1 + self.jitter * rng.random()))
        if retry_after_sec is not None:
            delay = max(delay, min(retry_after_sec, self.max_delay_sec))
        return delay


_POLICY_WORDS = re.compile(r"content[ _-]?polic|safety|moderation|\bnsfw\b|prohibited|responsible ai|"
                           r"\brai\b|violat", re.IGNORECASE)


def is_policy_refusal(message: str | None) -> bool:
    return bool(message and _POLICY_WORDS.search(message))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header in seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_status(provider: str, status: int | None, message: str,
                    retry_after: str | None = None) -> RenderError:
    """429, 5xx and no answer at all are worth another try; policy and other 4xx are not."""
    text = f"{provider}: HTTP {status}: {message}" if status else f"{provider}: {message}"
    if status is None or status == 408 or status == 429 or status >= 500:
        return RetryableRenderError(text, retry_after_sec=retry_after_seconds(retry_after))
    if status in (401, 403):
        return ProviderAuthError(text + " (check the API key in the environment)")
    if is_policy_refusal(message):
        return ContentPolicyRefusal(text)
    return ShotFatalError(text)
