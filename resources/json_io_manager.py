"""Stores each asset's pydantic value as readable JSON in the artifact store, where the layout says.

Partitioned assets land at jobs/<job_id>/<asset>.json, unpartitioned ones at
cost/<asset>.json (they are the costing assets). No pickles.
"""


import dagster as dg
from pydantic import BaseModel

from aiprod_assets.canonical import pretty_json
from aiprod_assets.layout import CorruptRecord, artefact_key, read_artefact
from resources.artifact_store import ArtifactStore


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
        # "record": the JSON kept for the artefact; an asset's own "uri" (the final cut's MP4) stays its own.
        context.add_output_metadata({"record": dg.MetadataValue.path(uri)})

    def load_input(self, context: dg.InputContext) -> BaseModel:
        name = context.asset_key.path[-1]
        partition = context.asset_partition_key if context.has_asset_partitions else None
        try:
            value = read_artefact(self.store, name, partition)
        except CorruptRecord as err:
            # Retrying would read the same bytes: fail now, naming what to make again.
            raise dg.Failure(f"{err}; materialize {name} again", allow_retries=False) from err
        if value is None:
            raise dg.Failure(f"{self.store.uri(artefact_key(name, partition))} is missing: materialize {name} first",
                             allow_retries=False)
        return value
