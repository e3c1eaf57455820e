"""The `aiprod` console script: the click group, then a quick way out of the interpreter."""

from __future__ import annotations

import atexit
import os
import sys
import threading


def exit_status(code: object) -> int:
    """What ``sys.exit(code)`` would leave the process with; a message is printed as Python prints it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def leave(status: int, report=None) -> None:
    """Finish everything Python would finish at exit, then leave without tearing the interpreter down.

    A process that ran the graph holds torch, Dagster and a job's worth of objects; freeing them one by one
    at exit took about a second after the job was already delivered. The kernel frees them at once. What
    exit is for still happens first: threads that are not daemons finish, atexit hooks run (logging's
    flush, temporary folders' finalizers), and both streams are flushed. ``report(status)`` then tells a
    command's process that had a warm process run it (warm_start.py)."""
    # What the interpreter does first at exit: wake idle thread pools' workers, then join every thread that
    # is not a daemon (joining them first would wait for ever on a pool nobody shut down).
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken pipe: nothing more can reach the reader
    if report is not None:
        try:
            report(status)
        except OSError:
            pass  # the command's process is gone
    os._exit(status)


def run_and_leave(command, report=None) -> None:
    """Run a click command in standalone mode (it always ends in SystemExit) and leave with its status.
    An exception click does not handle propagates as ever, with its traceback."""
    try:
        command()
        status = 0
    except SystemExit as done:
        status = exit_status(done.code)
    leave(status, report)


# Commands that may render: their device worker starts before anything else is imported, and a warm process
# with everything else imported runs them where one waits (warm_start.py).
RENDERING_COMMANDS = ("run", "edit-shot")


def run_command(report=None) -> None:
    """Run the command in sys.argv in this process, and leave."""
    if sys.argv[1:2] and sys.argv[1] in RENDERING_COMMANDS:
        from aiprod_assets.rendering.previz.device_worker import start_early

        # Before the CLI's own modules (a fifth of a second): torch, which the worker imports first, is what an
        # edited shot's render waits for (cli/shot_ahead.py). The command's group takes this worker.
        start_early()
    from aiprod_assets.cli.main import cli

    run_and_leave(cli, report)


def main() -> None:
    if not (sys.argv[1:2] and sys.argv[1] in RENDERING_COMMANDS):
        run_command()
    from aiprod_assets.cli import warm_start
    from aiprod_assets.rendering.previz.lingering import linger_seconds

    seconds = linger_seconds(quiet=True)
    if seconds <= 0:
        run_command()
    environment, name = dict(os.environ), warm_start.warm_name()
    status = warm_start.run_in_warm_process(sys.argv, name)
    if status is not None:
        os._exit(status)
    # None waits: this process runs the command, and leaves one for the next, started as it ends.
    run_command(report=lambda _status: warm_start.leave_one_warm(name, environment, seconds))
