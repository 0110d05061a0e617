"""The application on its store: opening the store, the store's encoding, and every save checked
against the store's format and turned, when it loses a race, into the error the retry handles."""

from __future__ import annotations

import time
from typing import Any

from eventsourcing.application import Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import DatabaseError, IntegrityError, JSONTranscoder, Mapper

from dealflow.aggregates.errors import ConcurrentChange, Refused
from dealflow.application.retry import LOST_RACE
from dealflow.storage import eventlog, sql, sqlite_file, storeformat
from dealflow.storage.saving import QuickSave
from dealflow.storage.store import Store, parse_store
from dealflow.storage.transcoded import DateAsISO
from dealflow.storage.unknown import NewerAwareMapper

SCHEMA_ATTEMPTS = 5


class OnStore(QuickSave):
    """Every accepted command is saved as events in one transaction, or not at all."""

    name = "dealflow"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = OnStore.name  # eventsourcing names tables after the class: one store layout for all

    def __init__(self, store: Store | str | None = None, *, create: bool = True) -> None:
        """`create`: make the store (the SQLite file, the tables) if it is not there, as a command that
        writes must; without it, a store that is not there is refused and nothing is made."""
        self.store = store if isinstance(store, Store) else parse_store(store)
        if self.store.is_sqlite:
            sqlite_file.check(self.store.file, create=create)
        env = self.store.env if create else {**self.store.env, "DEALFLOW_CREATE_TABLE": "no"}
        for attempt in range(SCHEMA_ATTEMPTS):
            try:
                super().__init__(env=env)
                break
            except DatabaseError as error:
                # eventsourcing runs its CREATE ... IF NOT EXISTS / CREATE OR REPLACE FUNCTION on every start;
                # PostgreSQL refuses two sessions replacing the same function at once ("tuple concurrently
                # updated"), which several recorders starting together hit. The schema is there: try again.
                if "concurrently updated" not in str(error) or attempt == SCHEMA_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        if not create and not sql.has_log(self):
            self.close()
            where = self.store.file if self.store.is_sqlite else self.store.display
            raise Refused(sqlite_file.no_store(where, "it has no dealflow tables"))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_repository(self) -> Repository[Any]:
        """The library's repository, but that a deal loaded past a correction is folded again (`revisions`)."""
        from dealflow.application.revisions import RevisingRepository

        library = super().construct_repository()
        return RevisingRepository(
            event_store=library.event_store,
            snapshot_store=library.snapshot_store,
            fastforward=library.fastforward,
            fastforward_skipping=library.fastforward_skipping,
            deepcopy_from_cache=library.deepcopy_from_cache,
        )

    def construct_mapper(self) -> Mapper[Any]:
        mapper = super().construct_mapper()
        return NewerAwareMapper(mapper.transcoder, compressor=mapper.compressor, cipher=mapper.cipher)

    def event_count(self) -> int:
        """Events stored; not the log's last number, which a lost race on PostgreSQL skips past."""
        return eventlog.count(self)

    # --- the store's format (storage/storeformat.py): checked before the first write, never by a read ---

    _format_checked = False

    def check_writable(self) -> None:
        """Refuse to write into a store a newer dealflow wrote; record our format in one that has none.
        Once in the application's life, before its first write: reads never pay for it."""
        if not self._format_checked:
            storeformat.check_writable(self)
            self._format_checked = True

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Nothing is written into a store a newer dealflow wrote (`check_writable`)."""
        self.check_writable()
        return super().save(*objs, **kwargs)

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise ConcurrentChange(LOST_RACE) from None
