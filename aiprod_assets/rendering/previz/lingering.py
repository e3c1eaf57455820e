"""A device worker that outlives its command for a while, for the next command run the same way.

Every command that may render starts a worker, and its first render waits for the worker's torch import
(about a second and a half of one core). A reviewer runs such commands one after another: edit a shot, look,
edit the next. So a worker whose command ended cleanly is not stopped but lingers, idle, for
AIPROD_WORKER_LINGER_SEC seconds (120 by default; 0 stops it with its command, as before), and the next
command attaches to it instead of starting one.

Only a command that would have started the very same worker attaches: the worker listens under a name made of
the user, the interpreter, the project's code as it is on disk and the whole environment (the temporary folder
included). Any change to the code or to a setting gives a new name, and a fresh worker. The name is an
abstract Unix socket: it goes with the process, so a killed worker leaves nothing behind, and the worker
only serves a caller of its own user.

A lingering worker serves one command at a time: it stops listening as one attaches, and listens again only
if that command ends cleanly too. A command killed mid-way leaves its worker to end as ever: it dies with its
parent, or, attached, at its next word to the command that is gone. While it lingers it holds no terminal and
none of its last command's files: a caller reading the command's output to its end is never kept waiting.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

LINGER_ENV = "AIPROD_WORKER_LINGER_SEC"
DEFAULT_LINGER_SEC = 120.0
# Set by the shell per command or per terminal, or how long to linger: not part of what the worker runs with.
_UNRELATED_ENV = frozenset({"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", LINGER_ENV})
_CODE = Path(__file__).resolve().parents[2]  # the aiprod_assets package the worker imports from
_HELLO = b"aiprod-device-worker"


def linger_seconds(quiet: bool = False) -> float:
    """How long a worker waits for the next command once its own ended (0: it stops with its command);
    ``quiet``: a setting that is not allowed means 0 without saying so (the worker's own check says it)."""
    setting = os.environ.get(LINGER_ENV, "").strip()
    if not setting:
        return DEFAULT_LINGER_SEC
    try:
        seconds = float(setting)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        if quiet:
            return 0.0
        print(f"{LINGER_ENV}={setting!r} is not a number of seconds >= 0; the device worker stops with the "
              "command", file=sys.stderr)
        return 0.0
    return seconds


def _code_fingerprint(roots: tuple[Path, ...]) -> list[tuple[str, int, int]]:
    found = []
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    stat = os.stat(path)
                    found.append((os.path.relpath(path, root.parent), stat.st_mtime_ns, stat.st_size))
    return found


def process_name(kind: str, code: tuple[Path, ...], more: tuple = ()) -> str:
    """The name a lingering process of ``kind`` started now, by this process, waits under: the user, the
    interpreter, the temporary folder, the environment, and the code under ``code`` as it is on disk."""
    described = json.dumps([os.getuid(), sys.executable, sys.version, tempfile.gettempdir(),
                            sorted((k, v) for k, v in os.environ.items() if k not in _UNRELATED_ENV),
                            _code_fingerprint(code), list(more)])
    return f"aiprod-{kind}-{os.getuid()}-{hashlib.sha256(described.encode()).hexdigest()[:32]}"


def worker_name() -> str:
    """The name a worker started now, by this process, lingers under."""
    return process_name("device-worker", (_CODE,))


def address(name: str) -> bytes:
    return b"\0" + name.encode()  # Linux's abstract namespace: no file, gone with its process


def peer(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end."""
    pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                         struct.calcsize("3i")))
    return pid, uid


def attach(name: str) -> tuple[Connection, int] | None:
    """The connection to a worker lingering under ``name``, and its pid; None where none is free (none
    lingers, or another command has it). Its output goes to this process's stdout and stderr from now on."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(5.0)  # a lingering worker answers at once; a wedged one is not waited for
        sock.connect(address(name))
        pid, uid = peer(sock)
        if uid != os.getuid():
            return None
        socket.send_fds(sock, [_HELLO + os.getcwd().encode()], [sys.stdout.fileno(), sys.stderr.fileno()])
        if sock.recv(len(_HELLO)) != _HELLO:
            return None  # it took another command first, or ended as this one came
        sock.settimeout(None)
        return Connection(sock.detach()), pid
    except (OSError, ValueError):  # ValueError: a stream with no file descriptor (a test's captured output)
        return None
    finally:
        sock.close()


def wait_for_next(name: str, seconds: float) -> Connection | None:
    """In the worker, after its command ended cleanly: wait ``seconds`` for the next command to attach; its
    connection, or None where none came (or another worker already lingers under the name). The worker then
    works in that command's folder and writes to its stdout and stderr."""
    leave_the_command()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(address(name))
    except OSError:
        listener.close()
        return None
    listener.listen(1)
    listener.settimeout(seconds)
    try:
        while True:
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                return None
            attached = _greet(sock)
            if attached is not None:
                return attached
    finally:
        listener.close()  # as it serves, a second command finds none and starts its own


def _greet(sock: socket.socket) -> Connection | None:
    try:
        sock.settimeout(5.0)
        if peer(sock)[1] != os.getuid():
            raise OSError("another user's process")
        message, fds, _flags, _address_from = socket.recv_fds(sock, 4096, 2)
        if not message.startswith(_HELLO) or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise OSError("not a command's hello")
        for fd, target in zip(fds, (1, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(message[len(_HELLO):].decode())
        sock.sendall(_HELLO)
        sock.settimeout(None)
        return Connection(sock.detach())
    except (OSError, UnicodeDecodeError):
        sock.close()
        return None


def leave_the_command() -> None:
    """Let go of what ties this process to the command that started it: its parent-death signal, its session
    (the terminal's signals), its folder, and its stdout and stderr (a pipe its caller reads to the end)."""
    outlive_the_parent()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        os.setsid()
    except OSError:
        pass  # already a session's leader
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.close(null)


def outlive_the_parent() -> None:
    """No parent-death signal from now on: asked before the worker tells its parent it will linger, since the
    parent then exits."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 0)  # PR_SET_PDEATHSIG: none
    except (OSError, AttributeError):
        pass
