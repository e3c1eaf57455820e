from aiprod_assets.contracts import BriefSpec, Character, Style
from aiprod_assets.intake.complexity import (
    FAST_TRACK_BELOW,
    WEIGHTS,
    route_for,
    score_complexity,
)


def test_simple_brief_is_fast_tracked_with_its_factors():
    brief = BriefSpec(prompt="A white mug on a wooden table.", duration_sec=5, budget_usd=1)
    complexity = score_complexity(brief)
    assert complexity.score < FAST_TRACK_BELOW and route_for(complexity) == "fast_track"
    assert [f.name for f in complexity.factors] == list(WEIGHTS)
    assert abs(sum(f.contribution for f in complexity.factors) - complexity.score) < 1e-3


def test_each_factor_raises_the_score():
    plain = BriefSpec(prompt="A white mug on a wooden table.", duration_sec=10, budget_usd=1)
    base = score_complexity(plain).score
    variants = {
        "scenes": plain.model_copy(update={"prompt": "A mug on a table. Then a hand lifts it. Later it is empty."}),
        "characters": plain.model_copy(update={"characters": [Character(name="A"), Character(name="B")]}),
        "camera": plain.model_copy(update={"prompt": "An aerial crane shot orbits a mug on a table."}),
        "lighting": plain.model_copy(update={"style": Style(lighting="night"),
                                             "prompt": "A mug on a table lit by a candle in the storm."}),
        "duration": plain.model_copy(update={"duration_sec": 120}),
    }
    for factor, brief in variants.items():
        scored = score_complexity(brief)
        value = next(f for f in scored.factors if f.name == factor)
        assert scored.score > base, factor
        assert value.value > 0 and value.evidence, factor


def test_score_is_bounded():
    brief = BriefSpec(prompt=" ".join(["Then a chase in the storm at night, the camera orbits and flies."] * 20),
                      duration_sec=600, budget_usd=1, style=Style(lighting="neon"),
                      characters=[Character(name=str(i)) for i in range(10)])
    complexity = score_complexity(brief)
    assert complexity.score <= 1.0 and route_for(complexity) == "full"
