"""Which calibrated cost model estimates use: the promoted one, kept at cost/models/promoted.json."""

from __future__ import annotations

from typing import Protocol

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import CostModel

PROMOTED_KEY = "cost/models/promoted.json"


class ModelStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...


def load_promoted(store: ModelStore) -> CostModel | None:
    return CostModel.model_validate_json(store.get_bytes(PROMOTED_KEY)) if store.exists(PROMOTED_KEY) else None


def promote(store: ModelStore, model: CostModel) -> None:
    store.put_bytes(f"cost/models/{model.version}.json", pretty_json(model).encode())
    store.put_bytes(PROMOTED_KEY, pretty_json(model).encode())
