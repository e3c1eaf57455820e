"""A file opened only to read its packets or decode its sound (media/decode.py) skips the probe's decoding of
its first pictures, and nothing else: the same packets, stream parameters and sound as a plain open."""

import av
import numpy as np

from aiprod_assets.media.decode import audio_samples, open_for_packets
from tests.support.media_fixtures import make_clip


def _packets(container) -> list[tuple[int, int, bool, bytes]]:
    return [(p.stream.index, p.pts, p.is_keyframe, bytes(p)) for p in container.demux() if p.size]


def _parameters(container) -> dict:
    video, audio = container.streams.video[0], container.streams.audio[0]
    context = video.codec_context
    return {"codec": context.name, "profile": context.profile, "size": (context.width, context.height),
            "extradata": bytes(context.extradata or b""), "rate": video.average_rate, "time_base": video.time_base,
            "start": video.start_time, "frames": video.frames, "colour": (context.color_primaries, context.color_trc,
                                                                           context.colorspace, context.color_range),
            "sound": (audio.codec_context.name, audio.codec_context.sample_rate, audio.codec_context.channels),
            "metadata": dict(container.metadata)}


def test_packets_parameters_sound_and_pictures_are_those_of_a_plain_open(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    with av.open(str(clip)) as plain, open_for_packets(clip) as fast:
        assert _parameters(fast) == _parameters(plain)
        assert _packets(fast) == _packets(plain)
    with av.open(str(clip)) as plain, open_for_packets(clip) as fast:
        # Only what its probe would have decoded is unknown; the pictures still decode, each in its format.
        assert plain.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert fast.streams.video[0].codec_context.pix_fmt is None
        pictures = [(f.format.name, f.to_ndarray()) for f in fast.decode(video=0)]
        expected = [(f.format.name, f.to_ndarray()) for f in plain.decode(video=0)]
    assert len(pictures) == len(expected) == 30
    assert all(a[0] == b[0] == "yuv420p" and np.array_equal(a[1], b[1]) for a, b in zip(pictures, expected))
    with av.open(str(clip)) as plain:
        sound = np.concatenate([f.to_ndarray() for f in plain.decode(audio=0)], axis=1)
    assert np.array_equal(audio_samples(clip)[:, :sound.shape[1]], sound)
