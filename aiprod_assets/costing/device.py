"""The device profile the estimate prices previz with: the stored one when it was measured on this
device with this renderer, else a fresh measurement, stored for the next job.

A process measures a device at most once: a worker that prices many jobs on a fresh store, or on
many stores, pays the few seconds of sample renders once.
"""

from __future__ import annotations

from collections.abc import Callable

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import DeviceProfile
from aiprod_assets.layout import CorruptRecord, Store, artefact_key, read_record

DEVICE_PROFILE_KEY = artefact_key("device_profile", None)
_measured_here: dict[tuple[str, str], DeviceProfile] = {}


def describe(profile: DeviceProfile) -> str:
    return (f"{profile.device}: {profile.seconds_per_clip:.3f} s per clip + {profile.seconds_per_frame * 1000:.2f} ms "
            f"per frame + {profile.seconds_per_megapixel_frame * 1000:.2f} ms per megapixel-frame")


def fits(profile: DeviceProfile | None, device_name: str) -> bool:
    return profile is not None and profile.device == device_name and profile.renderer_version == PREVIZ_VERSION


def remember(profile: DeviceProfile) -> DeviceProfile:
    _measured_here[(profile.device, profile.renderer_version)] = profile
    return profile


def current_device_profile(store: Store, device_name: str, measure: Callable[[], DeviceProfile],
                           on_event: Callable[[str], None] = lambda message: None) -> DeviceProfile:
    try:
        stored = read_record(store, DEVICE_PROFILE_KEY, DeviceProfile)
    except CorruptRecord as err:
        on_event(str(err))
        stored = None
    if fits(stored, device_name):
        return stored
    profile = _measured_here.get((device_name, PREVIZ_VERSION))
    if profile is None:
        profile = remember(measure())
        on_event(f"device profile measured: {describe(profile)}")
    store.put_bytes(DEVICE_PROFILE_KEY, pretty_json(profile).encode("utf-8"))
    return profile
