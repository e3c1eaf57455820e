"""The cost ledger: one row per finished job, from this system's jobs and from provider billing exports.

Billing export CSV schema (header required, one row per job, UTF-8):
    job_id, finished_at (ISO 8601), complexity (0-1), duration_sec (> 0), resolution (360p|720p|1080p),
    backend, device, quantization (Q4|Q8|FP16|BF16|FP32), batch_size (>= 1), gpu_count (>= 1),
    framework, spot (true|false), estimate_usd (>= 0), actual_usd (>= 0)
and optionally prior_usd (the uncalibrated prior's estimate; empty or absent: recomputed from the row).
A file with any malformed row is refused whole, with every bad line numbered: a row with too
few or too many fields, a job_id that breaks the job-id rule, a number that is not finite.
A UTF-8 byte-order mark is allowed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from aiprod_assets.contracts import CostLedgerRow
from aiprod_assets.job_ids import check_job_id

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it

LEDGER_COLUMNS = list(CostLedgerRow.model_fields)
REQUIRED_COLUMNS = [name for name, field in CostLedgerRow.model_fields.items() if field.is_required()]


class LedgerImportError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("billing export refused, nothing imported:\n" + "\n".join(problems))


MAX_PROBLEMS_LISTED = 50


def billing_rows(lines: Iterable[str]) -> Iterator[CostLedgerRow]:
    """Each row validated as it is read (the header is line 1); LedgerImportError at the end, naming every
    bad line, if any was bad. Nothing is kept but the problems, so a large export streams through."""
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise LedgerImportError([f"line 1: missing column(s) {', '.join(missing)}; expected {', '.join(LEDGER_COLUMNS)}"])
    problems, bad = [], 0
    for record in reader:
        line = reader.line_num
        problem = _row_problem(record, header)
        row = None
        if problem is None:
            try:
                row = _validated_row(record)
            except (ValidationError, ValueError) as err:
                problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()) \
                    if isinstance(err, ValidationError) else str(err)
        if problem is not None:
            bad += 1
            if len(problems) < MAX_PROBLEMS_LISTED:
                problems.append(f"line {line}: {problem}")
            continue
        yield row
    if bad:
        more = [f"... and {bad - len(problems)} more bad line(s)"] if bad > len(problems) else []
        raise LedgerImportError(problems + more)


def _row_problem(record: dict, header: list[str]) -> str | None:
    if None in record:  # more fields than the header
        return f"{len(header) + len(record[None])} fields, the header has {len(header)}"
    if any(value is None for value in record.values()):  # fewer fields than the header
        return f"{sum(v is not None for v in record.values())} fields, the header has {len(header)}"
    extra = [k for k in record if k not in LEDGER_COLUMNS]
    return f"unexpected column(s) {', '.join(extra)}" if extra else None


def _validated_row(record: dict) -> CostLedgerRow:
    if not (record.get("prior_usd") or "").strip():
        record = {k: v for k, v in record.items() if k != "prior_usd"}
    row = CostLedgerRow.model_validate({**record, "spot": record["spot"].strip().lower()})
    check_job_id(row.job_id)
    datetime.fromisoformat(row.finished_at)
    for field in ("complexity", "duration_sec", "estimate_usd", "actual_usd", "prior_usd"):
        if (getattr(row, field) or 0) < 0 or (field == "duration_sec" and row.duration_sec == 0):
            raise ValueError(f"{field} must be {'> 0' if field == 'duration_sec' else '>= 0'}")
    if not 0 <= row.complexity <= 1 or row.batch_size < 1 or row.gpu_count < 1:
        raise ValueError("complexity must be 0-1, batch_size and gpu_count at least 1")
    return row


def parse_billing_export(text: str) -> list[CostLedgerRow]:
    """Every row validated, or LedgerImportError naming each bad line. A UTF-8 BOM is allowed."""
    return list(billing_rows(io.StringIO(text.removeprefix("\ufeff"))))


def ledger_frame(rows: list[CostLedgerRow]) -> pd.DataFrame:
    """Rows in time order; a job seen twice keeps its latest record."""
    import pandas as pd

    frame = pd.DataFrame([r.model_dump() for r in rows], columns=LEDGER_COLUMNS)
    if frame.empty:
        return frame
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True, format="ISO8601")
    frame = frame.sort_values(["finished_at", "job_id"]).drop_duplicates("job_id", keep="last")
    return frame.reset_index(drop=True)


def frame_to_csv(frame: pd.DataFrame) -> str:
    out = frame.copy()
    if not out.empty:
        out["finished_at"] = out["finished_at"].map(lambda t: t.isoformat())
    return out.to_csv(index=False)


def frame_from_csv(text: str) -> pd.DataFrame:
    import pandas as pd

    if not text.strip():
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    return ledger_frame(parse_billing_export(text))
