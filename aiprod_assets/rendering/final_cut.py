"""The final cut: the clips in shot order, one MP4 to the same profile, audio continuous, checked as
a deliverable of its own (technical checks, and the number of shots a viewer sees)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiprod_assets.canonical import (
    canonical_json,
    digest_of,
    file_sha256,
    sha256_hex,
    stream_sha256,
)
from aiprod_assets.contracts import ClipRecord, FinalCut, RenderProfile, Shot, ShotList
from aiprod_assets.layout import (
    CorruptRecord,
    Store,
    final_cut_key,
    local_clips,
    read_artefact,
)
from aiprod_assets.media.decode import audio_samples, video_frames
from aiprod_assets.media.encode import ClipWriter
from aiprod_assets.media.loudness import normalize_loudness
from aiprod_assets.media.tags import aiprod_comment
from aiprod_assets.paths import cut_sound_cache
from aiprod_assets.qa.cache import StoredSounds, cached_frame_stats
from aiprod_assets.qa.cut_scan import Span
from aiprod_assets.rendering.cut_qa import judge_cut
from aiprod_assets.rendering.smart_cut import smart_assemble
from aiprod_assets.rendering.transitions import crossfade_frames
from aiprod_assets.work_folders import work_folder


def joined_audio(clips: list[tuple[Shot, Path]], profile: RenderProfile,
                 between_parts: Callable[[], None] | None = None) -> np.ndarray:
    """Each shot's sound cut or padded to its exact frames, end to end, at the profile's loudness."""
    rate = profile.audio_sample_rate
    beds = []
    for shot, path in clips:
        if between_parts is not None:
            between_parts()
        expected = shot.spec.frames * rate // profile.fps
        samples = audio_samples(path, rate)[:, :expected]
        beds.append(np.pad(samples, ((0, 0), (0, expected - samples.shape[1]))))
    return normalize_loudness(np.concatenate(beds, axis=1), profile.loudness_lufs, profile.true_peak_dbtp)


@dataclass
class Assembly:
    frames: int
    spans: list[Span] | None  # the parts the cut was copied from, in order; None when it was encoded whole

    @property
    def copied(self) -> bool:
        return self.spans is not None


def assemble(clips: list[tuple[Shot, Path]], profile: RenderProfile, out_path: Path, title: str, comment: str,
             encoder: str = "libx264", copy: bool = True, workdir: Path | None = None,
             between_parts: Callable[[], None] | None = None, sound_cache: Path | None = None) -> Assembly:
    """Write the cut: copied (smart render) where the clips allow it, else encoded whole.

    A crossfade dissolves from the last frame of the previous shot into the new
    shot over its first frames, so the cut keeps the exact length of its shots.
    ``between_parts()`` is called before each clip is joined (raising there stops the cut, its file removed).
    A copied cut's sound is encoded once per distinct sound in ``sound_cache`` (media/sound_cache.py).
    """
    audio = joined_audio(clips, profile, between_parts)
    if copy:
        spans = smart_assemble(clips, profile, out_path, title, comment, audio, encoder, workdir, between_parts,
                               sound_cache)
        if spans is not None:
            return Assembly(frames=sum(span.frames for span in spans), spans=spans)
    return Assembly(frames=encode_final_cut(clips, profile, out_path, title, comment, audio, encoder, between_parts),
                    spans=None)


def assemble_final_cut(clips: list[tuple[Shot, Path]], profile: RenderProfile, out_path: Path, title: str,
                       comment: str, encoder: str = "libx264", copy: bool = True) -> tuple[int, bool]:
    """Write the cut; return its frame count and whether it was copied (smart render) or encoded whole."""
    made = assemble(clips, profile, out_path, title, comment, encoder, copy)
    return made.frames, made.copied


def encode_final_cut(clips: list[tuple[Shot, Path]], profile: RenderProfile, out_path: Path, title: str,
                     comment: str, audio: np.ndarray, encoder: str,
                     between_parts: Callable[[], None] | None = None) -> int:
    """Every frame decoded and encoded again: for clips that cannot be joined at the bitstream level."""
    written = 0
    try:
        with ClipWriter(out_path, profile, title, comment, audio, encoder=encoder) as writer:
            previous_last: np.ndarray | None = None
            for shot, path in clips:
                if between_parts is not None:
                    between_parts()
                fade = crossfade_frames(profile, shot.spec.frames) if shot.transition_in == "crossfade" else 0
                frame = None
                for index, frame in enumerate(video_frames(path)):
                    if index >= shot.spec.frames:
                        break
                    if previous_last is not None and index < fade:
                        weight = (index + 1) / (fade + 1)
                        frame = (frame * weight + previous_last * (1 - weight) + 0.5).astype(np.uint8)
                    writer.write_video(frame)
                    written += 1
                previous_last = frame
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return written


@dataclass(frozen=True)
class CutRequest:
    """What a cut is made of: the same request makes the same bytes, wherever it is made (the device worker
    may make it ahead, previz/cut_ahead.py)."""

    clips: tuple[tuple[Shot, Path, str], ...]  # in shot order: the shot, its clip file, that file's sha256
    profile: RenderProfile
    title: str
    comment: str
    encoder: str

    def as_json(self) -> str:
        """How it crosses to the device worker, as every model does: JSON, validated on the other side."""
        return canonical_json({"clips": [[shot.model_dump(mode="json"), str(path), sha256]
                                         for shot, path, sha256 in self.clips],
                               "profile": self.profile.model_dump(mode="json"), "title": self.title,
                               "comment": self.comment, "encoder": self.encoder})

    @classmethod
    def from_json(cls, text: str) -> CutRequest:
        fields = json.loads(text)
        clips = tuple((Shot.model_validate(shot), Path(path), sha256) for shot, path, sha256 in fields["clips"])
        return cls(clips=clips, profile=RenderProfile.model_validate(fields["profile"]), title=fields["title"],
                   comment=fields["comment"], encoder=fields["encoder"])

    @property
    def key(self) -> str:
        return request_key(self.as_json())

    def assemble(self, out_path: Path, workdir: Path | None = None,
                 between_parts: Callable[[], None] | None = None) -> Assembly:
        return assemble([(shot, path) for shot, path, _ in self.clips], self.profile, out_path, self.title,
                        self.comment, self.encoder, workdir=workdir, between_parts=between_parts,
                        sound_cache=cut_sound_cache())


def request_key(request_json: str) -> str:
    """What a cut made ahead is matched on: its request's JSON, as it crossed."""
    return sha256_hex(request_json)


