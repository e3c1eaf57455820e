"""`aiprod`: submit a brief, run a whole job on this machine, see where a job stands."""

import sys
from pathlib import Path

import click

from aiprod_assets.cli.cost_command import cost
from aiprod_assets.cli.deploy_command import deploy
from aiprod_assets.cli.entry import RENDERING_COMMANDS
from aiprod_assets.cli.gcs_commands import bucket, deliver
from aiprod_assets.cli.monitoring_command import monitoring
from aiprod_assets.cli.qa_command import qa
from aiprod_assets.cli.review_commands import REVIEW_COMMANDS
from aiprod_assets.cli.start_up import (
    ASKING_BEFORE_DAGSTER,
    start_up,
    store_before_dagster,
)
from aiprod_assets.cli.storyboard_command import storyboard
from aiprod_assets.job_ids import InvalidJobId, check_job_id


def _print_refusal(err, report_uri: str) -> None:
    for issue in err.issues:
        click.secho(f"brief refused: {issue.field}: {issue.message} (allowed: {issue.allowed})", fg="red", err=True)
    click.echo(f"kept with its error report: {report_uri}", err=True)


def _file_brief(store, brief_file: Path, file_it) -> str:
    """Read BRIEF_FILE within the limits (a regular file only) and file it with ``file_it``; its job id.
    A refusal prints one line per problem and where the brief was kept, and exits 2."""
    from aiprod_assets.deployment_settings import (
        DEFAULT_BRIEF_MAX_BYTES,
        DEFAULT_BUDGET_CAP_USD,
    )
    from aiprod_assets.intake.limits import InputRefused, read_bounded_file
    from aiprod_assets.intake.validation import BriefInvalid

    # This machine's commands take briefs within the policy's default limits.
    try:
        submitted = read_bounded_file(brief_file, DEFAULT_BRIEF_MAX_BYTES)
        return file_it(store, brief_file.name, submitted, DEFAULT_BUDGET_CAP_USD)
    except InputRefused as err:
        click.secho(f"brief refused: {err}", fg="red", err=True)
    except BriefInvalid as err:
        _print_refusal(err, store.uri(err.report_key))
    sys.exit(2)


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """AIPROD: brief in, QA-certified video out."""
    if ctx.invoked_subcommand in RENDERING_COMMANDS:
        from aiprod_assets.rendering.previz.device_worker import warm_device_worker

        # First, before Dagster is imported (the console script started it earlier still): the worker imports
        # torch on the other core meanwhile, and stops when the command's context closes (an error or exit
        # included).
        ctx.with_resource(warm_device_worker())
    if ctx.invoked_subcommand not in ASKING_BEFORE_DAGSTER:
        start_up()


