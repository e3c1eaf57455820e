"""The shot's caption: wrapped at word boundaries into at most two lines, on a box dark enough that the
text reads on any frame (the box darkens what is under it; the text is near white)."""

from __future__ import annotations

import textwrap

import numpy as np

from aiprod_assets.media.font import GLYPH_H, text_mask

MAX_LINES = 2
ELLIPSIS = "..."
# Box luma = under * BOX_KEEP + BOX_LIFT: at most 82 under a white frame, against text at TEXT_LUMA, and
# never under 16 (legal video levels) over black.
BOX_KEEP, BOX_LIFT, TEXT_LUMA = 0.3, 11.5, 228


def wrap_caption(text: str, chars_per_line: int, max_lines: int = MAX_LINES) -> list[str]:
    """Lines of whole words; when the text needs more lines, the last ends at a word with '...'."""
    lines = textwrap.wrap(text, chars_per_line, break_long_words=False, break_on_hyphens=False)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and len(last) + len(ELLIPSIS) + 1 > chars_per_line:
        last = last.rsplit(" ", 1)[0] if " " in last else ""
    kept[-1] = f"{last} {ELLIPSIS}".strip()
    return kept


def caption_mask(text: str, width: int, scale: int) -> np.ndarray:
    """The wrapped caption as a boolean mask, lines stacked with a gap, as wide as its longest line."""
    chars = max(1, (width - 8 * scale) // (6 * scale))
    lines = wrap_caption(text, chars) or [""]
    gap = 3 * scale
    masks = [text_mask(line, scale) for line in lines]
    wide = max(m.shape[1] for m in masks)
    out = np.zeros((len(masks) * (GLYPH_H * scale + gap) - gap, wide), dtype=bool)
    for k, mask in enumerate(masks):
        top = k * (GLYPH_H * scale + gap)
        out[top:top + mask.shape[0], :mask.shape[1]] = mask
    return out
