"""The read side: projections of the event log into SQLAlchemy Core tables in the store's own database.

Each projection is a view interface, a processor that dispatches on the event's type and a
concrete SQLAlchemy view that writes its rows and its tracking position in one transaction
(`runner.Projections` catches them up batch by batch). Reports read these tables, never the log.
Only report and projection code imports this package: recording a sale never loads SQLAlchemy.
"""
