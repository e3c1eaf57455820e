"""Rendering assets: every shot's clip, resumable per shot, and the final cut."""

import base64
import tempfile
from pathlib import Path

import dagster as dg

from aiprod_assets.canonical import sha256_hex
from aiprod_assets.contracts import CostEstimate, FinalCut, ProductionManifest, RenderedClips, ShotList
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.rendering.clips import ClipRenderer, clip_key
from aiprod_assets.rendering.contact_sheet import contact_sheet
from aiprod_assets.rendering.final_cut import assemble_final_cut
from aiprod_assets.rendering.retry import BackendsExhausted
from resources.artifact_store import ArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import RenderBackends


def _local_copies(store: ArtifactStore, keys: list[str], folder: Path) -> list[Path]:
    paths = []
    for key in keys:
        path = folder / Path(key).name
        path.write_bytes(store.get_bytes(key))
        paths.append(path)
    return paths


@dg.asset(partitions_def=jobs_partitions, group_name="rendering", kinds={"torch", "video"}, pool="gpu")
def rendered_clips(context: dg.AssetExecutionContext, shot_list: ShotList, cost_estimate: CostEstimate,
                   store: ArtifactStore, render_backends: RenderBackends, gpu: TorchDevice,
                   policy: ProductionPolicy) -> dg.Output[RenderedClips]:
    """One clip per shot with uri, sha256, backend, attempts, render seconds and actual cost; finished clips are reused."""
    job_id = context.partition_key
    if not cost_estimate.chain:
        raise dg.Failure(f"job {job_id} has no approved backend chain: {cost_estimate.decision.reason}",
                         allow_retries=False)
    chain = [render_backends.backend(name) for name in cost_estimate.chain]
    renderer = ClipRenderer(job_id=job_id, shot_list=shot_list, chain=chain, store=store,
                            pricing=load_pricing(policy.pricing_file), gpu_model=policy.gpu_model,
                            on_progress=context.log.info)
    try:
        clips = renderer.render_all()
    except BackendsExhausted as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    device = gpu.describe()
    value = RenderedClips(job_id=job_id, device=device, clips=clips,
                          total_cost_usd=round(sum(c.actual_cost_usd for c in clips), 8))
    with tempfile.TemporaryDirectory() as tmp:
        keys = [clip_key(job_id, c.shot_id, c.spec_hash) for c in clips]
        sheet = contact_sheet(list(zip([c.shot_id for c in clips], _local_copies(store, keys, Path(tmp)))))
    store.put_bytes(f"jobs/{job_id}/contact_sheet.png", sheet)
    return dg.Output(value, metadata={
        "actual_cost_usd": value.total_cost_usd,
        "render_seconds": float(sum(c.render_seconds for c in clips)),
        "clips_rendered": sum(not c.reused for c in clips),
        "clips_reused": sum(c.reused for c in clips),
        "device": device,
        "contact_sheet": dg.MetadataValue.md(
            f"![contact sheet](data:image/png;base64,{base64.b64encode(sheet).decode()})"),
    })


@dg.asset(partitions_def=jobs_partitions, group_name="rendering", kinds={"video"})
def final_cut(context: dg.AssetExecutionContext, rendered_clips: RenderedClips, shot_list: ShotList,
              production_manifest: ProductionManifest, store: ArtifactStore, gpu: TorchDevice) -> dg.Output[FinalCut]:
    """The clips joined in shot order into one MP4 to the job's render profile, with crossfades where asked."""
    job_id = context.partition_key
    records = {c.shot_id: c for c in rendered_clips.clips}
    with tempfile.TemporaryDirectory() as tmp:
        keys = [clip_key(job_id, s.shot_id, records[s.shot_id].spec_hash) for s in shot_list.shots]
        paths = _local_copies(store, keys, Path(tmp))
        out = Path(tmp) / "final_cut.mp4"
        frames = assemble_final_cut(
            list(zip(shot_list.shots, paths)), shot_list.profile, out, title=production_manifest.title,
            comment=f"aiprod job {job_id} final cut of {len(paths)} shots",
            encoder=choose_encoder(gpu.torch_device().type))
        uri = store.put_file(f"jobs/{job_id}/final_cut.mp4", out)
        digest = sha256_hex(out.read_bytes())
    value = FinalCut(job_id=job_id, uri=uri, sha256=digest, duration_sec=round(frames / shot_list.profile.fps, 6),
                     shot_ids=[s.shot_id for s in shot_list.shots])
    return dg.Output(value, metadata={"duration_sec": value.duration_sec, "shots": len(value.shot_ids),
                                      "uri": dg.MetadataValue.path(uri)})
