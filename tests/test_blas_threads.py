"""numpy's OpenBLAS runs one thread in our processes, unless the deployment says otherwise (aiprod_assets/__init__)."""

import os
import subprocess
import sys

import pytest

# What OpenBLAS itself says, asked through the library numpy's wheel carries.
ASK = """
import ctypes, glob, os, sys
{first}
import numpy
folder = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
found = glob.glob(os.path.join(folder, "libscipy_openblas*.so*"))
if not found:
    print("none")
    sys.exit()
library = ctypes.CDLL(found[0])
ask = next(getattr(library, name) for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                                                "openblas_get_num_threads") if hasattr(library, name))
print(ask())
"""


def _openblas_threads(first: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", ASK.format(first=first)], env={**environment, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_numpy_runs_one_blas_thread_in_our_processes_unless_the_deployment_sets_it():
    plain = _openblas_threads("")
    if plain == "none":
        pytest.skip("this numpy carries no OpenBLAS of its own")
    if plain == "1":
        pytest.skip("one core: OpenBLAS runs one thread anyway")
    assert _openblas_threads("import aiprod_assets") == "1"
    assert _openblas_threads("import aiprod_assets", OPENBLAS_NUM_THREADS="2") == "2"
