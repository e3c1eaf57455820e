"""Bad input never ends in a traceback, a hang or unbounded memory: `aiprod submit`, `aiprod cost import` and
`aiprod qa` as a user runs them, and the limits they rest on, called directly."""

import io
import json
import os
import subprocess

import pytest

from aiprod_assets.costing.ledger import (
    REQUIRED_COLUMNS,
    LedgerImportError,
    parse_billing_export,
)
from aiprod_assets.intake.limits import (
    KEPT_BYTES,
    json_depth_exceeds,
    read_bounded_stream,
)
from aiprod_assets.intake.submission import latest_rejection
from resources.artifact_store import LocalArtifactStore
from tests.support.cli import aiprod, aiprod_command, aiprod_env
from tests.support.jobs import brief_bytes

ROW = "job-one,2026-11-01T10:00:00+00:00,0.4,12,1080p,veo,api,FP16,1,1,pytorch,false,1.0,1.2"
HEADER = ",".join(REQUIRED_COLUMNS)


def test_a_stream_over_the_limit_keeps_its_head_and_hashes_all_of_it():
    import hashlib

    data = os.urandom(300 * 1024)
    read = read_bounded_stream("x.json", io.BytesIO(data), limit=256 * 1024)
    assert read.too_large and read.size == len(data) and read.head == data[:KEPT_BYTES]
    assert read.sha256 == hashlib.sha256(data).hexdigest()
    small = read_bounded_stream("y.json", io.BytesIO(data[:1000]), limit=256 * 1024)
    assert not small.too_large and small.data == data[:1000]


def test_json_depth_is_judged_without_recursion_and_brackets_in_strings_do_not_count():
    assert json_depth_exceeds("[" * 33 + "]" * 33, 32) and not json_depth_exceeds("[" * 32 + "]" * 32, 32)
    assert not json_depth_exceeds(json.dumps({"prompt": "[[[[" * 100 + '\\"{{'}), 32)
    assert json_depth_exceeds("[" * 1_000_000, 32)


def refused_in_one_line(done) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.startswith("brief refused:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_bad_brief_files_are_refused_in_one_line_and_kept_bounded(tmp_path):
    cases = {
        "deep.json": (b'{"prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nest deeper than 32"),
        "huge-number.json": (brief_bytes(duration_sec=10 ** 400), "duration_sec: a number of about 401 digits"),
        "big.json": (brief_bytes(title="x" * (5 * 1024 * 1024)), "at most 262144 bytes"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert message in refused_in_one_line(aiprod(tmp_path, "submit", tmp_path / name))
    store = LocalArtifactStore(root=str(tmp_path / ".aiprod" / "store"))
    report = json.loads(store.get_bytes(latest_rejection(store, "big.json")))
    assert report["size_bytes"] == len(cases["big.json"][0]) and report["kept_bytes"] == KEPT_BYTES
    assert len(store.get_bytes(latest_rejection(store, "big.json").replace(".error.json", ".json"))) == KEPT_BYTES


def test_two_refused_briefs_of_one_name_are_both_kept(tmp_path):
    brief = tmp_path / "same.json"
    for budget in (900, 901):
        brief.write_bytes(brief_bytes(budget_usd=budget))
        refused_in_one_line(aiprod(tmp_path, "submit", brief))
    kept = LocalArtifactStore(root=str(tmp_path / ".aiprod" / "store")).list_keys("briefs/rejected")
    assert len([k for k in kept if k.endswith(".error.json")]) == 2 and len(kept) == 4


def test_links_fifos_and_devices_are_never_read(tmp_path):
    os.symlink("/etc/passwd", tmp_path / "link.json")
    os.mkfifo(tmp_path / "fifo.json")
    assert "symbolic link" in refused_in_one_line(aiprod(tmp_path, "submit", tmp_path / "link.json", timeout=60))
    assert "not a regular file" in refused_in_one_line(aiprod(tmp_path, "submit", tmp_path / "fifo.json", timeout=60))
    # /dev/zero with the address space capped at ~2 GB: refused before a byte is read.
    command = " ".join(["ulimit -v 2000000;", *aiprod_command(), "submit", "/dev/zero"])
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=aiprod_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert "not a regular file" in refused_in_one_line(done)
    assert not (tmp_path / ".aiprod" / "store" / "briefs").exists()  # nothing of them was copied anywhere


@pytest.mark.parametrize("rows,message", [
    ([ROW, "job-two,2026-11-01T10:00:00+00:00,0.4"], "line 3: 3 fields, the header has 14"),
    ([ROW + ",extra"], "line 2: 15 fields, the header has 14"),
    ([ROW.replace("1.2", "inf")], "line 2: actual_usd: Input should be a finite number"),
    ([ROW.replace("1.0,", "nan,")], "line 2: estimate_usd: Input should be a finite number"),
    ([ROW.replace("job-one", "../etc")], "line 2: job_id '../etc' is not allowed"),
    ([ROW, ROW.replace("1.2", "-1")], "line 3: actual_usd must be >= 0"),
])
def test_a_bad_billing_row_is_named_by_its_line(rows, message):
    with pytest.raises(LedgerImportError) as refused:
        parse_billing_export("\n".join([HEADER, *rows]) + "\n")
    assert message in str(refused.value)


def test_billing_import_accepts_a_bom_refuses_bad_files_and_the_report_stays_valid_json(tmp_path):
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{ROW}\n".encode())
    done = aiprod(tmp_path, "cost", "import", tmp_path / "bom.csv")
    assert done.returncode == 0 and "imported 1 row(s)" in done.stdout, done.stderr
    (tmp_path / "bad.csv").write_text(f"{HEADER}\n{ROW.replace('1.2', 'inf')}\n")
    done = aiprod(tmp_path, "cost", "import", tmp_path / "bad.csv")
    assert done.returncode == 2 and "line 2" in done.stderr and "Traceback" not in done.stderr
    with open(tmp_path / "large.csv", "wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    done = aiprod(tmp_path, "cost", "import", tmp_path / "large.csv")
    assert done.returncode == 2 and "over the 50 MB limit" in done.stderr
    report = aiprod(tmp_path, "cost", "report", "--json")
    assert json.loads(report.stdout)["total_usd"] == 1.2  # only the good file entered the ledger


def test_qa_on_a_picture_is_bad_input_in_one_printable_line(tmp_path):
    import numpy as np

    from aiprod_assets.media.png import encode_png

    (tmp_path / "pic.png").write_bytes(encode_png(np.zeros((8, 8, 3), dtype=np.uint8)))
    done = aiprod(tmp_path, "qa", tmp_path / "pic.png")
    assert done.returncode == 2 and "not a video (png_pipe)" in done.stderr and "Traceback" not in done.stderr
    assert all(c.isprintable() or c == "\n" for c in done.stdout + done.stderr)
