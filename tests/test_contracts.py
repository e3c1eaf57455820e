"""Every artefact model round-trips through JSON without loss."""

import json

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import (
    LIGHTINGS,
    MODEL_BY_ASSET,
    CharacterContinuity,
    ConsistencyMarkers,
    NarrativeElement,
    ProductionManifest,
    Scene,
    Shot,
    ShotList,
    ShotSpec,
    VisualStyle,
)
from aiprod_assets.planning.profiles import render_profile

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
hex_colour = st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)
lighting = st.sampled_from(LIGHTINGS)
moves = st.sampled_from(["static", "pan", "tilt", "zoom_in", "zoom_out", "dolly", "orbit"])
ids = st.from_regex(r"[a-z0-9][a-z0-9-]{2,20}", fullmatch=True)

scenes = st.builds(Scene, scene_id=ids, description=text, duration_sec=finite, frames=st.integers(0, 10**6),
                   mood=text, characters=st.lists(text, max_size=3),
                   transition_in=st.sampled_from(["cut", "crossfade"]), narrative_role=text)
manifests = st.builds(
    ProductionManifest,
    job_id=ids, title=text, planner=text, planner_version=text, cache_hit=st.booleans(),
    route=st.sampled_from(["fast_track", "full"]), duration_sec=finite, fps=st.sampled_from([24, 25, 30]),
    scenes=st.lists(scenes, min_size=1, max_size=5),
    consistency=st.builds(
        ConsistencyMarkers,
        visual_style=st.builds(VisualStyle, look=text, lighting=lighting, palette=st.lists(hex_colour, max_size=8),
                               grain=finite),
        character_continuity=st.lists(st.builds(CharacterContinuity, name=text, appearance=text,
                                                scene_ids=st.lists(ids, max_size=3)), max_size=3),
        narrative_elements=st.lists(st.builds(NarrativeElement, scene_id=ids, role=text, beat=text), max_size=3),
    ),
)
specs = st.builds(ShotSpec, prompt=text, duration_sec=finite, frames=st.integers(0, 10**6), camera_move=moves,
                  lighting=lighting, palette=st.lists(hex_colour, max_size=8), mood=text, caption=text,
                  characters=st.lists(text, max_size=3))
shots = st.builds(Shot, shot_id=ids, scene_id=ids, index=st.integers(0, 1000), spec=specs,
                  seed=st.integers(0, 2**31 - 1), backend=text, backend_version=text,
                  spec_hash=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
                  transition_in=st.sampled_from(["cut", "crossfade"]))
shot_lists = st.builds(
    ShotList, job_id=ids,
    profile=st.builds(render_profile, st.sampled_from(["360p", "720p", "1080p"]),
                      st.sampled_from(["16:9", "9:16", "1:1"]), st.sampled_from([24, 25, 30])),
    shots=st.lists(shots, max_size=6), total_frames=st.integers(0, 10**7))


@settings(max_examples=60, deadline=None)
@given(manifests)
def test_production_manifest_json_round_trip_is_lossless(manifest):
    stored = pretty_json(manifest)
    assert ProductionManifest.model_validate_json(stored) == manifest
    assert pretty_json(ProductionManifest.model_validate_json(stored)) == stored


@settings(max_examples=60, deadline=None)
@given(shot_lists)
def test_shot_list_json_round_trip_is_lossless(shot_list):
    stored = pretty_json(shot_list)
    assert ShotList.model_validate_json(stored) == shot_list
    assert pretty_json(ShotList.model_validate_json(stored)) == stored


def test_every_artefact_forbids_unknown_fields_and_has_a_schema_version():
    for name, model in MODEL_BY_ASSET.items():
        assert model.model_config.get("extra") == "forbid", name
        assert "schema_version" in model.model_fields, name


def test_unknown_field_in_a_stored_artefact_is_refused():
    stored = json.loads(pretty_json(render_profile()))
    stored["surprise"] = 1
    with pytest.raises(pydantic.ValidationError, match="surprise"):
        type(render_profile()).model_validate(stored)
