"""A contact sheet: the middle frame of every shot, labelled, in one PNG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from aiprod_assets.contracts import ClipRecord
from aiprod_assets.layout import Store, contact_sheet_key, local_clips
from aiprod_assets.media.font import text_mask
from aiprod_assets.media.png import encode_png
from aiprod_assets.qa.semantic import sheet_picture
from aiprod_assets.work_folders import work_folder

COLUMNS = 4
LABEL_HEIGHT = 20
GAP = 8


def middle_frame(path: str | Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        total = stream.frames or 1
        for index, frame in enumerate(container.decode(stream)):
            if index >= total // 2:
                return sheet_picture(frame)
    raise ValueError(f"{path} has no video frames")


def sheet_of(thumbs: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """Labelled RGB thumbnails in rows of four, as one RGB image."""
    th, tw = thumbs[0][1].shape[:2]
    columns = min(COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    cell_h, cell_w = th + LABEL_HEIGHT + GAP, tw + GAP
    sheet = np.full((rows * cell_h + GAP, columns * cell_w + GAP, 3), 24, dtype=np.uint8)
    for n, (shot_id, thumb) in enumerate(thumbs):
        top, left = GAP + (n // columns) * cell_h, GAP + (n % columns) * cell_w
        sheet[top:top + thumb.shape[0], left:left + thumb.shape[1]] = thumb[:th, :tw]
        label = text_mask(shot_id, 2)[:, :tw]
        label_top = top + th + 3
        sheet[label_top:label_top + label.shape[0], left:left + label.shape[1]][label] = 230
    return sheet


def store_contact_sheet(store: Store, job_id: str, clips: list[ClipRecord],
                        kept_middle: Callable[[Path], np.ndarray | None] = lambda path: None) -> bytes:
    """The job's contact sheet, stored at jobs/<id>/contact_sheet.png; its PNG bytes. ``kept_middle`` gives a
    clip's middle frame where QA already took it (no decode), else None."""
    with work_folder(f"{job_id}-sheet") as folder:
        paths = local_clips(store, job_id, clips, folder)
        thumbs = []
        for clip in clips:
            middle = kept_middle(paths[clip.shot_id])
            thumbs.append((clip.shot_id, middle if middle is not None else middle_frame(paths[clip.shot_id])))
        sheet = encode_png(sheet_of(thumbs))
    store.put_bytes(contact_sheet_key(job_id), sheet)
    return sheet
