"""Dagster's retry of a step that met a transient error: a store or service that timed out, answered 429 or
5xx, dropped the connection, or ran out of memory. 1 s, 2 s, 4 s with jitter, then the step fails.

Permanent errors (a bad brief, a budget stop, a content refusal, every backend exhausted, an unreadable
record) are raised as ``dg.Failure(allow_retries=False)`` and never retried. Render failures are retried
inside the render step already, backend by backend (aiprod_assets.failures); this policy is for the step.
"""

import dagster as dg

TRANSIENT_RETRY = dg.RetryPolicy(max_retries=3, delay=1.0, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)
