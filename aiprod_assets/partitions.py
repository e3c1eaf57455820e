"""One partition per production job; the key is the job id (DESIGN.md §3)."""

import dagster as dg

jobs_partitions = dg.DynamicPartitionsDefinition(name="jobs")

# The job that materializes one production for one partition; sensors and the CLI start it by name.
PRODUCTION_JOB = "production"
