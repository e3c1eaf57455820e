"""Stores the cost ledger (a pandas DataFrame) as CSV in the artifact store: cost/ledger.csv.

It lives beside the ledger's CSV schema, not in resources/, because reading the file back
means validating it against that schema.
"""

from typing import TYPE_CHECKING

import dagster as dg

from aiprod_assets.costing.ledger import frame_from_csv, frame_to_csv
from aiprod_assets.layout import LEDGER_KEY
from resources.artifact_store import ArtifactStore

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it

# The annotations naming pandas are strings, not `from __future__ import annotations`: Dagster reads this
# resource's field types as the class is made, and postponed ones would hide `store`'s resource dependency.


class LedgerIOManager(dg.ConfigurableIOManager):
    store: dg.ResourceDependency[ArtifactStore]

    def handle_output(self, context: dg.OutputContext, obj: "pd.DataFrame") -> None:
        uri = self.store.put_bytes(LEDGER_KEY, frame_to_csv(obj).encode("utf-8"))
        context.add_output_metadata({"uri": dg.MetadataValue.path(uri)})

    def load_input(self, context: dg.InputContext) -> "pd.DataFrame":
        if not self.store.exists(LEDGER_KEY):
            return frame_from_csv("")
        return frame_from_csv(self.store.get_bytes(LEDGER_KEY).decode("utf-8"))
