"""One SDK client per adapter, built on first use by one thread only.

Shots of a job go to a provider concurrently. A client built twice by two threads at once
leaves one of them unreferenced; the SDKs close their HTTP pool when the client is
collected, under whichever thread is still sending through it ("client has been closed",
"bad file descriptor").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Client = TypeVar("Client")


class SharedClient(Generic[Client]):
    def __init__(self, build: Callable[[], Client]):
        self._build = build
        self._client: Client | None = None
        self._lock = threading.Lock()

    def get(self) -> Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        return self._client
