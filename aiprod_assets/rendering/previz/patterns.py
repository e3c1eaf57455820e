"""Whole-layer patterns a prompt can ask for: the sea, storm clouds, rain, a crowd. Each returns a mask
over the layer grid and the colour to paint it."""

from __future__ import annotations


def sea(torch, u, v, horizon: float, colours, rng):
    """Water from the horizon down, with bands of waves."""
    c0, c1, c2 = colours
    water = v > horizon
    waves = torch.sin(40 * (v - horizon) + 6 * torch.sin(3 * u + rng.uniform(0, 6.3))) > 0.8
    colour = (c0 * 0.55 + torch.tensor([0.05, 0.2, 0.35], device=u.device))[:, None, None]
    crest = (c2 * 0.8 + 0.1)[:, None, None]
    return water, torch.where((water & waves)[None], crest, colour)


def storm_clouds(torch, u, v, colours, rng):
    """A low, dark bank of cloud across the top of the sky."""
    bank = torch.zeros_like(u, dtype=torch.bool)
    for _ in range(9):
        cx, cy = rng.uniform(u.min().item(), u.max().item()), rng.uniform(-0.6, -0.3)
        rx, ry = rng.uniform(0.15, 0.35), rng.uniform(0.06, 0.12)
        bank |= ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 <= 1
    bank |= v < -0.62
    return bank, (colours[0] * 0.35 + 0.08)[:, None, None].expand(3, *u.shape)


def rain(torch, u, v, colours, rng):
    """Slanted streaks over the whole layer."""
    phase = rng.uniform(0, 1)
    # Coarse enough to survive the world's quarter resolution without aliasing into sheets.
    streaks = torch.remainder(u * 16 + v * 3 + phase, 1.0) < 0.12
    dashes = torch.remainder(v * 5 + torch.floor(u * 16 + v * 3) * 0.37, 1.0) < 0.5
    return streaks & dashes, (colours[2] * 0.6 + 0.3)[:, None, None].expand(3, *u.shape)


def crowd(torch, u, v, ground: float, colours, rng):
    """Rows of small figures standing on the ground."""
    people = torch.zeros_like(u, dtype=torch.bool)
    for _ in range(16):
        x, h = rng.uniform(u.min().item(), u.max().item()), rng.uniform(0.07, 0.1)
        body = ((u - x).abs() < h * 0.22) & (v < ground) & (v > ground - h * 0.75)
        head = ((u - x) ** 2 + (v - (ground - h * 0.88)) ** 2) < (h * 0.14) ** 2
        people |= body | head
    shade = colours[0] * 0.5 + colours[1] * 0.15
    return people, shade[:, None, None].expand(3, *u.shape)


def draw_pattern(name: str, torch, u, v, ground: float, colours, rng):
    if name == "sea":
        return sea(torch, u, v, ground - 0.02, colours, rng)
    if name == "storm clouds":
        return storm_clouds(torch, u, v, colours, rng)
    if name == "rain":
        return rain(torch, u, v, colours, rng)
    if name == "crowd":
        return crowd(torch, u, v, ground, colours, rng)
    raise ValueError(f"unknown pattern {name!r}")


PATTERN_LAYER = {"sea": "mid", "storm clouds": "clouds", "rain": "near", "crowd": "mid"}
