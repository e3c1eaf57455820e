"""`aiprod storyboard BRIEF.json`: the brief's shots as previz will draw them, on one sheet, before any run."""

from pathlib import Path

import click


@click.command("storyboard")
@click.argument("brief_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the PNG to write (default: BRIEF's name with .storyboard.png)")
@click.option("--width", type=click.IntRange(96, 960), default=320, show_default=True, help="each frame's width")
def storyboard(brief_file: Path, out: Path | None, width: int) -> None:
    """Plan BRIEF_FILE with the local planner and draw each shot's middle frame: the props its prompt names,
    its characters as silhouettes, its camera and light. Exit 2 if the brief is refused."""
    import torch

    from aiprod_assets.intake.validation import BriefInvalid
    from aiprod_assets.media.png import encode_png
    from aiprod_assets.rendering.previz.storyboard import (
        planned_shots,
        storyboard_sheet,
    )

    try:
        shots = planned_shots(brief_file.read_text("utf-8"), brief_file.stem.lower().replace("_", "-"))
    except BriefInvalid as err:
        for issue in err.issues:
            click.echo(f"{issue.field}: {issue.message} (allowed: {issue.allowed})", err=True)
        raise SystemExit(2) from None
    out = out or brief_file.with_suffix(".storyboard.png")
    out.write_bytes(encode_png(storyboard_sheet(shots, torch.device("cpu"), width)))
    click.echo(f"{len(shots.shots)} shots -> {out}")
