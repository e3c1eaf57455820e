"""The Gemini creative director through google-genai against a local generateContent server:
a valid plan, a repaired one, a clear failure, and the manifest cache."""

import json
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from aiprod_assets.contracts import ProductionManifest
from aiprod_assets.costing.audit import read_audit
from aiprod_assets.failures import ProviderAuthError
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import accept, brief_record
from aiprod_assets.planning.director import plan_manifest
from aiprod_assets.planning.manifest_cache import cache_key, cached_plan
from aiprod_assets.planning.model_director import PlannerFailed
from aiprod_assets.planning.model_plan import PlanInvalid, parse_plan
from resources.creative_director import GeminiCreativeDirector
from tests.support.jobs import brief_bytes, run_production
from tests.support.provider_servers import GeminiServer

PLAN = {
    "title": "The Keeper's Last Light",
    "scenes": [
        {"description": "The keeper climbs the spiral stairs with a lantern.", "duration_sec": 5, "mood": "melancholic",
         "characters": ["Keeper"], "transition_in": "cut", "narrative_role": "setup"},
        {"description": "He lights the great lamp as lightning splits the sky.", "duration_sec": 4,
         "mood": "tense", "characters": ["Keeper", "Stranger"], "transition_in": "crossfade",
         "narrative_role": "climax"},
        {"description": "The beam sweeps the storm-dark sea.", "duration_sec": 4, "mood": "serene",
         "characters": [], "transition_in": "crossfade", "narrative_role": "resolution"},
    ],
    "visual_style": {"look": "cinematic", "lighting": "low-key", "palette": ["#1B2A41", "#F2A65A"], "grain": 0.04},
}
VALID = json.dumps(PLAN)


def sanitized_brief(job_id="gemini-job", **changes):
    return sanitize(brief_record(job_id, "test", brief_bytes(job_id=job_id, **changes)), 500)


class Planner:
    """The Gemini creative director as the production_manifest asset uses it."""

    def __init__(self, store, server, **settings):
        self.store = store
        self.director = GeminiCreativeDirector(api_key="gm-test-key", base_url=server.base_url, **settings)
        self.planner_version = self.director.planner_version

    def plan(self, sanitized):
        return plan_manifest(sanitized, self.director, self.store)


def director(store, server, **settings):
    return Planner(store, server, **settings)


def test_a_valid_plan_becomes_the_manifest_with_exact_frames_and_its_token_cost(store):
    brief = sanitized_brief(duration_sec=12, fps=30)
    with GeminiServer([VALID]) as server:
        manifest = director(store, server).plan(brief)
    assert len(server.requests) == 1 and server.keys == ["gm-test-key"]
    request = server.requests[0]
    assert request["generationConfig"]["responseMimeType"] == "application/json"
    assert request["generationConfig"]["responseJsonSchema"]["title"] == "ModelPlan"
    assert "lighthouse keeper" in request["contents"][0]["parts"][0]["text"].lower()
    assert manifest.planner == "gemini" and not manifest.cache_hit
    assert sum(s.frames for s in manifest.scenes) == 360 and manifest.duration_sec == 12
    assert [s.transition_in for s in manifest.scenes] == ["cut", "crossfade", "crossfade"]
    # Only the brief's characters are kept: the model's invented "Stranger" is dropped.
    assert manifest.scenes[1].characters == ["Keeper"]
    assert manifest.consistency.visual_style.palette == brief.brief.style.palette
    usage = manifest.usage
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 1200, 400)
    assert usage.orchestration_usd == pytest.approx((1200 * 0.30 + 400 * 2.50) / 1e6)
    ProductionManifest.model_validate_json(manifest.model_dump_json())


def test_invalid_json_then_a_valid_answer_is_repaired_by_a_second_request(store):
    with GeminiServer(['Sure! {"title": "x", "scenes": [', VALID]) as server:
        manifest = director(store, server).plan(sanitized_brief())
    assert len(server.requests) == 2 and manifest.usage.calls == 2
    turns = server.requests[1]["contents"]
    assert [t["role"] for t in turns] == ["user", "model", "user"]
    assert "not JSON" in turns[2]["parts"][0]["text"]
    assert len(manifest.scenes) == 3


def test_a_plan_failing_every_time_fails_clearly_and_keeps_the_answers(store):
    wrong = json.dumps({**PLAN, "scenes": [], "mood": "extra field"})
    with GeminiServer(["not json at all", wrong]) as server, pytest.raises(PlannerFailed) as failure:
        director(store, server, max_attempts=3).plan(sanitized_brief(job_id="gemini-fails"))
    assert len(server.requests) == 3
    assert "3 attempts" in str(failure.value) and "planner_failure.json" in str(failure.value)
    kept = json.loads(store.get_bytes("jobs/gemini-fails/planner_failure.json"))
    assert [a["answer"] for a in kept["answers"]] == ["not json at all", wrong, wrong]
    assert any("scenes" in p for p in kept["answers"][1]["problems"])


