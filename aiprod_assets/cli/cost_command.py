"""`aiprod cost`: import provider billing exports, report spend from the ledger."""

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
    """Validate BILLING_CSV (schema in aiprod_assets/costing/ledger.py) and add it to the ledger, whole or not at all."""
    from aiprod_assets.canonical import sha256_hex
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.costing.ledger import LedgerImportError, parse_billing_export
    from aiprod_assets.intake.submission import safe_file_name
    from aiprod_assets.layout import billing_import_key

    raw = billing_csv.read_bytes()
    try:
        rows = parse_billing_export(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        click.secho(f"{billing_csv}: not UTF-8 (byte {err.start}); nothing imported", fg="red", err=True)
        sys.exit(2)
    except LedgerImportError as err:
        click.secho(str(err), fg="red", err=True)
        sys.exit(2)
    env = LocalEnvironment.from_env()
    stem = safe_file_name(billing_csv.name).removesuffix(".json").removesuffix(".csv")
    uri = env.store.put_bytes(billing_import_key(stem, sha256_hex(raw)), raw)
    click.echo(f"imported {len(rows)} row(s): {uri}")


@cost.command("report")
@click.option("--json", "as_json", is_flag=True, help="print JSON for machines")
def report(as_json: bool) -> None:
    """Spend by day, backend and job, and estimate accuracy, from the ledger."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.costing.job_rows import build_ledger
    from aiprod_assets.costing.report import spend_report

    ledger, _, _ = build_ledger(LocalEnvironment.from_env().store)
    summary = spend_report(ledger)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['jobs']} job(s), ${summary['total_usd']:.6f} in all")
    for title, key in (("by day", "by_day"), ("by backend", "by_backend"), ("by job", "by_job")):
        click.echo(title)
        for name, usd in summary[key].items():
            click.echo(f"  {name:<32} ${usd:.6f}")
    accuracy = summary["estimate_accuracy"]
    if accuracy["mape_pct"] is not None:
        click.echo(f"estimates: MAPE {accuracy['mape_pct']:.1f}%, bias {accuracy['bias_pct']:+.1f}%")
