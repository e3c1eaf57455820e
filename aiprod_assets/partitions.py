"""One partition per production job; the key is the job id (DESIGN.md §3)."""

import dagster as dg

jobs_partitions = dg.DynamicPartitionsDefinition(name="jobs")
