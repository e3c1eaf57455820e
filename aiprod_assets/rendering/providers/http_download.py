"""Fetching a provider's output file over HTTP, streamed to disk, with failures classified.

Output URLs are signed and expire (Runway's within a day or two): a refused or vanished
URL is worth another try, because the retry polls the recorded task again for a fresh one.
"""

from __future__ import annotations

from pathlib import Path

from aiprod_assets.failures import RetryableRenderError, classify_status

CHUNK = 1024 * 1024


def download_url(provider: str, url: str, path: Path, timeout_sec: float = 120.0,
                 headers: dict[str, str] | None = None) -> None:
    import httpx

    try:
        with httpx.stream("GET", url, timeout=timeout_sec, headers=headers or {}, follow_redirects=True) as response:
            if response.status_code in (401, 403, 404, 410):
                raise RetryableRenderError(f"{provider}: HTTP {response.status_code} for the output URL "
                                           "(expired?); the task will be polled again for a fresh one")
            if response.status_code >= 400:
                response.read()
                raise classify_status(provider, response.status_code, f"download failed: {response.text[:200]}",
                                      response.headers.get("retry-after"))
            with open(path, "wb") as handle:
                handle.writelines(response.iter_bytes(CHUNK))
    except httpx.HTTPError as err:
        raise classify_status(provider, None, f"download failed: {type(err).__name__}: {err}") from err
