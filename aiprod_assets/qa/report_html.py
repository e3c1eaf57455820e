"""qa_report.html: the QA verdicts for a person, with a thumbnail at every failing timecode."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import av

from aiprod_assets.contracts import (
    CheckResult,
    FinalCut,
    SemanticQAReport,
    TechnicalQAReport,
)
from aiprod_assets.media.png import encode_png

THUMB_WIDTH = 240
_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}.fail{background:#fde2e1}"
          ".pass{background:#e3f6e8}img{display:block;margin-top:4px}"
          ".strip{display:flex;gap:1px;margin-top:4px}.strip span{width:14px;height:14px;font-size:9px;"
          "text-align:center;color:#fff}")
# Flashes in a second: none, allowed (up to 3), over the limit.
_STRIP_COLOURS = ((0.0, "#9bb"), (3.0, "#e9a23b"), (float("inf"), "#c0392b"))


def per_second_strip(check: CheckResult) -> str:
    """One cell per second of the programme, coloured by its flash count, the count written in it."""
    if not check.per_second:
        return ""
    cells = []
    for second, count in enumerate(check.per_second):
        colour = next(c for limit, c in _STRIP_COLOURS if count <= limit)
        cells.append(f'<span title="{second}s: {count:g} flashes" style="background:{colour}">{count:g}</span>')
    return f'<div class="strip" aria-label="flashes per second">{"".join(cells)}</div>'



def frame_at(path: str | Path, timecode: float, width: int = THUMB_WIDTH) -> bytes | None:
    """PNG of the frame shown at ``timecode``, or None when the file cannot give one."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            height = round(width * stream.codec_context.height / stream.codec_context.width / 2) * 2
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time >= timecode:
                    break
            if chosen is None:
                return None
            return encode_png(chosen.reformat(width=width, height=height, format="rgb24").to_ndarray())
    except (av.FFmpegError, IndexError):
        return None


def _check_rows(checks: list[CheckResult], path: Path | None) -> str:
    rows = []
    for check in checks:
        thumb = ""
        if not check.passed and check.timecode_sec is not None and path is not None:
            png = frame_at(path, check.timecode_sec)
            if png:
                thumb = f'<img alt="frame at {check.timecode_sec}s" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        timecode = "" if check.timecode_sec is None else f"{check.timecode_sec:.2f}s"
        rows.append(f'<tr class="{"pass" if check.passed else "fail"}"><td>{html.escape(check.id)}</td>'
                    f'<td>{"pass" if check.passed else "FAIL"}</td><td>{html.escape(check.measured)}'
                    f'{per_second_strip(check)}</td><td>{html.escape(check.expected)}</td><td>{timecode}{thumb}</td></tr>')
    return ("<table><tr><th>check</th><th>result</th><th>measured</th><th>expected</th><th>timecode</th></tr>"
            + "".join(rows) + "</table>")


def render_qa_report(job_id: str, technical: TechnicalQAReport, clip_paths: dict[str, Path],
                     semantic: SemanticQAReport | None = None, cut: FinalCut | None = None,
                     cut_path: Path | None = None) -> str:
    """The report so far: the technical gate always; the semantic gate and the cut once they exist."""
    verdicts = f"Technical: <b>{'pass' if technical.passed else 'FAIL'}</b>."
    if semantic is not None:
        verdicts += (f" Semantic score <b>{semantic.score:.2f}</b> (threshold {semantic.threshold:g}): "
                     f"<b>{semantic.verdict}</b>; it {html.escape(semantic.coverage())}.")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>QA report {html.escape(job_id)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>QA report: {html.escape(job_id)}</h1>", f"<p>{verdicts}</p>"]
    if cut is not None:
        parts += ["<h2>Final cut</h2>", _check_rows(cut.qa, cut_path)]
    semantic_by_shot = {s.shot_id: s for s in semantic.shots} if semantic else {}
    for clip in technical.clips:
        parts.append(f"<h2>Shot {html.escape(clip.target)}</h2>")
        score = semantic_by_shot.get(clip.target)
        if score:
            metrics = "".join(f"<tr><td>{m.name}</td><td>{m.score:.2f}</td><td>{m.value:g}</td><td>{m.threshold:g}</td>"
                              f"<td>{m.weight:g}</td></tr>" for m in score.metrics)
            parts.append(f"<p>Semantic score {score.score:.2f}: {score.verdict}</p><table><tr><th>metric</th>"
                         f"<th>score</th><th>measured</th><th>threshold</th><th>weight</th></tr>{metrics}</table>"
                         f"<ul>{''.join(f'<li>{html.escape(r)}</li>' for r in score.reasons)}</ul>")
        if clip.attempts:
            attempts = "".join(f"<tr><td>{a.attempt}</td><td>{a.backend}</td><td>{a.seed}</td>"
                               f"<td>{', '.join(a.technical_failures) or '-'}</td><td>{a.semantic_score}</td>"
                               f"<td>${a.cost_usd:.6f}</td><td>{'pass' if a.passed else 'fail'}</td>"
                               f"<td>{html.escape(a.note)}</td></tr>" for a in clip.attempts)
            parts.append("<table><tr><th>attempt</th><th>backend</th><th>seed</th><th>technical failures</th>"
                         f"<th>semantic</th><th>cost</th><th>QA</th><th>note</th></tr>{attempts}</table>")
        parts.append(_check_rows(clip.checks, clip_paths.get(clip.target)))
    parts.append("</body></html>")
    return "\n".join(parts)
