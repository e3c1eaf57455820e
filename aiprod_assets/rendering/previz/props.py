"""The prop and backdrop library: what a prompt names is drawn, in simple vector shapes.

A prop stands on the nearest ground, where the action is; a backdrop repeats across a far layer. Each
is found in the prompt by its words. Shapes are in shapes.py's units: x across, y up, 1 = the prop's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Prop:
    name: str
    words: str  # a regex of the words that ask for it
    shapes: tuple
    layer: str = "near"  # near: one, on the action's ground; far: repeated across the backdrop
    size: float = 0.25  # in world units (the frame is 1 high)
    count: int = 1


WOOD, WHITE, GLASS, LEAF, STEEL, BRICK = "#8B5A2B", "#F4F1EA", "#9FC5D8", "#2E6B3A", "#7D8590", "#8E3B2F"

PROPS: tuple[Prop, ...] = (
    Prop("lighthouse", r"lighthouses?", (
        ("trap", 0, 0.16, 0.1, 0, 1.0, WHITE), ("rect", -0.14, 0.14, 0.35, 0.48, BRICK),
        ("rect", -0.12, 0.12, 0.7, 0.8, BRICK), ("rect", -0.09, 0.09, 1.0, 1.12, "glow"),
        ("tri", -0.12, 0.12, 1.12, 0, 1.25, "dark")), size=0.55),
    Prop("spiral stairs", r"stair\w*|spiral|steps", tuple(
        ("rect", -0.3 + 0.1 * k, -0.3 + 0.1 * k + 0.22, 0.1 * k, 0.1 * k + 0.05, WOOD) for k in range(7))
        + (("rect", -0.02, 0.02, 0, 0.8, STEEL),), size=0.4),
    Prop("lamp", r"lamps?|lanterns?", (
        ("rect", -0.04, 0.04, 0, 0.7, STEEL), ("ellipse", 0, 0.8, 0.12, 0.12, "glow")), size=0.3),
    Prop("table", r"tables?|desks?|counters?", (
        ("rect", -0.6, 0.6, 0.42, 0.5, WOOD), ("rect", -0.55, -0.48, 0, 0.42, WOOD),
        ("rect", 0.48, 0.55, 0, 0.42, WOOD)), size=0.45),
    Prop("mug", r"mugs?|cups?|coffee|tea\b", (
        ("rect", -0.12, 0.12, 0, 0.3, WHITE), ("ring", 0.16, 0.15, 0.09, 0.035, WHITE)), size=0.4),
    Prop("steam", r"steam\w*|smok\w*|vapou?r", tuple(
        ("ellipse", 0.05 * (-1) ** k, 0.4 + 0.14 * k, 0.05, 0.07, "light") for k in range(4)), size=0.4),
    Prop("product", r"products?|packag\w*|box(es)?|bottles?|perfume", (
        ("rect", -0.1, 0.1, 0, 0.5, "accent"), ("rect", -0.05, 0.05, 0.5, 0.6, "dark"),
        ("rect", -0.1, 0.1, 0.2, 0.3, "light")), size=0.35),
    Prop("car", r"cars?|taxis?|vehicles?|van", (
        ("rect", -0.5, 0.5, 0.08, 0.3, "accent"), ("trap", 0, 0.34, 0.22, 0.3, 0.5, "accent"),
        ("rect", -0.18, 0.18, 0.32, 0.46, GLASS), ("ellipse", -0.3, 0.08, 0.09, 0.09, "dark"),
        ("ellipse", 0.3, 0.08, 0.09, 0.09, "dark")), size=0.35),
    Prop("bicycle", r"bikes?|bicycles?|cycling|cyclist", (
        ("ring", -0.25, 0.18, 0.18, 0.03, "dark"), ("ring", 0.25, 0.18, 0.18, 0.03, "dark"),
        ("tri", -0.25, 0.2, 0.18, 0.0, 0.42, "accent")), size=0.3),
    Prop("market stalls", r"markets?|stalls?|bazaar|vendors?", (
        ("rect", -0.5, -0.46, 0, 0.6, WOOD), ("rect", 0.46, 0.5, 0, 0.6, WOOD),
        ("trap", 0, 0.58, 0.5, 0.6, 0.75, "accent"), ("rect", -0.45, 0.45, 0.25, 0.32, WOOD),
        ("ellipse", -0.2, 0.36, 0.06, 0.05, "glow"), ("ellipse", 0.15, 0.36, 0.06, 0.05, LEAF)), size=0.35, count=1),
    Prop("neon sign", r"neon|signs?|billboards?", (
        ("rect", -0.3, 0.3, 0.9, 1.1, "glow"), ("rect", -0.26, 0.26, 0.94, 1.06, "accent")), size=0.35),
    Prop("streetlight", r"street ?lights?|lamp ?posts?", (
        ("rect", -0.02, 0.02, 0, 1.0, STEEL), ("rect", 0, 0.18, 0.96, 1.0, STEEL),
        ("ellipse", 0.16, 0.93, 0.05, 0.03, "glow")), size=0.5),
    Prop("chair", r"chairs?|seats?|stools?", (
        ("rect", -0.2, 0.2, 0.4, 0.46, WOOD), ("rect", -0.2, -0.15, 0, 0.9, WOOD),
        ("rect", 0.15, 0.2, 0, 0.46, WOOD)), size=0.35),
    Prop("plant", r"plants?|flowers?|vases?|pots?", (
        ("trap", 0, 0.1, 0.14, 0, 0.25, BRICK), ("ellipse", 0, 0.45, 0.18, 0.22, LEAF)), size=0.3),
    Prop("book", r"books?|library|novel", (
        ("rect", -0.2, -0.08, 0, 0.4, "accent"), ("rect", -0.07, 0.05, 0, 0.36, BRICK),
        ("rect", 0.06, 0.18, 0, 0.42, "light")), size=0.3),
    Prop("door", r"doors?|doorway|entrance", (
        ("rect", -0.25, 0.25, 0, 1.0, WOOD), ("ellipse", 0.16, 0.5, 0.03, 0.03, "glow")), size=0.45),
    Prop("window", r"windows?", (
        ("rect", -0.35, 0.35, 0.3, 0.9, "dark"), ("rect", -0.3, 0.3, 0.35, 0.85, "glow"),
        ("rect", -0.02, 0.02, 0.3, 0.9, "dark"), ("rect", -0.35, 0.35, 0.58, 0.62, "dark")), size=0.45),
    Prop("boat", r"boats?|ships?|yachts?|ferry", (
        ("trap", 0, 0.3, 0.5, 0, 0.2, "dark"), ("rect", -0.02, 0.02, 0.2, 0.9, STEEL),
        ("tri", 0.03, 0.45, 0.25, 0.03, 0.85, WHITE)), size=0.35),
    Prop("bridge", r"bridges?", (
        ("rect", -1.2, 1.2, 0.3, 0.38, "dark"), ("rect", -0.9, -0.8, 0, 0.3, "dark"),
        ("rect", 0.8, 0.9, 0, 0.3, "dark"), ("rect", -0.05, 0.05, 0, 0.3, "dark")), size=0.3),
    Prop("house", r"houses?|cottages?|cabins?|homes?", (
        ("rect", -0.4, 0.4, 0, 0.5, BRICK), ("tri", -0.5, 0.5, 0.5, 0, 0.85, "dark"),
        ("rect", -0.08, 0.08, 0, 0.28, WOOD), ("rect", 0.18, 0.32, 0.25, 0.38, "glow")), size=0.4),
    Prop("fence", r"fences?|railings?", tuple(
        ("rect", -0.9 + 0.2 * k, -0.86 + 0.2 * k, 0, 0.4, WOOD) for k in range(10))
        + (("rect", -0.9, 0.95, 0.25, 0.3, WOOD),), size=0.3),
    Prop("tree", r"trees?|oaks?|pines?", (
        ("rect", -0.05, 0.05, 0, 0.4, WOOD), ("tri", -0.3, 0.3, 0.3, 0, 1.0, LEAF)), size=0.45),
    Prop("bird", r"birds?|gulls?|seagulls?|crows?", (
        ("tri", -0.2, 0.0, 1.6, -0.05, 1.7, "dark"), ("tri", 0.0, 0.2, 1.6, 0.05, 1.7, "dark")), size=0.3),
    Prop("rooftop", r"rooftops?|roofs?", (
        ("rect", -1.2, 1.2, 0, 0.12, "dark"), ("rect", 0.5, 0.8, 0.35, 0.7, WOOD),
        ("rect", 0.52, 0.55, 0.12, 0.35, STEEL), ("rect", 0.75, 0.78, 0.12, 0.35, STEEL),
        ("tri", 0.47, 0.83, 0.7, 0.65, 0.82, "dark")), size=0.35),
    # Backdrops: repeated across a far layer.
    Prop("skyline", r"skylines?|city|cities|downtown|skyscrapers?|buildings?", (
        ("rect", -0.16, 0.16, 0, 1.0, "dark"), ("rect", -0.1, -0.04, 0.6, 0.68, "glow"),
        ("rect", 0.04, 0.1, 0.3, 0.38, "glow")), layer="far", size=0.45, count=9),
    Prop("forest", r"forests?|woods|woodland|jungle", (
        ("rect", -0.04, 0.04, 0, 0.3, WOOD), ("tri", -0.25, 0.25, 0.2, 0, 1.0, LEAF)), layer="far", size=0.35,
        count=14),
    Prop("mountains", r"mountains?|hills?|peaks?|cliffs?", (
        ("tri", -1.0, 1.0, 0, 0.0, 0.9, "dark"), ("tri", -0.25, 0.25, 0.68, 0.0, 0.9, WHITE)), layer="far",
        size=0.4, count=4),
    Prop("alley", r"alleys?|alleyways?|streets?|lanes?", (
        ("rect", -0.5, -0.2, 0, 1.4, BRICK), ("rect", 0.2, 0.5, 0, 1.4, BRICK),
        ("rect", -0.42, -0.3, 0.8, 0.95, "glow"), ("rect", 0.3, 0.42, 0.5, 0.65, "glow")), layer="far",
        size=0.5, count=4),
    Prop("room", r"rooms?|interior|kitchen|office|studio|bedroom|indoors", (
        ("rect", -0.5, 0.5, 0, 1.6, "light"), ("rect", -0.5, 0.5, 0, 0.25, WOOD),
        ("rect", -0.48, -0.46, 0.25, 1.6, "body")), layer="far", size=0.6, count=3),
    Prop("moon", r"moon\w*|night", (("ellipse", 0, 1.8, 0.12, 0.12, WHITE),), layer="far", size=0.35),
    Prop("sun", r"sun\w*|dawn|morning", (("ellipse", 0, 1.6, 0.16, 0.16, "glow"),), layer="far", size=0.35),
)

# Drawn as patterns over a whole layer, not as shapes at a place (previz/patterns.py).
PATTERNS: dict[str, str] = {"sea": r"seas?|ocean|waves?|coast\w*|shore|harbou?r|beach",
                            "storm clouds": r"storms?|thunder\w*|clouds?",
                            "rain": r"rain\w*|drizzl\w*|downpour",
                            "crowd": r"crowds?|crowded|people|audience"}


def _names(text: str, table) -> list[str]:
    return [name for name, words in table if re.search(rf"\b(?:{words})\b", text, re.IGNORECASE)]


def props_in(prompt: str) -> list[Prop]:
    """The props and backdrops the prompt's words ask for, in library order."""
    asked = set(_names(prompt, [(p.name, p.words) for p in PROPS]))
    return [p for p in PROPS if p.name in asked]


def patterns_in(prompt: str) -> list[str]:
    return _names(prompt, PATTERNS.items())


LIBRARY_SIZE = len(PROPS) + len(PATTERNS)
