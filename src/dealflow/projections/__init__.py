"""The read side: projections of the event log into SQLAlchemy Core tables in the store's own database.

Each projection is a view interface (`pipeline_view.PipelineView`, for the ageing and the concessions
`keyed.KeyedView`), a processor that dispatches each event on its type, and a concrete
SQLAlchemy view (`*_sql.py`) that writes a batch's rows with the projection's new tracking
position in one transaction. `runner.Projections` catches them up from the log (`log`, `decode`)
and rebuilds them; the `dealflow.reports` package answers the reports from their tables. Only
report and projection code imports this package: recording a sale never loads SQLAlchemy.
"""
