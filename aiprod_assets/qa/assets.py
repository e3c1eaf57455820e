"""QA gate assets: technical and semantic reports on every clip, each with a blocking check."""


import dagster as dg

from aiprod_assets.canonical import digest_of
from aiprod_assets.contracts import (
    ClipQA,
    RenderedClips,
    SemanticQAReport,
    ShotList,
    TechnicalQAReport,
)
from aiprod_assets.layout import local_clips, qa_report_key
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.qa.cache import cached_checks, cached_pictures
from aiprod_assets.qa.gate import shot_expectations
from aiprod_assets.qa.report_html import render_qa_report
from aiprod_assets.qa.semantic import (
    coverage,
    scene_consistency,
    score_shot,
)
from aiprod_assets.work_folders import work_folder
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy
from resources.vision_judge import VisionJudge

TECHNICAL_CHECK, SEMANTIC_CHECK = "all_checks_pass", "score_above_threshold"


@dg.asset(partitions_def=jobs_partitions, group_name="qa", kinds={"video"},
          check_specs=[dg.AssetCheckSpec(TECHNICAL_CHECK, asset="technical_qa_report", blocking=True,
                                         description="Every technical check passes on every clip.")])
def technical_qa_report(context: dg.AssetExecutionContext, shot_list: ShotList, rendered_clips: RenderedClips,
                        store: ArtifactStore):
    """Per clip, per check: measured, expected, pass/fail and timecode, against the job's render profile."""
    job_id = context.partition_key
    shots = {s.shot_id: s for s in shot_list.shots}
    reports = []
    with work_folder(f"{job_id}-qa") as folder:
        paths = local_clips(store, job_id, rendered_clips.clips, folder)
        for clip in rendered_clips.clips:
            # Judged while it rendered (or on an earlier run): the kept result of these very bytes, hashed here
            # rather than taken from the record, so a file changed since is judged afresh.
            checks = cached_checks(store, paths[clip.shot_id], shot_expectations(shots[clip.shot_id], shot_list.profile))
            reports.append(ClipQA(target=clip.shot_id, uri=clip.uri, checks=checks,
                                  passed=all(c.passed for c in checks), attempts=clip.qa_attempts))
            failed = [c.id for c in checks if not c.passed]
            context.log.info(f"shot {clip.shot_id}: technical QA {'passed' if not failed else 'failed: ' + ', '.join(failed)}")
        report = TechnicalQAReport(job_id=job_id, clips=reports, passed=all(r.passed for r in reports))
        # Written now so a failing gate already has its thumbnails; delivery rewrites it whole.
        html_key = qa_report_key(job_id)
        store.put_bytes(html_key, render_qa_report(job_id, report, paths).encode("utf-8"))
    failures = [(r.target, c) for r in reports for c in r.checks if not c.passed]
    yield dg.Output(report, data_version=dg.DataVersion(digest_of(report)[:16]), metadata=readable_metadata({
        "clips_checked": float(len(reports)),
        "checks_failed": float(len(failures)),
        "pass_rate": float(sum(r.passed for r in reports) / len(reports)) if reports else 0.0,
        "qa_report": dg.MetadataValue.path(store.uri(html_key)),
    }))
    yield dg.AssetCheckResult(
        check_name=TECHNICAL_CHECK, passed=report.passed,
        description="; ".join(f"{shot} {c.id}: {c.measured} (expected {c.expected})" for shot, c in failures)
        or "every check passes on every clip",
        metadata={"checks_failed": float(len(failures))})


@dg.asset(partitions_def=jobs_partitions, group_name="qa", kinds={"video"},
          check_specs=[dg.AssetCheckSpec(SEMANTIC_CHECK, asset="semantic_qa_report", blocking=True,
                                         description="The job's semantic score reaches the configured threshold.")])
def semantic_qa_report(context: dg.AssetExecutionContext, shot_list: ShotList, rendered_clips: RenderedClips,
                       store: ArtifactStore, policy: ProductionPolicy, vision_judge: VisionJudge):
    """Per shot: camera motion, palette, exposure, flicker, smoothness and scene consistency, each 0-1, and the verdict;
    prompt adherence only with a vision judge, and the report says what was not judged."""
    job_id = context.partition_key
    threshold = policy.semantic_threshold
    with work_folder(f"{job_id}-qa") as folder:
        paths = local_clips(store, job_id, rendered_clips.clips, folder)
        # Sampled while each clip rendered (or on an earlier run), from these very bytes.
        pictures = {shot_id: cached_pictures(store, path) for shot_id, path in paths.items()}
    consistency = scene_consistency(pictures, {s.shot_id: s.scene_id for s in shot_list.shots})
    scores = [score_shot(s.shot_id, s.spec, pictures[s.shot_id], *consistency[s.shot_id], threshold=threshold,
                         judged=vision_judge.judge(s, pictures[s.shot_id].rgb))
              for s in shot_list.shots]
    for score in scores:
        context.log.info(f"shot {score.shot_id}: semantic score {score.score:.2f} ({score.verdict})")
    total = round(sum(s.score for s in scores) / len(scores), 4) if scores else 0.0
    passed = total >= threshold and all(s.verdict == "pass" for s in scores)
    judged, not_judged = coverage(scores)
    report = SemanticQAReport(job_id=job_id, shots=scores, score=total, threshold=threshold,
                              verdict="pass" if passed else "fail", judged=judged, not_judged=not_judged)
    for name, why in not_judged.items():
        context.log.warning(f"{name.replace('_', ' ')}: {why}; the score covers {', '.join(judged)} only")
    metadata = {"score": total, "threshold": threshold, "lowest_shot_score": min(s.score for s in scores),
                "coverage": report.coverage()}
    for name in ("camera_motion", "palette", "exposure", "flicker", "smoothness", "consistency"):
        metadata[f"mean_{name}"] = float(sum(m.score for s in scores for m in s.metrics if m.name == name) / len(scores))
    yield dg.Output(report, data_version=dg.DataVersion(digest_of(report)[:16]), metadata=readable_metadata(metadata))
    failing = [s for s in scores if s.verdict == "fail"]
    yield dg.AssetCheckResult(
        check_name=SEMANTIC_CHECK, passed=passed,
        description=(f"score {total:.2f} (threshold {threshold:g}, {report.coverage()}); "
                     + ("; ".join(f"{s.shot_id} {s.score:.2f}: {', '.join(s.reasons[-2:])}" for s in failing)
                        or "every shot passes")),
        metadata={"score": total})
