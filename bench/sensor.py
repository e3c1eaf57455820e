"""One brief-upload sensor tick with 1,000 briefs in the prefix, on gcp-storage-emulator.

    python -m bench.sensor [--briefs 1000]

Prints the tick's time next to a plain listing of the same prefix (the floor any tick pays),
both in this process. Target: the tick under 2 s on this machine.
"""

import json
import time
import uuid

import dagster as dg
from dagster_gcp import GCSResource

from aiprod_assets.testing.gcs_emulator import client, running_emulator
from bench.timing import bench_arguments
from resources.gcs_store import GcsArtifactStore
from resources.policy import ProductionPolicy
from sensors.brief_sensor import brief_upload_sensor

TARGET_SECONDS = 2.0


def main() -> None:
    args = bench_arguments(__doc__, briefs=1000)
    brief = {"prompt": "A lighthouse keeper climbs the stairs at dusk.", "duration_sec": 12, "budget_usd": 3.0}
    with running_emulator(), dg.instance_for_test() as instance:
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        client().create_bucket(bucket)
        for n in range(args.briefs):
            data = json.dumps({**brief, "job_id": f"bench-{n:05d}"}).encode()
            client().bucket(bucket).blob(f"briefs/incoming/{uuid.uuid4().hex}.json").upload_from_string(data)
        store = GcsArtifactStore(bucket=bucket, gcs=GCSResource(project="bench"))
        started = time.perf_counter()
        store.list_with_times("briefs/incoming")
        listing = time.perf_counter() - started
        with dg.build_sensor_context(instance=instance, resources={"store": store, "policy": ProductionPolicy()}) as ctx:
            started = time.perf_counter()
            result = brief_upload_sensor(ctx)
            elapsed = time.perf_counter() - started
    print(f"{args.briefs} briefs in the prefix; the tick handled {len(result.run_requests)} (briefs_per_tick)")
    print(f"plain listing: {listing:.3f}s; sensor tick: {elapsed:.3f}s ({elapsed / listing:.1f}x the listing)")
    print(f"target under {TARGET_SECONDS:g}s: {'met' if elapsed < TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
