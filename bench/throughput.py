"""Production throughput: small jobs through the queued run coordinator on Postgres, with a real daemon.

    python -m bench.throughput [--jobs 20] [--runs 2]

Uploads the jobs' briefs at once to a deployment made from deploy/dagster.yaml (a throwaway Postgres,
the brief-upload sensor on, the gpu pool at 1), then the same jobs to a fresh deployment that runs one
at a time. Each side is timed from the first run requested to the last run finished (the run records),
so the sensor's polling interval is not counted. Prints jobs per minute for each, their ratio, and the
most runs and renders seen at once.
"""

import time

from aiprod_assets.testing.deployment import (
    QueuedDeployment,
    most_at_once,
    run_intervals,
    small_brief,
    step_intervals,
)
from aiprod_assets.testing.postgres import ThrowawayPostgres
from bench.timing import bench_arguments


def _through(jobs: int, runs: int, tag: str) -> tuple[float, int, int]:
    with ThrowawayPostgres() as pg, QueuedDeployment(pg, max_concurrent_runs=runs, gpu_slots=1) as deployment:
        instance = deployment.instance()
        job_ids = [f"{tag}-{n:02d}" for n in range(1, jobs + 1)]
        deployment.upload(job_ids, small_brief())
        deployment.wait_delivered(job_ids, instance, timeout_sec=120 + 90 * jobs)
        records = instance.get_run_records()
        first_requested = min(r.create_timestamp.timestamp() for r in records)
        last_finished = max(r.end_time for r in records if r.end_time)
        return (last_finished - first_requested, most_at_once(run_intervals(instance)),
                most_at_once(step_intervals(instance, "rendered_clips")))


def main() -> None:
    args = bench_arguments(__doc__, jobs=20, runs=2)
    started = time.perf_counter()
    queued, queued_runs, queued_renders = _through(args.jobs, args.runs, "queued")
    alone, _, _ = _through(args.jobs, 1, "alone")
    print(f"{args.jobs} jobs (360p, 2 s, previz), deploy/dagster.yaml on Postgres 15, dagster-daemon, gpu pool 1")
    print(f"queued, {args.runs} runs at once: {queued:7.1f} s  {60 * args.jobs / queued:5.2f} jobs/min  "
          f"(most at once: {queued_runs} runs, {queued_renders} renders)")
    print(f"one after another:       {alone:7.1f} s  {60 * args.jobs / alone:5.2f} jobs/min")
    print(f"throughput ratio, queued over one at a time: {alone / queued:.2f}x")
    print(f"bench wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