def test_the_same_prompt_and_budget_twice_is_one_model_call_and_a_budget_change_is_a_miss(store):
    with GeminiServer([VALID]) as server:
        first = director(store, server).plan(sanitized_brief(job_id="cache-one"))
        second = director(store, server).plan(sanitized_brief(
            job_id="cache-two", prompt="  an OLD lighthouse keeper climbs the spiral stairs at dusk and lights the "
                                       "lamp as a storm   rolls in."))
        assert len(server.requests) == 1
        assert not first.cache_hit and second.cache_hit and second.job_id == "cache-two"
        assert second.scenes == first.scenes and second.usage.orchestration_usd == 0.0
        director(store, server).plan(sanitized_brief(job_id="cache-three", budget_usd=4.0))
        assert len(server.requests) == 2


def test_cache_entries_expire_after_their_ttl(store):
    brief = sanitized_brief()
    with GeminiServer([VALID]) as server:
        gemini = director(store, server)
        gemini.plan(brief)
    key = cache_key(brief, False, gemini.planner_version)
    later = datetime.now(UTC) + timedelta(hours=169)
    assert cached_plan(store, key, 168.0) is not None and cached_plan(store, key, 168.0, now=later) is None


def test_mechanical_repairs_need_no_second_request():
    fenced = "```json\n" + VALID.replace("}]", "},]", 1) + "\n```"
    assert parse_plan(fenced).title == PLAN["title"]
    with pytest.raises(PlanInvalid, match="scenes"):
        parse_plan(json.dumps({**PLAN, "scenes": []}))


def test_production_manifest_asset_plans_with_gemini_and_a_key_from_the_environment(store, instance, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gm-env-key")
    job_id = accept(store, "gemini-graph.json", brief_bytes(job_id="gemini-graph"), 500)
    with GeminiServer([VALID]) as server:
        planner = GeminiCreativeDirector(api_key=dg.EnvVar("GEMINI_API_KEY"), base_url=server.base_url)
        result = run_production(store, instance, job_id, selection=["brief", "sanitized_input",
                                                                    "production_manifest", "shot_list"],
                                creative_director=planner)
    assert result.success and server.keys == ["gm-env-key"]
    manifest = ProductionManifest.model_validate_json(store.get_bytes(f"jobs/{job_id}/production_manifest.json"))
    assert manifest.planner == "gemini" and manifest.usage.calls == 1
    [event] = [e for e in result.get_asset_materialization_events()
               if e.asset_key == dg.AssetKey("production_manifest")]
    assert event.materialization.metadata["orchestration_usd"].value == manifest.usage.orchestration_usd
    [audited] = [e for e in read_audit(store, job_id) if e["kind"] == "orchestration"]
    assert audited["input_tokens"] == 1200 and audited["orchestration_usd"] == manifest.usage.orchestration_usd
    assert not any(b"gm-env-key" in store.get_bytes(k) for k in store.list_keys(""))


def test_a_429_and_a_500_are_retried_with_backoff_and_a_401_fails_at_once(store):
    started = time.monotonic()
    with GeminiServer([(429, {"Retry-After": "1"}), (500, {}), VALID]) as server:
        manifest = director(store, server).plan(sanitized_brief())
    assert len(server.requests) == 3 and manifest.usage.calls == 1
    assert time.monotonic() - started >= 1.0 + 2.0  # Retry-After, then the second backoff step
    with GeminiServer([(401, {})]) as server, pytest.raises(ProviderAuthError, match="401"):
        director(store, server).plan(sanitized_brief(job_id="gemini-auth", budget_usd=7.0))  # a cache miss
    assert len(server.requests) == 1



def test_the_token_cost_counts_against_the_budget_in_the_cost_certification():
    from aiprod_assets.contracts import BudgetDecision, CostEstimate, RenderedClips
    from aiprod_assets.delivery.manifest import cost_certification

    estimate = CostEstimate(job_id="j", model_version="m", pricing_version="p", total_usd=0.9, chain=["runway"],
                            requested_chain=["runway"], per_backend=[],
                            decision=BudgetDecision(decision="approved", reason="r", budget_usd=1.0,
                                                    threshold_usd=0.8))
    clips = RenderedClips(job_id="j", device="cpu", clips=[], total_cost_usd=0.99)
    assert cost_certification(estimate, clips, orchestration_usd=0.005).within_budget
    over = cost_certification(estimate, clips, orchestration_usd=0.02)
    assert not over.within_budget and over.orchestration_usd == 0.02 and over.actual_usd == 0.99


def test_geminis_safety_verdict_becomes_a_soft_moderation_flag_on_the_shot_list(store):
    from aiprod_assets.planning.profiles import render_profile
    from aiprod_assets.planning.shots import build_shot_list
    from aiprod_assets.review.moderation_gate import shot_list_flags

    ratings = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "MEDIUM"},
               {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"}]
    brief = sanitized_brief(job_id="gemini-safety")
    with GeminiServer([VALID], safety_ratings=ratings) as server:
        manifest = director(store, server).plan(brief)
        again = director(store, server).plan(brief)
    assert [(f.category, f.severity) for f in manifest.safety] == [("dangerous content", "soft")]
    assert again.cache_hit and again.safety == manifest.safety, "a cached plan keeps the verdict"
    shots = build_shot_list(manifest, render_profile("360p", "16:9", 24), "previz", "v")
    flags = shot_list_flags(brief, manifest, shots)
    assert [f.source for f in flags] == [f"{manifest.usage.model} safety verdict"]
