"""Reviewers from the command line, writing the same records as the review app:
approve, reject, comment, edit a shot, history; `aiprod review` serves the app and adds reviewers."""

from __future__ import annotations

import signal
import sys

import click


def _env_and_reviewer(name: str):
    from aiprod_assets.cli.local_env import LocalEnvironment

    env = LocalEnvironment.from_env()
    return env, _reviewer(env.store, env.location, name)


def _reviewer(store, location: str, name: str):
    from aiprod_assets.review.reviewers import reviewer_named

    reviewer = reviewer_named(store, name)
    if reviewer is None:
        click.secho(f"no reviewer {name!r} in {location}; add one: aiprod review add-user {name} --role approver",
                    fg="red", err=True)
        sys.exit(2)
    return reviewer


def _act(action, *args):
    from aiprod_assets.review.actions import ReviewError

    try:
        return action(*args)
    except ReviewError as err:
        click.secho(f"refused ({err.status}): {err}", fg="red", err=True)
        sys.exit(1 if err.status == 409 else 2)


def _then_run(env) -> None:
    """What the decision calls for, run now: the approval sensor's tick on this machine."""
    from aiprod_assets.cli.review_runs import run_review_tick

    for result in run_review_tick(env, say=lambda line: click.echo(line, err=True)):
        click.echo(f"run {result.run_id}: {'succeeded' if result.success else 'failed'}")


@click.command()
@click.argument("job_id")
@click.option("--as", "name", required=True, help="the approver's name (aiprod review add-user)")
@click.option("--comment", default="", help="what the approver says with it")
@click.option("--cut", "cut_sha256", default=None, help="sha256 of the cut you saw (default: the current one)")
def approve(job_id: str, name: str, comment: str, cut_sha256: str | None) -> None:
    """Approve JOB_ID's current cut; delivery runs at once (one approval-sensor tick here)."""
    from aiprod_assets.review.actions import approve as approve_cut

    env, reviewer = _env_and_reviewer(name)
    event = _act(approve_cut, env.store, reviewer, job_id, cut_sha256, comment)
    click.echo(f"approved cut {event.cut_sha256[:12]} of {job_id} as {reviewer.name} ({event.event_id})")
    _then_run(env)


@click.command()
@click.argument("job_id")
@click.option("--as", "name", required=True)
@click.option("--reason", "reasons", multiple=True, required=True, help="why (repeat for several)")
@click.option("--shot", "shots", multiple=True, help="a shot to send back (repeat for several)")
def reject(job_id: str, name: str, reasons: tuple[str, ...], shots: tuple[str, ...]) -> None:
    """Reject JOB_ID's current cut, naming why and which shots."""
    from aiprod_assets.review.actions import reject as reject_cut

    env, reviewer = _env_and_reviewer(name)
    event = _act(reject_cut, env.store, reviewer, job_id, None, list(reasons), list(shots))
    click.echo(f"rejected cut {event.cut_sha256[:12]} of {job_id} ({event.event_id}); edit the shots "
               f"(aiprod edit-shot {job_id} SHOT ...) to render them again")


@click.command()
@click.argument("job_id")
@click.argument("text")
@click.option("--shot", "shot_id", required=True)
@click.option("--at", "at_sec", type=float, default=0.0, help="seconds into the shot")
@click.option("--as", "name", required=True)
def comment(job_id: str, text: str, shot_id: str, at_sec: float, name: str) -> None:
    """Comment on a shot of JOB_ID at a timecode."""
    from aiprod_assets.review.actions import comment as add_comment

    env, reviewer = _env_and_reviewer(name)
    event = _act(add_comment, env.store, reviewer, job_id, shot_id, at_sec, text)
    click.echo(f"comment on {shot_id} at {at_sec:g}s ({event.event_id})")


