"""How close first estimates come: each example brief run once with `aiprod run` on a fresh home.

    python -m bench.estimates

The first run measures the device profile; every estimate is made before its job renders. Prints
each job's estimate, actual and error = (actual - estimate) / estimate, then the MAPE over the
jobs. Target: every |error| and the MAPE at most 25 % for previz, on the CPU or a GPU.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from aiprod_assets.costing.budget import usd
from bench.aiprod_cli import aiprod_env, aiprod_script

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "briefs"
TARGET_PCT = 25.0


def main() -> None:
    errors = []
    with tempfile.TemporaryDirectory() as home:
        env = aiprod_env(Path(home))
        for brief in sorted(EXAMPLES.glob("*.json")):
            done = subprocess.run([aiprod_script(), "run", str(brief)], cwd=home, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{brief.name}: aiprod run failed\n{done.stderr[-2000:]}")
            job_id = done.stdout.split()[1].rstrip(":")
            manifest = json.loads((Path(home) / ".aiprod/store/jobs" / job_id / "delivery_manifest.json").read_text())
            cost = manifest["cost"]
            error = (cost["actual_usd"] - cost["estimate_usd"]) / cost["estimate_usd"] * 100
            errors.append(error)
            print(f"{job_id:<28} estimate {usd(cost['estimate_usd']):>10}  actual {usd(cost['actual_usd']):>10}  "
                  f"error {error:+6.1f}%")
    mape = sum(abs(e) for e in errors) / len(errors)
    worst = max(abs(e) for e in errors)
    met = "met" if worst <= TARGET_PCT and mape <= TARGET_PCT else "NOT met"
    print(f"MAPE {mape:.1f}%, worst |error| {worst:.1f}% (target <= {TARGET_PCT:g}%: {met})")


if __name__ == "__main__":
    main()
