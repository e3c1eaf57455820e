"""gcp-storage-emulator, started in this process on a free loopback port, for the GCS tests and bench.sensor."""

import os
import socket
from contextlib import contextmanager

from google.auth.credentials import AnonymousCredentials


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_emulator():
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    previous = os.environ.get("STORAGE_EMULATOR_HOST")
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{port}"
    try:
        yield port
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else:
            os.environ["STORAGE_EMULATOR_HOST"] = previous


def client():
    from google.cloud import storage

    return storage.Client(project="aiprod-test", credentials=AnonymousCredentials())
