"""The device profile asset: previz timed on the injected device, the measure the estimate prices it by."""

import dagster as dg

from aiprod_assets.contracts import DeviceProfile
from aiprod_assets.costing.device import describe, remember
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.timing import measure_device_profile
from resources.gpu import TorchDevice

# Two sizes far apart, so the cost of a frame and of its pixels come apart.
SAMPLE_PROFILES = (("360p", "16:9", 30), ("1080p", "16:9", 30))


def measure_on(gpu: TorchDevice) -> DeviceProfile:
    profiles = [render_profile(*spec) for spec in SAMPLE_PROFILES]
    return measure_device_profile(gpu.torch_device(), gpu.describe(), profiles)


@dg.asset(group_name="costing", kinds={"torch", "json"}, pool="gpu")
def device_profile(context: dg.AssetExecutionContext, gpu: TorchDevice) -> dg.Output[DeviceProfile]:
    """How fast previz draws and encodes on this device: seconds per clip, per frame and per megapixel-frame,
    timed in a few seconds of sample renders. cost_estimate prices previz with it (and measures it itself
    when it is missing or from another device); materialize it again after changing the machine."""
    profile = remember(measure_on(gpu))
    context.log.info(describe(profile))
    return dg.Output(profile, metadata=readable_metadata({
        "device": profile.device,
        "encoder": profile.encoder,
        "seconds_per_clip": profile.seconds_per_clip,
        "ms_per_frame": round(profile.seconds_per_frame * 1000, 4),
        "ms_per_megapixel_frame": round(profile.seconds_per_megapixel_frame * 1000, 4),
        "seconds_for_1080p30_second": round(profile.clip_seconds(30, 1920, 1080) - profile.seconds_per_clip, 4),
    }))
