"""A provider's HTTP answer as one of the design's failure kinds (DESIGN.md §7)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from aiprod_assets.rendering.backend import (
    RenderError,
    RetryableRenderError,
    ShotFatalError,
)

_POLICY_WORDS = re.compile(r"content[ _-]?polic|safety|moderation|\bnsfw\b|prohibited|responsible ai|"
                           r"\brai\b|violat", re.IGNORECASE)


class ContentPolicyRefusal(ShotFatalError):
    """The provider will not make this shot; another backend may."""


class ProviderAuthError(ShotFatalError):
    """The key is missing, wrong or lacks access: no retry will fix it."""


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
