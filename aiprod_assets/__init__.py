"""AIPROD: the production domain and its Dagster assets."""

import os

# Before torch is first imported (it is imported lazily, after this package): OpenMP's idle threads would
# otherwise spin between torch's parallel regions while previz draws, taking the cores x264 encodes on. On
# this repository's 2-core reference machine that spinning cost a third of a 1080p render's CPU time.
# A deployment that sets the variable keeps its own.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Before numpy is first imported: its OpenBLAS threads spin for a core when the other cores are busy, and ours
# always are. The products here are small (the true peak's 4x oversampling, colour conversions, a picture's
# luma), so threads gain little even on idle cores (a 4 s clip's true peak: 17 ms on two, 18 on one), while
# beside a render that holds every core each call took three times as long, spinning on the render's cores: a
# 12 s job here spent about a second more CPU.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
