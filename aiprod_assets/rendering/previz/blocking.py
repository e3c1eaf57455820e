"""The shot's blocking on the world's layers: backdrops far, patterns where they belong, the props the
prompt names and its characters on the nearest ground, where the action is.

``paint`` changes the layers' colour and alpha in place and returns how many layer pixels each named
thing covers, so a test can see that what the prompt asked for was drawn.
"""

from __future__ import annotations

from aiprod_assets.rendering.previz.characters import (
    FRAMING,
    appearance_colours,
    cast_from_prompt,
    figure_masks,
    framing,
)
from aiprod_assets.rendering.previz.patterns import PATTERN_LAYER, draw_pattern
from aiprod_assets.rendering.previz.props import patterns_in, props_in
from aiprod_assets.rendering.previz.shapes import hex_to_rgb, role_of, shape_mask


def description_of(prompt: str) -> str:
    """The scene's own words: the planner appends style and cast, whose words ("studio lighting") are not
    things in the scene."""
    return prompt.split(" Style:", 1)[0]


# Props that stand on a table when the prompt has one, and props that sit on another.
TABLETOP = ("mug", "product", "book", "plant", "lamp")
ON_TOP_OF = {"steam": "mug"}
# Where props stand across the frame: to the sides, leaving the middle to the characters.
SIDE_SLOTS = (-0.5, 0.5, -0.7, 0.7, -0.3, 0.3, -0.85, 0.85)


def placements(near: list, ground: float, size: str) -> list[tuple]:
    """(prop, x, ground, scale) for each near prop, by the shot's framing: a table's props on its top."""
    zoom = 1.8 if size == "close" else 0.6 if size == "wide" else 1.0
    ground += 0.12 if size == "close" else 0.0
    names = {p.name for p in near}
    table = next((p for p in near if p.name == "table"), None)
    placed: dict[str, tuple] = {}
    slots = iter(SIDE_SLOTS * 4)
    if table is not None:
        placed["table"] = (table, 0.0, ground, table.size * zoom)
    on_table = [p for p in near if table is not None and p.name in TABLETOP]
    for k, prop in enumerate(on_table):
        top = ground - 0.5 * table.size * zoom
        x = (k - (len(on_table) - 1) / 2) * 0.35 * table.size * zoom
        placed[prop.name] = (prop, x, top, prop.size * zoom * 0.7)
    for prop in near:
        if prop.name in placed or (prop.name in ON_TOP_OF and ON_TOP_OF[prop.name] in names):
            continue
        placed[prop.name] = (prop, next(slots), ground, prop.size * zoom)
    for prop in near:
        if prop.name in ON_TOP_OF and ON_TOP_OF[prop.name] in placed:
            _, x, base, scale = placed[ON_TOP_OF[prop.name]]
            placed[prop.name] = (prop, x, base, scale)
    return [placed[p.name] for p in near]


def _role_rgb(torch, role: str, colours):
    c0, c1, c2 = colours
    if role.startswith("#"):
        return torch.tensor(hex_to_rgb(role), device=c0.device)
    return {"dark": c0 * 0.35, "body": c1 * 0.55 + c0 * 0.2, "accent": c1, "light": c2,
            "glow": (c1 * 0.5 + 0.6).clamp(0, 1)}[role]


def _stamp(torch, layer, mask, rgb) -> int:
    layer[:3] = torch.where(mask[None], rgb[:, None, None], layer[:3])
    layer[3] = torch.where(mask, torch.ones_like(layer[3]), layer[3])
    return int(mask.sum())


def paint(torch, layers: dict, grids: dict, grounds: dict, spec, colours, rng) -> dict[str, int]:
    """``layers``: name -> (4, H, W) tensor (far, mid, near, clouds); ``grids``: name -> (u, v); ``grounds``:
    name -> the ground's v on that layer."""
    description = description_of(spec.prompt)
    drawn: dict[str, int] = {}
    for name in patterns_in(description):
        where = PATTERN_LAYER[name]
        u, v = grids[where]
        mask, rgb = draw_pattern(name, torch, u, v, grounds[where], colours, rng)
        layer = layers[where]
        layer[:3] = torch.where(mask[None], rgb, layer[:3])
        layer[3] = torch.where(mask, torch.full_like(layer[3], 0.45 if name == "rain" else 1.0), layer[3])
        drawn[name] = int(mask.sum())
    near = [p for p in props_in(description) if p.layer == "near"]
    for prop in props_in(description):
        if prop.layer != "far":
            continue
        u, v = grids["far"]
        span = float(u.max() - u.min())
        total = 0
        for k in range(prop.count):
            x = float(u.min()) + span * (k + 0.5) / prop.count + rng.uniform(-0.3, 0.3) * span / prop.count
            size = prop.size * rng.uniform(0.75, 1.25)
            for shape in prop.shapes:
                total += _stamp(torch, layers["far"], shape_mask(shape, u, v, x, grounds["far"], size),
                                _role_rgb(torch, role_of(shape), colours))
        drawn[prop.name] = total
    u, v = grids["near"]
    cast = cast_from_prompt(spec.prompt, list(spec.characters))
    size = framing(description)
    for prop, x, ground, scale in placements(near, grounds["near"], size):
        drawn[prop.name] = sum(_stamp(torch, layers["near"], shape_mask(shape, u, v, x, ground, scale),
                                      _role_rgb(torch, role_of(shape), colours)) for shape in prop.shapes)
    height = FRAMING[size]
    ground = grounds["near"] + (0.35 * height if size == "close" else 0.12 if size == "medium" else 0.0)
    for k, (name, appearance) in enumerate(cast):
        x = (k - (len(cast) - 1) / 2) * height * 0.55 + rng.uniform(-0.04, 0.04)
        looks = appearance_colours(appearance)
        drawn[f"character:{name}"] = sum(_stamp(torch, layers["near"], mask, rgb)
                                         for mask, rgb in figure_masks(torch, u, v, ground, x, height, looks))
    return drawn
