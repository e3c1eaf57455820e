"""The warm process a command that renders leaves behind (cli/warm_start.py): Dagster and the project imported
once, then a fork per command. `python -m aiprod_assets.cli.warm_server NAME SECONDS`.

It forks from one thread only, holding no Dagster instance, database connection or file of any command, so a
fork starts as clean as a new process, with the imports made. It ends after SECONDS without a command, and
as the next one it would serve is run differently (another name) it simply goes unused until then.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os
import signal
import socket
import sys
import threading
from multiprocessing.connection import Connection

from aiprod_assets.cli.warm_start import HELLO, receive, send
from aiprod_assets.rendering.previz import lingering

# What a command's run imports only as it goes: Dagster's in-process execution and instance, PIL's image
# formats (previews, the contact sheet), numpy's FFT (motion), zipped arrays (kept QA measurements). A fork
# importing them spent about 50 ms of CPU on it, some of it while its shot rendered, some after. Named
# modules a later version may have moved are skipped: they only make a command faster.
_IMPORTED_AS_RUNS_GO = (
    "dagster._core.definitions.external_asset",
    "dagster._core.definitions.repository_definition.repository_data_builder",
    "dagster._core.execution.execute_in_process", "dagster._core.execution.plan.active",
    "dagster._core.executor.in_process", "dagster._core.instance.factory", "dagster._core.instance.runs.run_domain",
    "dagster._core.secrets.env_file", "dagster._core.storage.migration.utils",
    "dagster._core.storage.noop_compute_log_manager", "dagster._core.storage.root",
    "dagster._core.system_config.composite_descent", "upath", "numpy.fft", "numpy.ma", "gzip", "encodings.cp437",
    "multiprocessing.synchronize", "av.subtitles.stream", "aiprod_assets.media.preview",
)


def _import_what_commands_use() -> None:
    """What `run` and `edit-shot` import on their way, imported here once; start_up's process settings too."""
    import aiprod_assets.cli.local_env  # noqa: F401  Dagster, its storage, SQLAlchemy
    import aiprod_assets.cli.main  # noqa: F401  click and every command
    import aiprod_assets.cli.noop  # noqa: F401
    import aiprod_assets.cli.progress  # noqa: F401
    import aiprod_assets.cli.report  # noqa: F401
    import aiprod_assets.cli.review_runs  # noqa: F401
    import aiprod_assets.cli.shot_ahead  # noqa: F401
    import aiprod_assets.cli.summary  # noqa: F401
    import aiprod_assets.definitions  # noqa: F401  every asset, resource and sensor
    from aiprod_assets.cli.start_up import start_up

    for name in _IMPORTED_AS_RUNS_GO:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from PIL import Image

    Image.preinit()  # the common formats' plugins, which PIL loads as it first reads or writes an image
    start_up()


def _reap(_signum, _frame) -> None:
    # Forks are waited for here, so their CPU time counts as this process's children's.
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _take(sock: socket.socket) -> list[int] | None:
    """The command's stdin, stdout, stderr and folder, sent with its hello; None for anything else."""
    try:
        sock.settimeout(5.0)
        if lingering.peer(sock)[1] != os.getuid():
            return None
        message, fds, _flags, _from = socket.recv_fds(sock, len(HELLO), 4)
        if message == HELLO and len(fds) == 4:
            return fds
        for fd in fds:
            os.close(fd)
    except OSError:
        pass
    return None


def _standard_streams() -> None:
    """sys.stdin, stdout and stderr on the command's descriptors, buffered as a new process's would be."""
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        old = getattr(sys, name)
        line_buffered = fd == 2 or (fd == 1 and os.isatty(fd))
        stream = io.open(fd, "r" if fd == 0 else "w", buffering=1 if line_buffered else -1, encoding=old.encoding,
                         errors=old.errors, closefd=False)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _follow_the_caller(connection: Connection) -> None:
    """Signals the command's process got, done to this one; that process gone (killed outright), this one too."""
    while True:
        try:
            kind, value = receive(connection)
        except (EOFError, OSError, ValueError):
            os.kill(os.getpid(), signal.SIGKILL)
            return
        if kind == "signal":
            os.kill(os.getpid(), value)


def _be_the_command(sock: socket.socket, fds: list[int]) -> None:
    """In the fork: become the command's process and run it; never returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command waits for its own children
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, passed on, as in a process of its own
    try:
        for fd, target in zip(fds[:3], (0, 1, 2)):
            os.dup2(fd, target)
        os.fchdir(fds[3])
        for fd in fds:
            os.close(fd)
        sock.settimeout(None)
        sock.sendall(HELLO)
        connection = Connection(sock.detach())
        argv, environment, path = receive(connection)
    except (OSError, EOFError, ValueError):
        os._exit(1)  # the command's process gave up first: it runs the command itself
    os.environ.clear()
    os.environ.update(environment)
    sys.argv, sys.path[:] = argv, path
    _standard_streams()
    threading.Thread(target=_follow_the_caller, args=(connection,), name="aiprod-caller", daemon=True).start()
    from aiprod_assets.cli.entry import run_command

    run_command(report=lambda status: send(connection, ["exit", status]))


def serve(name: str, seconds: float) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(lingering.address(name))
    except OSError:
        return  # another warm process waits under this name already
    listener.listen(8)
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        listener.settimeout(seconds)
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            return
        fds = _take(sock)
        if fds is None:
            sock.close()
            continue
        if os.fork() == 0:
            listener.close()
            _be_the_command(sock, fds)
        sock.close()
        for fd in fds:
            os.close(fd)


def main(name: str, seconds: float) -> None:
    lingering.leave_the_command()
    _import_what_commands_use()
    if threading.active_count() != 1:
        return  # a fork of a process with other threads could inherit a lock one of them held
    # What is imported stays as it is: a fork's garbage collections then leave those objects' pages alone,
    # shared with this process instead of copied into the fork.
    gc.collect()
    gc.freeze()
    serve(name, seconds)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
