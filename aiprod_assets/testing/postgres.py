"""A throwaway PostgreSQL cluster on 127.0.0.1 in a temporary folder, for tests and benchmarks.

Debian's server binaries (apt-get install postgresql) live under /usr/lib/postgresql/<version>/bin,
off the PATH. initdb refuses to run as root, so as root the cluster belongs to the ``postgres``
user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from aiprod_assets.testing.local_server import free_port
from aiprod_assets.testing.service import Service


class PostgresUnavailable(RuntimeError):
    pass


def server_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise PostgresUnavailable(f"{name} not found: install Debian's postgresql (apt-get install postgresql)")
    return found


class ThrowawayPostgres(Service):
    """``with ThrowawayPostgres() as pg:`` a running cluster with a ``dagster`` database; pg.url. Its folder is
    its own, straight under the system's temporary folder (a test's tmp_path is closed to other users), and
    is removed when it stops."""

    user = "aiprod"
    database = "dagster"

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="aiprod-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._as = self._run_as()

    @staticmethod
    def _run_as() -> list[str]:
        if os.geteuid() != 0:
            return []
        pwd.getpwnam("postgres")  # KeyError: the package's user is missing
        return ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def env(self) -> dict[str, str]:
        """What deploy/dagster.yaml reads (DAGSTER_PG_*); trust auth, so the password is a placeholder."""
        return {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USER": self.user,
                "DAGSTER_PG_PASSWORD": "unused", "DAGSTER_PG_DB": self.database}

    def _call(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}")

    def start(self) -> ThrowawayPostgres:
        if self._as:
            shutil.chown(self.folder, "postgres")
            os.chmod(self.folder, 0o700)
        self._call(server_binary("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                   "--no-sync")
        # The socket goes in the cluster's own folder: /var/run/postgresql may not exist or be writable.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=200"
        self._call(server_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                   "-w", "-t", "60", "start")
        self._call(server_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                   self.database)
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._call(server_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
