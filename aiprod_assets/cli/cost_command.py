"""`aiprod cost`: import provider billing exports, report spend from the ledger."""

import io
import json
import sys
from pathlib import Path

import click


@click.group("cost")
def cost() -> None:
    """The cost ledger: billing imports and spend reports."""


@cost.command("import")
@click.argument("billing_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_billing(billing_csv: Path) -> None:
    """Validate BILLING_CSV (schema in aiprod_assets/costing/ledger.py; at most 50 MB) and add it to the ledger,
    whole or not at all. Exit 2 when it is refused."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.costing.ledger import LedgerImportError, billing_rows
    from aiprod_assets.intake.limits import (
        MAX_BILLING_BYTES,
        InputRefused,
        read_bounded_file,
    )
    from aiprod_assets.intake.submission import safe_file_name
    from aiprod_assets.layout import billing_import_key

    def refuse(message: str) -> None:
        click.secho(f"{message}; nothing imported", fg="red", err=True)
        sys.exit(2)

    try:
        export = read_bounded_file(billing_csv, MAX_BILLING_BYTES)
    except InputRefused as err:
        refuse(str(err))
    if export.too_large:
        refuse(f"{billing_csv}: {export.size} bytes, over the {MAX_BILLING_BYTES // 2**20} MB limit; split the export")
    try:
        lines = io.StringIO(export.data.decode("utf-8-sig"), newline="")
        rows = sum(1 for _ in billing_rows(lines))
    except UnicodeDecodeError as err:
        refuse(f"{billing_csv}: not UTF-8 (byte {err.start})")
    except LedgerImportError as err:
        click.secho(str(err), fg="red", err=True)
        sys.exit(2)
    env = LocalEnvironment.from_env()
    stem = safe_file_name(billing_csv.name).removesuffix(".json").removesuffix(".csv")
    uri = env.store.put_bytes(billing_import_key(stem, export.sha256), export.data)
    click.echo(f"imported {rows} row(s): {uri}")


@cost.command("report")
@click.option("--json", "as_json", is_flag=True, help="print JSON for machines")
def report(as_json: bool) -> None:
    """Spend by day, backend and job, and estimate accuracy, from the ledger."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.costing.budget import usd
    from aiprod_assets.costing.job_rows import build_ledger
    from aiprod_assets.costing.report import accuracy_lines, spend_report

    ledger, _, _ = build_ledger(LocalEnvironment.from_env().store,
                                on_skip=lambda warning: click.secho(warning, fg="yellow", err=True))
    summary = spend_report(ledger)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['jobs']} job(s), {usd(summary['total_usd'])} in all")
    for title, key in (("by day", "by_day"), ("by backend", "by_backend"), ("by job", "by_job")):
        click.echo(title)
        for name, amount in summary[key].items():
            click.echo(f"  {name:<32} {usd(amount)}")
    accuracy = summary["estimate_accuracy"]
    if accuracy["mape_pct"] is not None:
        click.echo("estimates against actuals:")
        for line in accuracy_lines(accuracy["mape_pct"], accuracy["bias_pct"], accuracy["jobs"]):
            click.echo(f"  {line}")
