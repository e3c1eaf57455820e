"""A job for the tests: the example briefs, a brief with changes, and the production job run in process."""

import json
from pathlib import Path

import dagster as dg

from aiprod_assets.definitions import build_definitions
from aiprod_assets.partitions import jobs_partitions

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLES = REPO / "examples" / "briefs"


def brief_bytes(**changes) -> bytes:
    """The lighthouse example without its job_id, with ``changes``; ``...`` drops a field."""
    brief = json.loads((EXAMPLES / "lighthouse-keeper.json").read_text())
    del brief["job_id"]
    brief.update(changes)
    return json.dumps({k: v for k, v in brief.items() if v is not ...}).encode()


PLANNING_ASSETS = ["brief", "sanitized_input", "production_manifest", "shot_list", "cost_estimate"]


def run_production(store, instance, job_id, run_config=None, selection=None, **overrides):
    """Run the production job for ``job_id``; ``selection`` names the assets (default: all)."""
    defs = build_definitions(store, **overrides)
    if not instance.has_dynamic_partition(jobs_partitions.name, job_id):
        instance.add_dynamic_partitions(jobs_partitions.name, [job_id])
    job = defs.resolve_job_def("production")
    keys = [dg.AssetKey(name) for name in selection] if selection else None
    return job.execute_in_process(instance=instance, partition_key=job_id, run_config=run_config,
                                  raise_on_error=False, asset_selection=keys)

