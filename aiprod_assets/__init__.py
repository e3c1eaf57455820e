"""AIPROD: the production domain and its Dagster assets."""

import os

# Before torch is first imported (it is imported lazily, after this package): OpenMP's idle threads would
# otherwise spin between torch's parallel regions while previz draws, taking the cores x264 encodes on. On
# this repository's 2-core reference machine that spinning cost a third of a 1080p render's CPU time.
# A deployment that sets the variable keeps its own.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
