"""The reports: queries over the read models that `projections` maintains, each answering with a
`report.Report` of typed tables (`table`), which the CLI prints and `exports` writes.

`pipeline` (with `pipeline_groups`), `ageing` and `concessions` read their projections' tables,
summing money exactly in SQL (`sums`); `reading` catches the projections up with the log and holds
one transaction, so that a report, or a workbook of them, reflects one position in the log.
"""
