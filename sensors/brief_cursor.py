"""Which uploaded briefs a tick has not seen yet: the cursor is (updated time, name), never a name alone.

A key compared by sort order would skip an upload whose name sorts before the last one
handled; ordering by update time first picks up every upload, whatever its name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class BriefCursor:
    updated: float = 0.0
    name: str = ""

    def dumps(self) -> str:
        return json.dumps({"updated": self.updated, "name": self.name})

    @classmethod
    def loads(cls, text: str | None) -> "BriefCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(updated=float(data["updated"]), name=str(data["name"]))


def pending(listing: list[tuple[str, float]], cursor: BriefCursor) -> list[BriefCursor]:
    """Entries after the cursor, oldest first."""
    return sorted(entry for entry in (BriefCursor(updated, name) for name, updated in listing) if entry > cursor)
