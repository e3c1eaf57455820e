"""Stores each asset's pydantic value as readable JSON in the artifact store.

Partitioned assets land at jobs/<job_id>/<asset>.json, unpartitioned ones at
cost/<asset>.json (they are the costing assets). No pickles.
"""


import dagster as dg
from pydantic import BaseModel

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import MODEL_BY_ASSET
from aiprod_assets.job_ids import check_job_id
from resources.artifact_store import ArtifactStore


def artefact_key(asset_name: str, partition_key: str | None) -> str:
    if partition_key is None:
        return f"cost/{asset_name}.json"
    return f"jobs/{check_job_id(partition_key)}/{asset_name}.json"


class JsonIOManager(dg.ConfigurableIOManager):
    store: dg.ResourceDependency[ArtifactStore]

    def handle_output(self, context: dg.OutputContext, obj: BaseModel | None) -> None:
        if obj is None:
            return
        if not isinstance(obj, BaseModel):
            raise TypeError(f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                            "this IO manager stores pydantic artefacts only")
        partition = context.asset_partition_key if context.has_asset_partitions else None
        key = artefact_key(context.asset_key.path[-1], partition)
        uri = self.store.put_bytes(key, pretty_json(obj).encode("utf-8"))
        context.add_output_metadata({"uri": dg.MetadataValue.path(uri)})

    def load_input(self, context: dg.InputContext) -> BaseModel:
        name = context.asset_key.path[-1]
        partition = context.asset_partition_key if context.has_asset_partitions else None
        model = MODEL_BY_ASSET[name]
        return model.model_validate_json(self.store.get_bytes(artefact_key(name, partition)))
