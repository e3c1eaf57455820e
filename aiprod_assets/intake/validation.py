"""Validation of a submitted brief (DESIGN.md §8).

Every refusal names the field and what is allowed. All problems are collected,
not just the first, so one round trip tells the author everything to fix.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aiprod_assets.backends import KNOWN_BACKENDS
from aiprod_assets.contracts import (
    ASPECT_RATIOS,
    FRAME_RATES,
    LIGHTINGS,
    RESOLUTIONS,
    BriefSpec,
    ValidationIssue,
)
from aiprod_assets.deployment_settings import DEFAULT_BUDGET_CAP_USD
from aiprod_assets.intake.limits import (
    MAX_BRIEF_BYTES,
    MAX_JSON_DEPTH,
    json_depth_exceeds,
)
from aiprod_assets.intake.text_rules import (
    forbidden_characters,
    injection_phrases,
    normalize_prose,
)
from aiprod_assets.job_ids import JOB_ID_PATTERN, JOB_ID_RULE

PROMPT_MIN_CHARS, PROMPT_MAX_CHARS = 10, 4000
DURATION_MIN_SEC, DURATION_MAX_SEC = 1, 600
MAX_PALETTE, MAX_CHARACTERS = 8, 12
BRIEF_FIELDS = tuple(BriefSpec.model_fields)
STYLE_FIELDS = ("look", "mood", "lighting", "palette")
CHARACTER_FIELDS = ("name", "appearance")
REQUIRED_FIELDS = ("prompt", "duration_sec", "budget_usd")
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_GCS_URI = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/\S*)?$")


class BriefInvalid(ValueError):
    def __init__(self, issues: list[ValidationIssue]):
        self.issues = issues
        self.report_key: str | None = None  # where the refusal was kept, once it is
        super().__init__("; ".join(f"{i.field}: {i.message} (allowed: {i.allowed})" for i in issues))


class _Issues(list):
    def add(self, field: str, code: str, message: str, allowed: str) -> None:
        self.append(ValidationIssue(field=field, code=code, message=message, allowed=allowed))


def too_large_issue(size: int, max_bytes: int) -> ValidationIssue:
    return ValidationIssue(field="brief", code="too_large", message=f"the file is {size} bytes",
                           allowed=f"at most {max_bytes} bytes ({max_bytes / 1024:g} KiB)")


def parse_brief(raw: bytes, budget_cap_usd: float = DEFAULT_BUDGET_CAP_USD,
                max_bytes: int = MAX_BRIEF_BYTES) -> BriefSpec:
    """Decode, parse and validate a brief, or raise BriefInvalid listing every problem."""
    issues = _Issues()
    data = _decode(raw, issues, max_bytes)
    if data is None:
        raise BriefInvalid(issues)
    values = _check_fields(data, budget_cap_usd, issues)
    if issues:
        raise BriefInvalid(issues)
    return BriefSpec.model_validate(values)


def _decode(raw: bytes, issues: _Issues, max_bytes: int) -> dict[str, Any] | None:
    if len(raw) > max_bytes:
        issues.append(too_large_issue(len(raw), max_bytes))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        issues.add("brief", "not_utf8", f"byte {err.start} is not valid UTF-8", "UTF-8 encoded JSON")
        return None

    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            issues.add(key, "duplicate_field", "the field appears more than once", "each field once")
        return dict(pairs)

    if json_depth_exceeds(text, MAX_JSON_DEPTH):
        issues.add("brief", "too_deep", f"arrays and objects nest deeper than {MAX_JSON_DEPTH} levels",
                   f"at most {MAX_JSON_DEPTH} levels of nesting")
        return None
    try:
        data = json.loads(text, object_pairs_hook=refuse_duplicates, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as err:
        where = f" at line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        issues.add("brief", "invalid_json", f"not valid JSON{where}: {err}", "a JSON object")
        return None
    if not isinstance(data, dict):
        issues.add("brief", "not_object", f"the top level is a {type(data).__name__}", "a JSON object")
        return None
    return None if issues else data


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _check_fields(data: dict[str, Any], budget_cap_usd: float, issues: _Issues) -> dict[str, Any]:
    for key in data:
        if key not in BRIEF_FIELDS:
            issues.add(key, "unknown_field", "this field is not part of the brief format", ", ".join(BRIEF_FIELDS))
    for key in REQUIRED_FIELDS:
        if data.get(key) is None:
            issues.add(key, "required", "this field is required", _REQUIRED_ALLOWED[key](budget_cap_usd))
    values: dict[str, Any] = {}
    if data.get("job_id") is not None:
        job_id = data["job_id"]
        if not isinstance(job_id, str) or not JOB_ID_PATTERN.fullmatch(job_id):
            issues.add("job_id", "invalid_job_id", f"{job_id!r} does not follow the job id rule", JOB_ID_RULE)
        values["job_id"] = job_id
    if data.get("title") is not None:
        values["title"] = _short_text(data["title"], "title", 200, issues)
    if data.get("prompt") is not None:
        values["prompt"] = _prompt(data["prompt"], issues)
    for key, low, high, unit in (
        ("duration_sec", DURATION_MIN_SEC, DURATION_MAX_SEC, "seconds"),
        ("budget_usd", 0.0, budget_cap_usd, "USD"),
    ):
        if data.get(key) is not None:
            values[key] = _number_in_range(data[key], key, low, high, unit, issues, low_inclusive=key != "budget_usd")
    if "style" in data:
        values["style"] = _style(data["style"], issues)
    if "characters" in data:
        values["characters"] = _characters(data["characters"], issues)
    for key, allowed in (("resolution", RESOLUTIONS), ("aspect_ratio", ASPECT_RATIOS)):
        if key in data:
            values[key] = _choice(data[key], key, allowed, issues)
    if "fps" in data:
        fps = data["fps"]
        if isinstance(fps, bool) or not isinstance(fps, int) or fps not in FRAME_RATES:
            issues.add("fps", "not_allowed", f"{fps!r} is not a supported frame rate", ", ".join(map(str, FRAME_RATES)))
        values["fps"] = fps
    if "backends" in data:
        values["backends"] = _backends(data["backends"], issues)
    if data.get("deliver_to") is not None:
        target = data["deliver_to"]
        if not isinstance(target, str) or not _GCS_URI.fullmatch(target):
            issues.add("deliver_to", "invalid_uri", f"{target!r} is not a GCS location", "null or gs://bucket/prefix")
        values["deliver_to"] = target
    return values


_REQUIRED_ALLOWED = {
    "prompt": lambda cap: f"text of {PROMPT_MIN_CHARS}-{PROMPT_MAX_CHARS} characters",
    "duration_sec": lambda cap: f"a number of seconds from {DURATION_MIN_SEC} to {DURATION_MAX_SEC}",
    "budget_usd": lambda cap: f"a number of USD above 0 and at most {cap:g}",
}


def _prompt(value: Any, issues: _Issues) -> str:
    allowed = f"text of {PROMPT_MIN_CHARS}-{PROMPT_MAX_CHARS} characters"
    if not isinstance(value, str):
        issues.add("prompt", "wrong_type", f"got a {type(value).__name__}", allowed)
        return ""
    if not value.strip():
        issues.add("prompt", "empty", "the prompt is empty or only whitespace", allowed)
        return ""
    _free_text_checks(value, "prompt", issues, allow_newlines=True)
    text = normalize_prose(value)
    if len(text) < PROMPT_MIN_CHARS:
        issues.add("prompt", "too_short", f"{len(text)} characters", allowed)
    elif len(text) > PROMPT_MAX_CHARS:
        issues.add("prompt", "too_long", f"{len(text)} characters", allowed)
    return text


def _short_text(value: Any, field: str, max_chars: int, issues: _Issues, required: bool = False) -> str:
    allowed = f"text of {1 if required else 0}-{max_chars} characters on one line"
    if not isinstance(value, str):
        issues.add(field, "wrong_type", f"got a {type(value).__name__}", allowed)
        return ""
    _free_text_checks(value, field, issues, allow_newlines=False)
    text = normalize_prose(value)
    if len(text) > max_chars:
        issues.add(field, "too_long", f"{len(text)} characters", allowed)
    if required and not text:
        issues.add(field, "empty", "empty or only whitespace", allowed)
    return text


def _free_text_checks(value: str, field: str, issues: _Issues, allow_newlines: bool) -> None:
    bad_chars = forbidden_characters(value, allow_newlines)
    if bad_chars:
        issues.add(field, "control_characters", "contains " + ", ".join(bad_chars),
                   "printable text" + (", line breaks and tabs" if allow_newlines else ""))
    phrases = injection_phrases(value)
    if phrases:
        issues.add(field, "prompt_injection", "reads as instructions to the planner: " + ", ".join(phrases),
                   "a description of the video, not instructions to the system")


def _number_in_range(value: Any, field: str, low: float, high: float, unit: str, issues: _Issues,
                     low_inclusive: bool) -> float:
    allowed = f"a number of {unit} {'from' if low_inclusive else 'above'} {low:g} {'to' if low_inclusive else 'and at most'} {high:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        issues.add(field, "wrong_type", f"{_shown(value)} is not a number", allowed)
        return 0.0
    if isinstance(value, int) and abs(value) > MAX_EXACT_NUMBER or not math.isfinite(value):
        issues.add(field, "out_of_range", f"{_shown(value)} is not a finite number in range", allowed)
        return 0.0
    too_low = value < low if low_inclusive else value <= low
    if too_low or value > high:
        issues.add(field, "out_of_range", f"{value:g} is out of range", allowed)
    return float(value)


MAX_EXACT_NUMBER = 2 ** 53  # integers beyond this have no exact float: no brief needs one


def _shown(value: Any, limit: int = 40) -> str:
    """A value as the error shows it: short, whatever its size."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT_NUMBER:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _choice(value: Any, field: str, allowed: tuple[str, ...], issues: _Issues) -> Any:
    if not isinstance(value, str) or value not in allowed:
        issues.add(field, "not_allowed", f"{value!r} is not supported", ", ".join(allowed))
    return value