@click.command("edit-shot")
@click.argument("job_id")
@click.argument("shot_id")
@click.option("--as", "name", required=True)
@click.option("--prompt", default=None)
@click.option("--camera-move", default=None)
@click.option("--lighting", default=None)
@click.option("--duration", "duration_sec", type=float, default=None)
def edit_shot(job_id: str, shot_id: str, name: str, **fields) -> None:
    """Edit one shot: a new version of the shot list; only that shot renders again, then a new cut."""
    from aiprod_assets.cli.shot_ahead import render_shot_ahead
    from aiprod_assets.cli.start_up import start_up, store_before_dagster
    from aiprod_assets.review.actions import edit_shot as edit

    # The device worker (cli/main.py) imports torch meanwhile on another core, or has it already (one an
    # earlier command left lingering): the edited shot is asked for before Dagster loads, and renders while
    # it does.
    store, location = store_before_dagster()
    reviewer = _reviewer(store, location, name)
    event = _act(edit, store, reviewer, job_id, shot_id, {k: v for k, v in fields.items() if v is not None})
    for change in event.changes:
        click.echo(f"{shot_id}.{change.field}: {change.before!r} -> {change.after!r}")
    render_shot_ahead(store, job_id, shot_id)
    start_up()
    from aiprod_assets.cli.local_env import LocalEnvironment

    _then_run(LocalEnvironment.from_env())


@click.command()
@click.argument("job_id")
def history(job_id: str) -> None:
    """Every version of JOB_ID: edits, restores and decisions, with author, time and diff."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.review.events import read_events
    from aiprod_assets.review.versions import history_lines

    env = LocalEnvironment.from_env()
    lines = history_lines(read_events(env.store, job_id))
    for line in lines or [f"job {job_id}: no versions yet (the planner's shot list stands)"]:
        click.echo(line)


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--local-runs/--no-local-runs", default=True, show_default=True,
              help="run what approvals and edits call for in this process (no Dagster daemon here)")
@click.pass_context
def review(ctx: click.Context, host: str, port: int, local_runs: bool) -> None:
    """Serve the review app over this machine's store; `aiprod review add-user` adds reviewers."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.cli.review_runs import LocalRunner
    from aiprod_assets.rendering.previz.device_worker import warm_device_worker
    from aiprod_assets.review_app.app import MAX_BODY_BYTES, create_app

    env = LocalEnvironment.from_env()
    runner = LocalRunner(env) if local_runs else None
    if runner:
        # What edits call for renders in a device worker, as under `aiprod run`: torch is imported there while
        # the app starts (not by its first edit), and a render never holds the app's own process.
        ctx.with_resource(warm_device_worker())
    app = create_app(env.store, on_action=runner.wake if runner else None)
    click.echo(f"review app on http://{host}:{port}/ over {env.location}", err=True)
    if runner:
        runner.start()
    _stop_quietly_on(signal.SIGTERM, signal.SIGINT)
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=MAX_BODY_BYTES)


def _stop_quietly_on(*signals: signal.Signals) -> None:
    """uvicorn stops the app on SIGTERM or Ctrl-C and then raises the signal again, for whatever handler it
    found: by default SIGTERM then killed the process outright, before the command's context closed, so its
    device worker died by its parent-death signal and left its renders-ahead folder behind. With this handler
    the command returns as it does after any stop, its context closes (the worker stopped and its folder
    removed), and it exits 0: stopping a server when asked is a clean end."""
    def stop(_signum, _frame) -> None:
        raise SystemExit(0)

    for number in signals:
        signal.signal(number, stop)


@review.command("add-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "commenter", "approver"]), required=True)
def add_user(name: str, role: str) -> None:
    """Add NAME with ROLE and print their token, once (only its sha256 is kept)."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.review.reviewers import InvalidReviewer, add_reviewer

    env = LocalEnvironment.from_env()
    try:
        token = add_reviewer(env.store, name, role)
    except InvalidReviewer as err:
        raise click.BadParameter(str(err), param_hint="NAME") from err
    click.echo(f"{name} ({role}) added; their token, shown once:", err=True)
    click.echo(token)


@review.command("users")
def users() -> None:
    """Every reviewer and their role."""
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.review.reviewers import reviewers

    for reviewer in reviewers(LocalEnvironment.from_env().store):
        click.echo(f"{reviewer.name}\t{reviewer.role}\tadded {reviewer.added_at}")


REVIEW_COMMANDS = (approve, reject, comment, edit_shot, history, review)
