"""A corpus of bad briefs: each gets its specific error, naming the field and what is allowed."""

import json
from pathlib import Path

import pytest

from aiprod_assets.intake.validation import MAX_BRIEF_BYTES, BriefInvalid, parse_brief
from tests.support.jobs import EXAMPLES, brief_bytes

CORPUS = Path(__file__).parent / "bad_briefs"

EXPECTED = {
    "missing-prompt": ("prompt", "required"),
    "empty-prompt": ("prompt", "empty"),
    "whitespace-prompt": ("prompt", "empty"),
    "short-prompt": ("prompt", "too_short"),
    "long-prompt": ("prompt", "too_long"),
    "control-characters": ("prompt", "control_characters"),
    "bidi-override": ("prompt", "control_characters"),
    "injection-ignore-instructions": ("prompt", "prompt_injection"),
    "injection-system-prompt": ("prompt", "prompt_injection"),
    "injection-in-character": ("characters[0].appearance", "prompt_injection"),
    "duration-zero": ("duration_sec", "out_of_range"),
    "duration-too-long": ("duration_sec", "out_of_range"),
    "duration-as-string": ("duration_sec", "wrong_type"),
    "duration-boolean": ("duration_sec", "wrong_type"),
    "budget-zero": ("budget_usd", "out_of_range"),
    "budget-negative": ("budget_usd", "out_of_range"),
    "budget-over-cap": ("budget_usd", "out_of_range"),
    "fps-unsupported": ("fps", "not_allowed"),
    "fps-fractional": ("fps", "not_allowed"),
    "resolution-4k": ("resolution", "not_allowed"),
    "aspect-ratio-4x3": ("aspect_ratio", "not_allowed"),
    "palette-bad-hex": ("style.palette[1]", "invalid_colour"),
    "lighting-unknown": ("style.lighting", "not_allowed"),
    "unknown-field": ("priority", "unknown_field"),
    "unknown-style-field": ("style.font", "unknown_field"),
    "job-id-bad-characters": ("job_id", "invalid_job_id"),
    "unknown-backend": ("backends[1]", "unknown_backend"),
    "deliver-to-not-gcs": ("deliver_to", "invalid_uri"),
    "characters-not-a-list": ("characters", "wrong_type"),
    "title-control-character": ("title", "control_characters"),
    "not-json": ("brief", "invalid_json"),
    "not-an-object": ("brief", "not_object"),
    "not-utf8": ("brief", "not_utf8"),
    "nan-duration": ("brief", "invalid_json"),
    "duplicate-prompt": ("prompt", "duplicate_field"),
}


def test_corpus_and_expectations_match():
    assert {p.stem for p in CORPUS.glob("*.json")} == set(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_brief_gets_its_specific_error(name):
    field, code = EXPECTED[name]
    with pytest.raises(BriefInvalid) as caught:
        parse_brief((CORPUS / f"{name}.json").read_bytes(), budget_cap_usd=500)
    issues = caught.value.issues
    assert (field, code) in [(i.field, i.code) for i in issues], issues
    issue = next(i for i in issues if (i.field, i.code) == (field, code))
    assert issue.allowed and issue.message
    assert field in str(caught.value)


def test_oversized_brief_is_refused_before_parsing():
    raw = brief_bytes(title="x" * (MAX_BRIEF_BYTES + 10))
    with pytest.raises(BriefInvalid) as caught:
        parse_brief(raw)
    assert [(i.field, i.code) for i in caught.value.issues] == [("brief", "too_large")]


def test_every_problem_is_reported_at_once():
    raw = json.dumps({"prompt": "", "duration_sec": 0, "budget_usd": -1, "fps": 60, "extra": 1}).encode()
    with pytest.raises(BriefInvalid) as caught:
        parse_brief(raw)
    fields = {i.field for i in caught.value.issues}
    assert fields == {"prompt", "duration_sec", "budget_usd", "fps", "extra"}


def test_budget_cap_is_configurable():
    raw = brief_bytes(budget_usd=50)
    assert parse_brief(raw, budget_cap_usd=100).budget_usd == 50
    with pytest.raises(BriefInvalid, match="at most 20"):
        parse_brief(raw, budget_cap_usd=20)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_examples_are_valid(example):
    spec = parse_brief((EXAMPLES / example).read_bytes())
    assert spec.prompt and 1 <= spec.duration_sec <= 600


def test_valid_brief_is_normalized():
    raw = brief_bytes(prompt="  A keeper   climbs\tthe stairs.  \n\n\n\nThe lamp glows. ",
                      style={"look": "Cinematic", "palette": ["#1b2a41"]})
    spec = parse_brief(raw)
    assert spec.prompt == "A keeper climbs the stairs.\n\nThe lamp glows."
    assert spec.style.look == "cinematic" and spec.style.palette == ["#1B2A41"]
    assert spec.resolution == "1080p" and spec.fps == 30 and spec.backends == ["previz"]


def test_ordinary_prose_is_not_taken_for_injection():
    raw = brief_bytes(prompt="The captain tells the crew to ignore the storm and follow the previous course home.")
    assert parse_brief(raw).prompt.startswith("The captain")
