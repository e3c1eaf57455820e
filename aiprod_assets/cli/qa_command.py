"""`aiprod qa FILE`: the QA gate on any video file, as a table or as JSON for scripts."""

import json
import re
import sys
from pathlib import Path

import click

from aiprod_assets.contracts import Shot, ShotSpec


def printable(text: object) -> str:
    """What a terminal can show: control and other unprintable characters escaped, never sent raw."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


# FFmpeg's demuxers for single pictures: a picture is bad input for a video gate, not a failing video.
_STILL_IMAGE_FORMATS = ("_pipe", "image2")
_PROFILE = re.compile(r"^(360p|720p|1080p)(24|25|30)?(?:-(16x9|9x16|1x1))?$")


DEFAULT_PROFILE = "1080p30"


def parse_profile(text: str):
    from aiprod_assets.planning.profiles import render_profile

    match = _PROFILE.fullmatch(text)
    if not match:
        raise click.BadParameter(f"{text!r}: use RESOLUTION[FPS][-ASPECT], e.g. 1080p30, 720p25 or 1080p30-9x16",
                                 param_hint="--profile")
    resolution, fps, aspect = match.groups()
    return render_profile(resolution, (aspect or "16x9").replace("x", ":"), int(fps or 30))


def profile_from_tags(metadata: dict[str, str]):
    """(profile, target duration or None, job id) from AIPROD's tags in the file, or None without them."""
    from aiprod_assets.media.tags import aiprod_tags
    from aiprod_assets.planning.profiles import profile_from_name

    tags = aiprod_tags(metadata.get("comment", ""))
    profile = profile_from_name(tags["profile"]) if tags else None
    if profile is None:
        return None
    try:
        duration = float(tags["duration"]) if "duration" in tags else None
    except ValueError:
        duration = None
    return profile, duration, tags["job"]


def load_shot(path: Path) -> Shot:
    data = json.loads(path.read_text("utf-8"))
    if "spec" in data:
        return Shot.model_validate(data)
    spec = ShotSpec.model_validate(data)
    return Shot(shot_id=path.stem, scene_id="-", index=0, spec=spec, seed=0, backend="-", backend_version="-",
                spec_hash="-")


@click.command("qa", epilog="Exit codes: 0 every check passed; 1 a check failed; 2 bad input (unreadable file, "
                             "not a video, a bad option).")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", "profile_text", default=None,
              help="render profile to judge against: RESOLUTION[FPS][-ASPECT]; default: the job's profile from the "
                   f"file's AIPROD tags, else {DEFAULT_PROFILE}")
@click.option("--duration", type=float, default=None, help="target duration in seconds (default: the shot's)")
@click.option("--shot", "shot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a shot (or shot spec) JSON: adds the semantic gate")
@click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
def qa(video: Path, profile_text: str, duration: float | None, shot_file: Path | None, as_json: bool) -> None:
    """Run the technical (and, with --shot, semantic) QA gate on VIDEO.

    A file AIPROD made carries its job and render profile in its tags and is judged against that profile;
    any other file against --profile, or 1080p30, and the first line of the output says which."""
    from pydantic import ValidationError

    from aiprod_assets.qa.scan import scan
    from aiprod_assets.qa.semantic import NO_JUDGE, read_pictures, score_shot
    from aiprod_assets.qa.technical import Expectations, technical_checks

    profile = parse_profile(profile_text) if profile_text else None
    try:
        shot = load_shot(shot_file) if shot_file else None
    except (ValueError, ValidationError) as err:
        raise click.BadParameter(f"{shot_file}: not a shot or shot spec ({err})", param_hint="--shot") from err
    media = scan(video)
    if media.format_name is None:
        click.secho(printable(f"{video}: unreadable input ({'; '.join(media.errors)})"), fg="red", err=True)
        sys.exit(2)
    if media.video is None or any(kind in media.format_name for kind in _STILL_IMAGE_FORMATS):
        click.secho(printable(f"{video}: not a video ({media.format_name}); give an MP4 file"), fg="red", err=True)
        sys.exit(2)
    tagged = profile_from_tags(media.metadata)
    if profile is not None:
        source = "from --profile"
    elif tagged is not None:
        profile, tagged_duration, job_id = tagged
        duration = duration if duration is not None else tagged_duration
        source = f"from the file's AIPROD tags, job {job_id}"
    else:
        profile, source = parse_profile(DEFAULT_PROFILE), "assumed: the file carries no AIPROD profile; set --profile"
    if duration is None and shot is not None:
        duration = shot.spec.duration_sec
    checks = technical_checks(media, Expectations(profile=profile, target_duration_sec=duration))
    semantic = score_shot(shot.shot_id, shot.spec, read_pictures(video)) if shot else None
    passed = all(c.passed for c in checks) and (semantic is None or semantic.verdict == "pass")
    if as_json:
        out = {"passed": passed, "profile": profile.name, "profile_source": source,
               "checks": [{"id": c.id, "passed": c.passed, "measured": c.measured, "expected": c.expected,
                           "timecode": c.timecode_sec} for c in checks]}
        if semantic:
            out["semantic"] = semantic.model_dump(mode="json")
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(printable(f"{video} against {profile.name} ({source})"))
        for c in checks:
            mark = click.style("pass", fg="green") if c.passed else click.style("FAIL", fg="red")
            timecode = f" at {c.timecode_sec:.2f}s" if c.timecode_sec is not None else ""
            click.echo(f"  {c.id:<20} {mark}  {printable(c.measured)}  (expected {printable(c.expected)}){timecode}")
        if semantic:
            click.echo(f"  semantic score {semantic.score:.2f}: {semantic.verdict} (prompt adherence: {NO_JUDGE})")
            for metric in semantic.metrics:
                click.echo(f"    {metric.name:<14} {metric.score:.2f} (measured {metric.value:g})")
        click.echo("passed" if passed else "failed")
    sys.exit(0 if passed else 1)
