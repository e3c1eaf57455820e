"""A re-run with nothing changed answers at once: the job's delivered inputs are recorded at delivery,
and a run whose brief, code and deployment settings are the same, whose cut and manifest are the ones
delivered, and with no review event since, has nothing to make. `aiprod run --force` runs the graph anyway."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from aiprod_assets.canonical import digest_of, sha256_hex, stream_sha256
from aiprod_assets.layout import (
    Store,
    artefact_key,
    delivered_inputs_key,
    final_cut_key,
    review_events_prefix,
)

# The deployment settings a run depends on (secrets are never read: only whether they are set).
_SETTINGS_PREFIXES = ("AIPROD_",)
_KEY_VARIABLES = ("GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "RUNWAYML_API_SECRET", "REPLICATE_API_TOKEN",
                  "GEMINI_API_KEY")
# Where the job lives, and which process renders it for how long: the same job is made either way.
_UNRELATED = ("AIPROD_HOME", "AIPROD_STORE", "AIPROD_DEVICE_WORKER", "AIPROD_WORKER_LINGER_SEC")


def code_digest() -> str:
    """Every source and data file of the code location: a changed line makes the graph run again."""
    import aiprod_assets
    import resources
    import sensors

    digest = []
    for package in (aiprod_assets, resources, sensors):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".json", ".js", ".html", ".css") and path.is_file():
                digest.append((str(path.relative_to(root.parent)), sha256_hex(path.read_bytes())))
    return digest_of(digest)


def settings_digest(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    settings = {k: v for k, v in env.items() if k.startswith(_SETTINGS_PREFIXES) and k not in _UNRELATED}
    return digest_of({"settings": settings, "keys_set": sorted(k for k in _KEY_VARIABLES if env.get(k))})


def _file_sha(store: Store, key: str) -> str | None:
    if not store.exists(key):
        return None
    with store.open_read(key) as stored:
        return stream_sha256(stored)


def _last_event(store: Store, job_id: str) -> str:
    keys = store.list_keys(review_events_prefix(job_id))
    return keys[-1] if keys else ""


def current_inputs(store: Store, job_id: str, brief_sha256: str) -> dict:
    return {"brief_sha256": brief_sha256, "code": code_digest(), "settings": settings_digest(),
            "final_cut_sha256": _file_sha(store, final_cut_key(job_id)),
            "delivery_manifest_sha256": _file_sha(store, artefact_key("delivery_manifest", job_id)),
            "last_review_event": _last_event(store, job_id)}


def record_delivered(store: Store, job_id: str, brief_sha256: str) -> None:
    store.put_bytes(delivered_inputs_key(job_id),
                    json.dumps(current_inputs(store, job_id, brief_sha256), indent=2).encode())


def nothing_to_do(store: Store, job_id: str, brief_sha256: str) -> bool:
    if not store.exists(delivered_inputs_key(job_id)):
        return False
    try:
        recorded = json.loads(store.get_bytes(delivered_inputs_key(job_id)))
    except ValueError:
        return False
    now = current_inputs(store, job_id, brief_sha256)
    return recorded == now and now["final_cut_sha256"] is not None and now["delivery_manifest_sha256"] is not None
