"""Semantic QA tells the asked camera move and palette from their opposites, on real rendered clips."""

import pytest
import torch

from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.semantic import read_pictures, score_shot
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from tests.support.shots import make_shot

PROFILE = render_profile("360p")
FAR_PALETTE = ["#FF00FF", "#00FF00", "#FF0000"]


def render(tmp_path, name, **shot):
    made = make_shot(frames=60, **shot)
    path = tmp_path / f"{name}.mp4"
    render_previz_clip("semantic-job", made, PROFILE, path, torch.device("cpu"))
    return made, read_pictures(path)


def metric(score, name):
    return next(m for m in score.metrics if m.name == name)


@pytest.mark.parametrize("asked,opposite", [("zoom_in", "zoom_out"), ("pan", "tilt"), ("zoom_out", "zoom_in")])
def test_camera_move_is_told_from_its_opposite(tmp_path, asked, opposite):
    shot, asked_pictures = render(tmp_path, asked, move=asked)
    _, opposite_pictures = render(tmp_path, opposite, move=opposite)
    right = score_shot(shot.shot_id, shot.spec, asked_pictures)
    wrong = score_shot(shot.shot_id, shot.spec, opposite_pictures)
    assert metric(right, "camera_motion").score >= 0.6
    assert metric(wrong, "camera_motion").score <= 0.4
    assert right.score > wrong.score


def test_palette_is_told_from_a_far_palette(tmp_path):
    shot, pictures = render(tmp_path, "teal", move="pan")
    far_shot = shot.model_copy(update={"spec": shot.spec.model_copy(update={"palette": FAR_PALETTE})})
    _, far_pictures = render(tmp_path, "far", move="pan")
    asked = metric(score_shot(shot.shot_id, shot.spec, pictures), "palette")
    rendered_far = make_shot(frames=60, move="pan")
    rendered_far.spec.palette = FAR_PALETTE
    path = tmp_path / "far-rendered.mp4"
    render_previz_clip("semantic-job", rendered_far, PROFILE, path, torch.device("cpu"))
    judged_against_asked = metric(score_shot(shot.shot_id, shot.spec, read_pictures(path)), "palette")
    assert asked.score >= 0.5 and asked.value < judged_against_asked.value
    assert judged_against_asked.score < asked.score - 0.2
    assert metric(score_shot(far_shot.shot_id, far_shot.spec, far_pictures), "palette").score < asked.score


def test_exposure_follows_the_lighting(tmp_path):
    shot, pictures = render(tmp_path, "night", move="pan", lighting="night")
    as_night = metric(score_shot(shot.shot_id, shot.spec, pictures), "exposure")
    high_key_spec = shot.spec.model_copy(update={"lighting": "high-key"})
    as_high_key = metric(score_shot(shot.shot_id, high_key_spec, pictures), "exposure")
    assert as_night.score == 1.0 and as_high_key.score < 0.5


class StrictJudge:
    """A test double of a vision judge behind the resource's interface: it dislikes everything."""

    def judge(self, shot, frames):
        from aiprod_assets.contracts import JudgeVerdict

        assert frames and frames[0].shape == (90, 160, 3)
        return JudgeVerdict(score=0.0, reasons=["no lighthouse is visible"], model="test-judge")


def test_a_vision_judge_adds_its_score_and_reasons(tmp_path):
    from resources.vision_judge import NoVisionJudge

    shot, pictures = render(tmp_path, "judged", move="pan")
    local = score_shot(shot.shot_id, shot.spec, pictures, judged=NoVisionJudge().judge(shot, pictures.rgb))
    judged = score_shot(shot.shot_id, shot.spec, pictures, judged=StrictJudge().judge(shot, pictures.rgb))
    assert "vision_judge" not in [m.name for m in local.metrics]
    assert metric(judged, "vision_judge").score == 0.0 and judged.score < local.score
    assert "test-judge: no lighthouse is visible" in judged.reasons


def test_the_report_says_prompt_adherence_was_not_judged_without_a_judge(tmp_path):
    from aiprod_assets.contracts import SemanticQAReport
    from aiprod_assets.qa.semantic import NO_JUDGE, coverage

    shot, pictures = render(tmp_path, "coverage", move="pan")
    local = score_shot(shot.shot_id, shot.spec, pictures)
    judged = score_shot(shot.shot_id, shot.spec, pictures, judged=StrictJudge().judge(shot, pictures.rgb))
    measured, not_judged = coverage([local])
    assert not_judged == {"prompt_adherence": NO_JUDGE} and "vision_judge" not in measured
    report = SemanticQAReport(job_id="j", shots=[local], score=local.score, threshold=0.6, verdict=local.verdict,
                              judged=measured, not_judged=not_judged)
    assert "prompt adherence: not judged (no vision judge configured)" in report.coverage()
    # With the judge on, its score is part of what was judged and nothing is said to be missing.
    measured, not_judged = coverage([judged])
    assert not_judged == {} and "vision_judge" in measured