def _unknown_keys(obj: dict[str, Any], prefix: str, known: tuple[str, ...], issues: _Issues) -> None:
    for key in obj:
        if key not in known:
            issues.add(f"{prefix}.{key}", "unknown_field", "this field is not part of the brief format", ", ".join(known))


def _style(value: Any, issues: _Issues) -> dict[str, Any]:
    if not isinstance(value, dict):
        issues.add("style", "wrong_type", f"got a {type(value).__name__}", "an object with " + ", ".join(STYLE_FIELDS))
        return {}
    _unknown_keys(value, "style", STYLE_FIELDS, issues)
    style: dict[str, Any] = {}
    for key in ("look", "mood"):
        if key in value:
            style[key] = _short_text(value[key], f"style.{key}", 60, issues, required=True).lower()
    if "lighting" in value:
        style["lighting"] = _choice(value["lighting"], "style.lighting", LIGHTINGS, issues)
    if "palette" in value:
        palette = value["palette"]
        if not isinstance(palette, list) or len(palette) > MAX_PALETTE:
            issues.add("style.palette", "wrong_type", f"got {palette!r}", f"a list of at most {MAX_PALETTE} colours like #1B2A41")
        else:
            for i, colour in enumerate(palette):
                if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
                    issues.add(f"style.palette[{i}]", "invalid_colour", f"{colour!r} is not a hex colour", "#RRGGBB, e.g. #1B2A41")
            style["palette"] = [c.upper() for c in palette if isinstance(c, str)]
    return style


