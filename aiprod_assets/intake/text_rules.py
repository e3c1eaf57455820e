"""Checks on free text that reaches the planner: control characters and injection phrases."""

from __future__ import annotations

import re
import unicodedata

# Line breaks and tabs are ordinary in a prompt; every other control or format
# character (NUL, ESC, bidi overrides, zero-width joiners) can hide text from a reviewer.
_ALLOWED_CONTROLS = {"\n", "\t"}

_INJECTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("ignore previous instructions", r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.]{0,20}\b(instructions?|prompts?|rules?|directions?)\b"),
        ("system prompt", r"\bsystem\s+prompt\b"),
        ("role reassignment", r"\byou\s+are\s+(now|no\s+longer)\b"),
        ("developer mode", r"\b(developer|god|dan|jailbreak)\s+mode\b|\bjailbreak\b"),
        ("reveal hidden data", r"\b(reveal|print|show|leak|output)\b[^.]{0,30}\b(instructions|api[\s_-]?keys?|secrets?|credentials|system\s+message)\b"),
        ("chat role markup", r"<\|?\s*/?\s*(system|assistant|im_start|im_end)\s*\|?>|^\s*(system|assistant)\s*:"),
        ("budget override", r"\b(ignore|bypass|override|raise)\b[^.]{0,30}\bbudget\b"),
        ("instruction header", r"#{2,}\s*(new\s+)?instructions?\b"),
    )
)


def forbidden_characters(text: str, allow_newlines: bool) -> list[str]:
    """Names of the control or format characters in ``text``, e.g. ['U+0000 NULL']."""
    found: list[str] = []
    for char in text:
        if allow_newlines and char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"}:
            name = unicodedata.name(char, "control character")
            label = f"U+{ord(char):04X} {name}"
            if label not in found:
                found.append(label)
    return found


def injection_phrases(text: str) -> list[str]:
    """Labels of the planner-injection patterns that ``text`` matches."""
    folded = unicodedata.normalize("NFKC", text)
    return [label for label, pattern in _INJECTION_PATTERNS if pattern.search(folded)]


def normalize_prose(text: str) -> str:
    """NFC, trimmed, runs of spaces collapsed; paragraph breaks kept."""
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
