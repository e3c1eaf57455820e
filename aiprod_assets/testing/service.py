"""Something a test starts and must stop: started on entering, stopped on leaving, and stopped too when
starting fails half-way (a cluster initialised but not running, a daemon without its pools)."""

from __future__ import annotations

from typing import Self


class Service:
    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