def _characters(value: Any, issues: _Issues) -> list[dict[str, Any]]:
    allowed = f"a list of at most {MAX_CHARACTERS} objects with name and appearance"
    if not isinstance(value, list) or len(value) > MAX_CHARACTERS:
        issues.add("characters", "wrong_type", f"got {type(value).__name__} of length {len(value) if isinstance(value, list) else '-'}", allowed)
        return []
    characters = []
    for i, item in enumerate(value):
        where = f"characters[{i}]"
        if not isinstance(item, dict):
            issues.add(where, "wrong_type", f"got a {type(item).__name__}", allowed)
            continue
        _unknown_keys(item, where, CHARACTER_FIELDS, issues)
        if item.get("name") is None:
            issues.add(f"{where}.name", "required", "each character needs a name", "text of 1-60 characters on one line")
        character = {"name": _short_text(item.get("name", ""), f"{where}.name", 60, issues, required=True)}
        if "appearance" in item:
            character["appearance"] = _short_text(item["appearance"], f"{where}.appearance", 300, issues)
        characters.append(character)
    return characters


def _backends(value: Any, issues: _Issues) -> list[str]:
    allowed = "a non-empty list, each once, of " + ", ".join(KNOWN_BACKENDS)
    if not isinstance(value, list) or not value:
        issues.add("backends", "wrong_type", f"got {value!r}", allowed)
        return []
    for i, name in enumerate(value):
        if name not in KNOWN_BACKENDS:
            issues.add(f"backends[{i}]", "unknown_backend", f"{name!r} is not a backend", allowed)
    if len(set(map(str, value))) != len(value):
        issues.add("backends", "duplicate_backend", "a backend is listed twice", allowed)
    return value