def cut_request(job_id: str, shot_list: ShotList, clips: list[ClipRecord], paths: dict[str, Path], title: str,
                encoder: str) -> CutRequest:
    """The request for the job's cut from its clips (``paths``: each clip's file here, by shot id)."""
    by_shot = {c.shot_id: c for c in clips}
    profile = shot_list.profile
    comment = aiprod_comment(job_id, profile.name, duration=f"{shot_list.total_frames / profile.fps:.3f}",
                             shots=len(shot_list.shots))
    return CutRequest(clips=tuple((s, paths[s.shot_id], by_shot[s.shot_id].sha256) for s in shot_list.shots),
                      profile=profile, title=title, comment=comment, encoder=encoder)


# A cut made elsewhere for exactly this request, its file at the path given and its own encodes (the
# crossfades) in the folder given; None where there is none (the cut is then made here).
MadeAhead = Callable[[CutRequest, Path, Path], Assembly | None]


@dataclass
class MadeCut:
    value: FinalCut
    segments: int  # shots a viewer sees, by cut detection
    segment_starts: list[int]
    reused: bool = False
    copied: bool = False
    qa_composed: bool = False  # the cut's QA composed from its clips' measurements
    qa_how: str = ""  # what was composed, or why the cut was decoded
    made_ahead: bool = False  # made by the device worker while the run judged the last clips


CUT_VERSION = "cut-2"  # bump when assembly changes: every cut is then made again


def cut_inputs_digest(job_id: str, shot_list: ShotList, clips: list[ClipRecord], title: str, encoder: str) -> str:
    by_shot = {c.shot_id: c.sha256 for c in clips}
    return digest_of({"version": CUT_VERSION, "job": job_id, "title": title, "encoder": encoder,
                      "profile": shot_list.profile.model_dump(mode="json"),
                      "shots": [[s.shot_id, by_shot.get(s.shot_id), s.transition_in] for s in shot_list.shots]})


def reusable_cut(store: Store, job_id: str, inputs: str) -> FinalCut | None:
    """The stored cut when it was made from exactly these inputs and its file is still the one recorded."""
    try:
        made = read_artefact(store, "final_cut", job_id)
    except CorruptRecord:
        return None
    key = final_cut_key(job_id)
    if made is None or made.inputs_digest != inputs or not store.exists(key):
        return None
    with store.open_read(key) as stored:
        return made if stream_sha256(stored) == made.sha256 else None


def make_final_cut(store: Store, job_id: str, shot_list: ShotList, clips: list[ClipRecord], title: str,
                   encoder: str = "libx264", made_ahead: MadeAhead | None = None) -> MadeCut:
    """Assemble the cut from the stored clips, check it, and store it at jobs/<id>/final_cut.mp4; a cut already
    made from the same clips, profile and title is reused (a no-op re-run does not assemble it again), and one
    made ahead for exactly this request (``made_ahead``) is taken as made."""
    inputs = cut_inputs_digest(job_id, shot_list, clips, title, encoder)
    kept = reusable_cut(store, job_id, inputs)
    if kept is not None:
        return MadeCut(value=kept, segments=kept.segments_detected, segment_starts=kept.segment_starts, reused=True)
    profile = shot_list.profile
    with work_folder(f"{job_id}-cut") as folder:
        by_shot = local_clips(store, job_id, clips, folder)
        out = folder / "final_cut.mp4"
        request = cut_request(job_id, shot_list, clips, by_shot, title, encoder)
        made = made_ahead(request, out, folder) if made_ahead is not None else None
        ahead = made is not None
        if made is None:
            made = request.assemble(out, workdir=folder)
        judged = judge_cut(out, made.spans, shot_list, set(by_shot.values()),
                           kept_stats=lambda path: cached_frame_stats(store, path), sounds=StoredSounds(store))
        uri = store.put_file(final_cut_key(job_id), out)
        digest = file_sha256(out)
    cut = FinalCut(job_id=job_id, uri=uri, sha256=digest, duration_sec=round(made.frames / profile.fps, 6),
                   shot_ids=[s.shot_id for s in shot_list.shots], qa=judged.checks, inputs_digest=inputs,
                   segments_detected=judged.segments, segment_starts=list(judged.starts))
    return MadeCut(value=cut, segments=judged.segments, segment_starts=judged.starts, copied=made.copied,
                   qa_composed=judged.composed, qa_how=judged.how, made_ahead=ahead)
