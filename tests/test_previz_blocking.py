"""Previz shows the shot's blocking: what the prompt names is drawn, characters are sized by the framing
and coloured by their looks, captions wrap at words and read on any frame, and the examples' storyboards
differ well beyond noise while a shot renders the same twice."""

import re
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.caption import TEXT_LUMA, wrap_caption
from aiprod_assets.rendering.previz.characters import appearance_colours, framing
from aiprod_assets.rendering.previz.props import LIBRARY_SIZE, PATTERNS, PROPS, props_in
from aiprod_assets.rendering.previz.scene import PrevizScene
from aiprod_assets.rendering.previz.storyboard import (
    middle_frames,
    planned_shots,
    yuv_to_rgb,
)
from tests.support.shots import make_shot

CPU = torch.device("cpu")
PROFILE = render_profile("360p")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "briefs"


def scene_for(prompt: str, seed: int = 7, characters=(), lighting="natural", palette=None) -> PrevizScene:
    shot = make_shot(prompt=prompt, seed=seed, lighting=lighting)
    spec = shot.spec.model_copy(update={"characters": list(characters), **({"palette": palette} if palette else {})})
    return PrevizScene(spec, PROFILE, seed, CPU)


def test_the_library_holds_at_least_thirty_props_and_backdrops():
    assert LIBRARY_SIZE >= 30
    assert all(re.fullmatch(rf"(?:{p.words})", p.name.split()[0], re.IGNORECASE) or re.search(p.words, p.name)
               for p in PROPS)


@pytest.mark.parametrize("name", [p.name for p in PROPS] + list(PATTERNS))
def test_a_prop_named_in_the_prompt_is_drawn(name):
    named = scene_for(f"The {name} at noon.")
    assert named.drawn.get(name, 0) > 50, named.drawn
    assert name not in scene_for("An empty field.").drawn


def test_style_words_the_planner_appends_are_not_props():
    assert scene_for("A field. Style: commercial, studio lighting, calm mood.").drawn == {}


def test_characters_are_sized_by_framing_and_coloured_by_their_looks():
    cast = "Characters: Keeper: grey beard, yellow raincoat."
    sizes = {word: scene_for(f"A {word} shot of the keeper. {cast}", characters=["Keeper"]).drawn["character:Keeper"]
             for word in ("wide", "medium", "close-up")}
    assert sizes["wide"] < sizes["medium"] < sizes["close-up"]
    assert [framing(t) for t in ("A wide view.", "She walks.", "A close-up of her hands.")] == ["wide", "medium", "close"]
    assert appearance_colours("grey beard, yellow raincoat") == {"clothes": "#F1C40F", "legs": "#2C2C34",
                                                                "head": "#95A5A6"}
    assert appearance_colours("red jacket, cycling helmet")["clothes"] == "#C0392B"


def test_captions_wrap_at_words_and_end_with_an_ellipsis_when_long():
    text = "01 s01-01 An old lighthouse keeper climbs the spiral stairs at dusk and lights the lamp as a storm rolls in"
    lines = wrap_caption(text, 40)
    assert len(lines) == 2 and lines[-1].endswith("...") and all(len(line) <= 40 for line in lines)
    words = set(text.split())
    assert all(word in words for line in lines for word in line.removesuffix("...").split())
    assert wrap_caption("short caption", 40) == ["short caption"]


def test_the_caption_reads_on_a_white_frame():
    scene = scene_for("A field in fog.", lighting="high-key", palette=["#FFFFFF", "#FFFFFF", "#FFFFFF"])
    frame = scene.frame(10)[:PROFILE.height].astype(int)
    top, bottom, left, right = scene.caption_box
    box, text = frame[top:bottom, left:right], scene.caption_mask.numpy()
    assert frame[: top - 10].mean() > 190  # a bright frame
    assert box[text].mean() - box[~text].mean() > 120
    assert box[text].mean() >= TEXT_LUMA - 1


def test_the_caption_box_keeps_legal_levels_on_a_black_frame():
    scene = scene_for("A field at night.", lighting="night", palette=["#000000", "#000000", "#000000"])
    frame = scene.frame(3)[:PROFILE.height].astype(int)
    top, bottom, left, right = scene.caption_box
    assert frame[top:bottom, left:right].min() >= 16
    assert ((frame >= 16) & (frame <= 235)).mean() >= 0.999


@pytest.fixture(scope="module")
def example_frames():
    """Per example: its first shot's middle frame and the next one (grain and a frame of motion apart)."""
    frames = {}
    for name in ("lighthouse-keeper", "city-night-chase", "product-teaser"):
        shot = planned_shots((EXAMPLES / f"{name}.json").read_text(), name).shots[0]
        small = render_profile("360p", "16:9", 24).model_copy(update={"width": 160, "height": 90})
        scene, middle = PrevizScene(shot.spec, small, shot.seed, CPU), shot.spec.frames // 2
        frames[name] = [blocks(yuv_to_rgb(scene.frame(k))) for k in (middle, middle + 1)]
    return frames


def blocks(rgb: np.ndarray, size: int = 10) -> np.ndarray:
    """Means of size x size blocks: the picture's layout, with the grain averaged out."""
    h, w = rgb.shape[0] // size * size, rgb.shape[1] // size * size
    return rgb[:h, :w].astype(float).reshape(h // size, size, w // size, size, 3).mean(axis=(1, 3))


def test_the_examples_storyboards_differ_well_beyond_noise(example_frames):
    names = sorted(example_frames)
    noise = max(np.abs(a - b).mean() for a, b in example_frames.values())
    for a in names:
        for b in names:
            if a < b:
                apart = np.abs(example_frames[a][0] - example_frames[b][0]).mean()
                assert apart > 8 * noise, (a, b, apart, noise)


def test_the_same_shot_renders_identically_twice():
    shots = planned_shots((EXAMPLES / "city-night-chase.json").read_text(), "city-night-chase")
    first, again = middle_frames(shots, CPU, width=160), middle_frames(shots, CPU, width=160)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(first, again, strict=True))
    assert props_in(shots.shots[0].spec.prompt)  # the shot draws props: the equality covers them


def test_aiprod_storyboard_draws_a_brief_before_any_run(tmp_path):
    from click.testing import CliRunner

    from aiprod_assets.cli.main import cli

    out = tmp_path / "teaser.png"
    done = CliRunner().invoke(cli, ["storyboard", str(EXAMPLES / "product-teaser.json"), "--out", str(out),
                                    "--width", "160"])
    assert done.exit_code == 0, done.output
    with av.open(str(out)) as png:
        sheet = next(png.decode(video=0)).to_ndarray(format="rgb24")
    assert sheet.shape[1] == 2 * (160 + 8) + 8  # two shots side by side
    bad = tmp_path / "bad.json"
    bad.write_text('{"prompt": "", "duration_sec": -1}')
    refused = CliRunner().invoke(cli, ["storyboard", str(bad)])
    assert refused.exit_code == 2 and "duration_sec" in refused.output
