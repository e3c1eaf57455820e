"""Characters as silhouettes: how big the shot's framing makes them, coloured by their appearance words."""

from __future__ import annotations

import re

from aiprod_assets.rendering.previz.shapes import hex_to_rgb, shape_mask

COLOUR_WORDS = {
    "red": "#C0392B", "crimson": "#A3172B", "orange": "#E67E22", "yellow": "#F1C40F", "gold": "#D4AC0D",
    "green": "#27AE60", "blue": "#2E86DE", "navy": "#1F3A5F", "purple": "#8E44AD", "pink": "#E84393",
    "white": "#F4F1EA", "grey": "#95A5A6", "gray": "#95A5A6", "silver": "#BDC3C7", "black": "#1C1C1C",
    "brown": "#7B4A2A", "beige": "#D8C3A5",
}
CLOTHES = r"coat|raincoat|jacket|dress|shirt|suit|sweater|hoodie|uniform|cloak|robe|helmet|hat"
# The silhouette's height as a share of the frame, by framing.
FRAMING = {"wide": 0.22, "medium": 0.55, "close": 1.25}
WIDE_WORDS = r"wide|establishing|landscape|skyline|horizon|aerial|distant|far"
CLOSE_WORDS = r"close[- ]?up|close|detail|face|eyes|portrait|hands?"
SKIN = "#C8A27E"

# A standing figure, 1 unit tall: legs, body, arms, head.
FIGURE = (("rect", -0.1, -0.02, 0, 0.45, "legs"), ("rect", 0.02, 0.1, 0, 0.45, "legs"),
          ("trap", 0, 0.16, 0.13, 0.42, 0.82, "clothes"), ("rect", -0.2, -0.14, 0.45, 0.8, "clothes"),
          ("rect", 0.14, 0.2, 0.45, 0.8, "clothes"), ("ellipse", 0, 0.9, 0.08, 0.1, "head"))


def framing(description: str) -> str:
    if re.search(rf"\b(?:{CLOSE_WORDS})\b", description, re.IGNORECASE):
        return "close"
    if re.search(rf"\b(?:{WIDE_WORDS})\b", description, re.IGNORECASE):
        return "wide"
    return "medium"


def appearance_colours(appearance: str) -> dict[str, str]:
    """The clothes' colour from "<colour> <garment>", else the first colour named; the head's from hair words."""
    words = appearance.lower()
    clothes = re.search(rf"\b({'|'.join(COLOUR_WORDS)})\s+(?:\w+\s+)?(?:{CLOTHES})\b", words)
    hair = re.search(rf"\b({'|'.join(COLOUR_WORDS)})\s+(?:hair|beard)\b", words)
    first = re.search(rf"\b({'|'.join(COLOUR_WORDS)})\b", words)
    clothes_colour = COLOUR_WORDS[(clothes or first).group(1)] if (clothes or first) else "#34495E"
    return {"clothes": clothes_colour, "legs": "#2C2C34", "head": COLOUR_WORDS[hair.group(1)] if hair else SKIN}


def cast_from_prompt(prompt: str, names: list[str]) -> list[tuple[str, str]]:
    """(name, appearance) of each character the shot names, reading "Characters: A: look; B: look."."""
    listed = prompt.split("Characters:", 1)[1] if "Characters:" in prompt else ""
    looks = dict(part.split(":", 1) for part in listed.rstrip(". ").split(";") if ":" in part)
    return [(name, looks.get(name, looks.get(f" {name}", "")).strip()) for name in names]


def figure_masks(torch, u, v, ground: float, x: float, height: float, colours: dict[str, str]):
    """(mask, rgb) per part of one figure standing at x on the ground."""
    for shape in FIGURE:
        rgb = torch.tensor(hex_to_rgb(colours[shape[-1]]), device=u.device)
        yield shape_mask(shape, u, v, x, ground, height), rgb
