"""Render one shot with previz: frames drawn ahead on the device while the encoder works."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.encode import ClipWriter, choose_encoder
from aiprod_assets.qa.as_encoded import EncodedPictures, encode_measured
from aiprod_assets.rendering.backend import clip_metadata
from aiprod_assets.rendering.previz.audio import audio_bed
from aiprod_assets.rendering.previz.scene import PrevizScene
from aiprod_assets.rendering.transitions import cut_keyframes

FRAMES_AHEAD = 4


def render_previz_clip(job_id: str, shot: Shot, profile: RenderProfile, out_path: Path, device,
                       on_frame=None, on_picture=None) -> float:
    """Draw and encode the shot to ``out_path``; return the seconds it took. ``on_picture`` as for ClipWriter:
    the pictures a decoder will make of the clip."""
    started = time.perf_counter()
    title, comment = clip_metadata(job_id, shot, PREVIZ_VERSION, profile.name)
    frames: queue.Queue = queue.Queue(maxsize=FRAMES_AHEAD)
    failure: list[BaseException] = []
    stop = threading.Event()

    def draw() -> None:
        # torch and the encoder both release the GIL, so drawing overlaps encoding (and the
        # scene's set-up overlaps the audio bed's synthesis).
        try:
            scene = PrevizScene(shot.spec, profile, shot.seed, device)
            for index in range(shot.spec.frames):
                if stop.is_set():
                    break
                frames.put(scene.frame(index))
        except BaseException as err:
            failure.append(err)
        finally:
            frames.put(None)

    drawer = threading.Thread(target=draw, name=f"previz-{shot.shot_id}", daemon=True)
    drawer.start()
    try:
        audio = audio_bed(shot.spec, profile, shot.seed)
        with ClipWriter(out_path, profile, title, comment, audio, encoder=choose_encoder(device.type),
                        keyframes=cut_keyframes(shot, profile), on_picture=on_picture) as writer:
            while (frame := frames.get()) is not None:
                if on_frame is not None:
                    on_frame(writer.frames_written, frame)
                writer.write_video(frame)
            drawer.join()
            if failure:
                raise failure[0]
    except BaseException:
        # A render given up part way (its frame callback raised): the drawer is not left blocked on a full
        # queue, holding its scene, for the life of the process.
        stop.set()
        while drawer.is_alive():
            try:
                frames.get(timeout=0.05)
            except queue.Empty:
                pass
        raise
    return time.perf_counter() - started


def render_measured(job_id: str, shot: Shot, profile: RenderProfile, out_path: Path, device, on_frame=None,
                    measure: bool = False) -> tuple[float, EncodedPictures | None]:
    """render_previz_clip, and with ``measure`` what QA measures of the clip's pictures, measured as they are
    encoded (None where the encoder does not hand them out)."""
    return encode_measured(shot.spec.frames, profile.fps, out_path, measure,
                           lambda on_picture: render_previz_clip(job_id, shot, profile, out_path, device,
                                                                 on_frame=on_frame, on_picture=on_picture))
