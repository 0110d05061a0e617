"""The store: the only code that knows eventsourcing's tables, its private names, and how the
transcoder lays out an event's bytes. Everything above it asks through these functions, each given
an application's store (`sql.HasStore`: its `store`, `recorder` and `mapper`):

* `store`: one URL picks the store (`parse_store`, `Store`), passwords masked (`mask`, `redact`);
  `sqlite_file` checks a SQLite file before it is opened.
* `eventlog`: the log's `head`, `count` (up to a position), `pages` (of one topic or all, up to a
  stop), `after` a position, `of_originator` (one aggregate's events with their positions),
  `first_field` (one field of every deal's first event), `channel` (what a
  follower listens to), and `Rows` (raw rows for a reader that decodes them: the projections).
* `stored`: what an import finds stored of many aggregates at once: `is_empty`, `first_events`,
  `last_versions`.
* `saving.QuickSave`: bulk saves of many aggregates; `postgres_recorder`: large saves on PostgreSQL.
* `storeformat`: the store's format (`check_writable`, `recorded`, `record`), refusals of a newer
  dealflow's store; `unknown`: events of a type this dealflow does not know (`UnknownEvent`).
* `transcoded`: the bytes of a stored event (`effective_on`, `text`, `needs_upcast`, `DATA`).
* `collector`: the garbage collector paused while bulk work runs.

Issue 14's per-event seals belong beside `saving` and `eventlog`.
"""
