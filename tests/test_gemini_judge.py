"""The Gemini vision judge through google-genai against a local server: frames in, score and reasons out."""

import base64
import json
import struct

import numpy as np

from aiprod_assets.qa.semantic import read_pictures, score_shot
from resources.vision_judge import GeminiVisionJudge
from tests.support.provider_fixtures import provider_shot
from tests.support.provider_servers import GeminiServer


def frames(count=16):
    ramp = np.linspace(0, 1, 160)[None, :, None]
    return [np.broadcast_to(ramp * (0.5 + i / 40), (90, 160, 3)).copy() for i in range(count)]


def test_the_judge_sends_sampled_frames_with_the_spec_and_returns_its_score_and_reasons():
    shot = provider_shot()
    answer = json.dumps({"score": 0.35, "reasons": ["no lighthouse is visible", "palette too bright"]})
    with GeminiServer([answer]) as server:
        verdict = GeminiVisionJudge(api_key="gm-judge", base_url=server.base_url, frames_per_shot=4).judge(
            shot, frames())
    assert verdict.score == 0.35 and verdict.reasons[0] == "no lighthouse is visible"
    assert verdict.model == "gemini:gemini-2.5-flash"
    [request] = server.requests
    parts = request["contents"][0]["parts"]
    assert "Camera move: static" in parts[0]["text"] and "A lighthouse on a cliff" in parts[0]["text"]
    images = [p["inlineData"] for p in parts[1:]]
    assert len(images) == 4 and all(i.get("mimeType", i.get("mime_type")) == "image/png" for i in images)
    png = base64.b64decode(images[0]["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (160, 90)


def test_a_judge_score_enters_the_semantic_score_and_a_broken_answer_abstains(tmp_path):
    from tests.support.media_fixtures import make_clip

    shot = provider_shot(frames=90)
    pictures = read_pictures(make_clip(tmp_path / "clip.mp4"))
    with GeminiServer([json.dumps({"score": 0.0, "reasons": ["wrong scene"]}), "not json"]) as server:
        judge = GeminiVisionJudge(api_key="gm-judge", base_url=server.base_url)
        judged = score_shot(shot.shot_id, shot.spec, pictures, judged=judge.judge(shot, pictures.rgb))
        abstained = score_shot(shot.shot_id, shot.spec, pictures, judged=judge.judge(shot, pictures.rgb))
    assert len(server.requests) == 2
    assert "gemini:gemini-2.5-flash: wrong scene" in judged.reasons and judged.score < abstained.score
    assert "vision_judge" not in [m.name for m in abstained.metrics]
