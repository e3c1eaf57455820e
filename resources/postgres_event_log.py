"""dagster-postgres's event log, with its concurrency-slot claim made atomic.

The stock claim selects a free slot ``FOR UPDATE SKIP LOCKED`` and then updates it, on a connection in
autocommit: the row lock ends with the select, so two steps claiming at the same moment can both take the
one free slot of the `gpu` pool (seen in the queue test: two renders started 4 ms apart and ran together).
Here the select and the update are one transaction, so the second claim skips the locked row or finds it
taken, and waits its turn. deploy/dagster.yaml names this class for the event log.
"""

from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
from dagster._core.storage.sqlalchemy_compat import db_select
from dagster._utils.concurrency import ConcurrencySlotStatus
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config


class SlotSafePostgresEventLogStorage(PostgresEventLogStorage):
    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, postgres_url=pg_url_from_config(config_value),
                   should_autocreate_tables=config_value.get("should_autocreate_tables", True),
                   token_provider=get_token_provider_from_config(config_value))

    def _claim_concurrency_slot(self, concurrency_key: str, run_id: str, step_key: str) -> ConcurrencySlotStatus:
        slots = ConcurrencySlotsTable
        with self.index_transaction() as conn:
            free = conn.execute(
                db_select([slots.c.id]).select_from(slots)
                .where((slots.c.concurrency_key == concurrency_key) & slots.c.step_key.is_(None)
                       & (slots.c.deleted == False))  # noqa: E712 - SQL comparison
                .with_for_update(skip_locked=True).limit(1)).fetchone()
            if not free:
                return ConcurrencySlotStatus.BLOCKED
            taken = conn.execute(slots.update().values(run_id=run_id, step_key=step_key)
                                 .where((slots.c.id == free[0]) & slots.c.step_key.is_(None))).rowcount
            return ConcurrencySlotStatus.CLAIMED if taken else ConcurrencySlotStatus.BLOCKED