@cli.command()
@click.argument("brief_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def submit(brief_file: Path) -> None:
    """Validate BRIEF_FILE, file it under briefs/accepted/ and add its job partition: launching `production`
    for that partition in the UI then needs no run config. Prints the job id."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.intake.submission import accept
    from aiprod_assets.layout import accepted_brief_key

    env = LocalEnvironment.from_env()
    job_id = _file_brief(env.store, brief_file, accept)
    env.ensure_partition(job_id)
    click.echo(f"submitted {env.store.uri(accepted_brief_key(job_id))}; partition {job_id} added in "
               f"{env.instance.root_directory}: launch `production` for it in the UI, or `aiprod run` it here", err=True)
    click.echo(job_id)


@cli.command()
@click.argument("brief_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="run the graph even when nothing changed since delivery")
def run(brief_file: Path, force: bool) -> None:
    """Run the whole job for BRIEF_FILE in this process, with progress."""
    from aiprod_assets.canonical import sha256_hex
    from aiprod_assets.cli.noop import nothing_to_do, record_delivered
    from aiprod_assets.cli.shot_ahead import render_shot_ahead
    from aiprod_assets.cli.summary import budget_refusal, job_summary
    from aiprod_assets.intake.submission import accept
    from aiprod_assets.layout import accepted_brief_key, artefact_key, job_folder

    # The device worker has torch, or is importing it on the other core: the brief is filed, a re-run with
    # nothing to make answered, and the run's first shot asked for before Dagster loads (a folder store).
    store, _ = store_before_dagster()
    job_id = _file_brief(store, brief_file, accept)
    brief_sha = sha256_hex(store.get_bytes(accepted_brief_key(job_id)))
    if not force and nothing_to_do(store, job_id, brief_sha):
        for line in job_summary(store, job_id):
            click.echo(f"  {line}")
        click.echo(f"job {job_id}: delivered, and nothing changed since (brief, code, settings, cut, review): "
                   f"nothing to make; `aiprod run --force` runs the graph again")
        return
    render_shot_ahead(store, job_id)  # the shot the run renders first, while Dagster loads
    start_up()
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.cli.progress import execute_with_progress
    from aiprod_assets.cli.report import awaiting_line, failure_lines

    env = LocalEnvironment.from_env()
    env.ensure_partition(job_id)
    click.echo(f"job {job_id}: store {env.location}")
    result = execute_with_progress(env.job, env.instance, job_id)
    for line in job_summary(env.store, job_id):
        click.echo(f"  {line}")
    click.echo(f"  artefacts: {env.store.uri(job_folder(job_id))}/")
    refusal = budget_refusal(env.store, job_id) if not result.success else None
    if refusal:
        # Not a failure to retry: the brief asks for less than the job costs. One line says by how much.
        click.secho(f"job {job_id} refused: {refusal}", fg="red", err=True)
        sys.exit(1)
    if not result.success:
        for line in failure_lines(result):
            click.secho(f"  {line}", fg="red", err=True)
        click.secho(f"job {job_id} stopped (run {result.run_id}); its log, with stack traces, is in the Dagster UI; "
                    f"`aiprod run` again resumes it", fg="red", err=True)
        sys.exit(1)
    awaiting = awaiting_line(env.store, job_id, result)
    if awaiting:
        # Not a failure: everything up to the cut is made, and delivery waits for a person.
        click.secho(f"job {job_id}: {awaiting}", fg="yellow")
        return
    record_delivered(env.store, job_id, brief_sha)
    click.echo(f"job {job_id}: delivered (run {result.run_id}); manifest "
               f"{env.store.uri(artefact_key('delivery_manifest', job_id))}")


@cli.command()
@click.argument("job_id")
def status(job_id: str) -> None:
    """Where JOB_ID stands: each stage's artefact, the last run, any rejection."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.cli.report import (
        approval_lines,
        asset_states,
        last_run,
        rejection_report,
    )
    from aiprod_assets.cli.summary import job_summary
    from sensors.dead_runs import INTERRUPTED, INTERRUPTED_TAG

    try:
        check_job_id(job_id)
    except InvalidJobId as err:
        raise click.BadParameter(str(err), param_hint="JOB_ID") from err
    env = LocalEnvironment.from_env()
    rejection = rejection_report(env.store, job_id)
    states = asset_states(env.instance, env.store, job_id)
    run_record = last_run(env.instance, job_id)
    if rejection is None and run_record is None and all(state == "-" for _, state in states):
        click.secho(f"no job {job_id} in {env.location}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"job {job_id}")
    for name, state in states:
        click.echo(f"  {name:<22}{state}")
    if run_record is not None:
        state = INTERRUPTED if INTERRUPTED_TAG in run_record.tags else run_record.status.value
        click.echo(f"last run {run_record.run_id}: {state}")
        if INTERRUPTED_TAG in run_record.tags:
            click.echo("  `aiprod run` with the same brief resumes it: finished clips are reused")
    for line in job_summary(env.store, job_id):
        click.echo(f"  {line}")
    for line in approval_lines(env.store, job_id):
        click.echo(line)
    if rejection is not None:
        click.secho("brief rejected:", fg="red")
        for line in rejection["how_to_fix"]:
            click.echo(f"  {line}")


cli.add_command(qa)
for command in REVIEW_COMMANDS:
    cli.add_command(command)
cli.add_command(cost)
cli.add_command(bucket)
cli.add_command(deliver)
cli.add_command(monitoring)
cli.add_command(deploy)
cli.add_command(storyboard)


if __name__ == "__main__":
    from aiprod_assets.cli.entry import run_and_leave

    run_and_leave(cli)
