"""A command that renders, run in a process that already has Dagster and the code location imported.

`aiprod run` and `aiprod edit-shot` spend about 1.5 s of one core importing Dagster, SQLAlchemy and the
project before their run starts, on the same two cores their shot renders on. A reviewer runs such commands
one after another, so one that finds no warm process leaves one behind as it ends (cli/warm_server.py): a
process that imports all that once, then waits AIPROD_WORKER_LINGER_SEC seconds (120 by default; 0: none is
left) for the next such command run the same way. That command sends it its arguments, environment, folder
and standard streams; the warm process forks, and the fork runs the command as the command's own process
would have, from its first line, with nothing imported afresh. Each command gets a fork of its own: nothing
one command changes reaches the next.

"The same way" is as strict as for the device worker (rendering/previz/lingering.py): the same user,
interpreter, temporary folder and environment, the project's code and the installed packages as they are on
disk. The command's own process stays the one the user sees: its exit status is the fork's, the signals it
gets (Ctrl-C, `kill`) are passed on, and if it is killed outright (`kill -9`) the fork kills itself at once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
from multiprocessing.connection import Connection
from pathlib import Path

from aiprod_assets.rendering.previz import lingering

_PROJECT = Path(__file__).resolve().parents[2]
# What the warm process imports from the project: aiprod_assets, resources, sensors.
_CODE = tuple(_PROJECT / package for package in ("aiprod_assets", "resources", "sensors"))
HELLO = b"aiprod-warm-command"
_PASSED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def send(connection: Connection, message) -> None:
    """A message between a command's process and its fork, as JSON: neither end unpickles what the other sends."""
    connection.send_bytes(json.dumps(message).encode())


def receive(connection: Connection):
    return json.loads(connection.recv_bytes())


def warm_name() -> str:
    """The name a warm process started now, for this process's command, waits under."""
    # A package installed, upgraded or removed changes the folder's entries, so its mtime.
    packages = sysconfig.get_paths()["purelib"]
    installed = (os.stat(packages).st_mtime_ns,) if os.path.isdir(packages) else ()
    return lingering.process_name("warm-command", _CODE, installed)


def run_in_warm_process(argv: list[str], name: str) -> int | None:
    """Run the command ``argv`` in a fork of the warm process waiting under ``name``; its exit status, or None
    where none was there to take it (nothing of the command has run then)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(5.0)  # a warm process answers at once; a wedged one is not waited for
        sock.connect(lingering.address(name))
        if lingering.peer(sock)[1] != os.getuid():
            return None
        folder = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            socket.send_fds(sock, [HELLO], [0, 1, 2, folder])
        finally:
            os.close(folder)
        if sock.recv(len(HELLO)) != HELLO:
            return None
        sock.settimeout(None)
        connection = Connection(sock.detach())
    except OSError:  # none waits, a standard stream is closed, or the folder cannot be opened
        return None
    finally:
        sock.close()
    return _follow(connection, argv)


def _follow(connection: Connection, argv: list[str]) -> int:
    """The command runs in the fork from here: pass it what it runs with and the signals this process gets,
    and wait for its exit status."""
    passed: list[int] = []

    def pass_on(signum, _frame) -> None:
        passed.append(signum)
        try:
            send(connection, ["signal", signum])
        except OSError:
            pass  # it ended meanwhile

    for signum in _PASSED_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:  # one ignored here (`nohup`, `&`) is not passed
            signal.signal(signum, pass_on)
    try:
        send(connection, [argv, dict(os.environ), list(sys.path)])
        while True:
            kind, value = receive(connection)
            if kind == "exit":
                return value
    except (EOFError, OSError):
        if passed:  # it died of a signal passed on: so does this process, as it would have running it itself
            signal.signal(passed[-1], signal.SIG_DFL)
            os.kill(os.getpid(), passed[-1])
        print("aiprod: the command's process ended without an exit status", file=sys.stderr)
        return 1


def leave_one_warm(name: str, environment: dict[str, str], seconds: float) -> None:
    """Start a warm process, waiting ``seconds``, for the next command run as this one was (``environment``:
    this command's as it started). It leaves this command's session and output at once."""
    try:
        subprocess.Popen([sys.executable, "-m", "aiprod_assets.cli.warm_server", name, str(seconds)],
                         cwd="/", env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        pass  # the next command starts cold, as this one did
