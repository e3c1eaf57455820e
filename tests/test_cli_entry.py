"""The console script leaves without the interpreter's teardown, but only after what exit is for."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import atexit, os, sys, tempfile, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    import click
    from aiprod_assets.cli.entry import run_and_leave

    folder = Path(os.environ["WORK_FOLDER"])
    atexit.register(lambda: (folder / "atexit").write_text("ran"))
    kept = tempfile.TemporaryDirectory(dir=folder)  # never closed: its finalizer must still remove it

    pools = []  # kept: an executor that is never collected nor shut down

    def late_writer():
        time.sleep(0.3)
        (folder / "thread").write_text("finished")

    @click.command()
    @click.argument("how")
    def command(how):
        threading.Thread(target=late_writer).start()
        # A thread pool left open: its idle worker must not keep the process from leaving.
        pools.append(ThreadPoolExecutor(max_workers=1))
        pools[-1].submit(lambda: None).result()
        sys.stdout.write("unflushed output")  # no newline, a pipe: still in the buffer at exit
        if how == "code":
            sys.exit(3)
        if how == "message":
            sys.exit("refused: the reason")
        if how == "click-error":
            raise click.BadParameter("not allowed", param_hint="'HOW'")

    run_and_leave(command)
""")


@pytest.mark.parametrize(("how", "status", "said"), [
    ("ok", 0, ""), ("code", 3, ""), ("message", 1, "refused: the reason"), ("click-error", 2, "not allowed")])
def test_the_script_leaves_with_the_commands_status_after_threads_hooks_and_streams(tmp_path: Path, how, status,
                                                                                    said):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "WORK_FOLDER": str(work)})
    assert done.returncode == status, done.stderr
    assert done.stdout == "unflushed output"
    assert said in done.stderr
    assert (work / "atexit").read_text() == "ran"
    assert (work / "thread").read_text() == "finished"
    assert sorted(p.name for p in work.iterdir()) == ["atexit", "thread"]  # the temporary folder was removed


def test_the_installed_aiprod_script_is_the_quick_exit_entry():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "aiprod"]
    assert script.value == "aiprod_assets.cli.entry:main"
