"""`dealflow import`, the command group and its three commands: deals from a CRM export, invoices
from a receivables ledger, and dealflow's own event log (JSON Lines), each the whole file or nothing
and safe to run again. How an import runs is in cli/import_run.py."""

from __future__ import annotations

import click

from dealflow.cli.context import Session, pass_session
from dealflow.cli.import_run import CsvReading, ImportRun, csv_options, import_options, rejects_path, run_import
from dealflow.imports.fields import DEAL_FIELDS, INVOICE_FIELDS, described


@click.group("import")
def import_group() -> None:
    """Import deals from a CRM export, invoices from a ledger, or a dealflow event log.

    Each import checks the whole file before it writes anything: a bad row stops it and names
    the file, line, column and fix (--skip-bad imports the rest and lists the bad rows in a
    rejects file). Importing the same file again imports nothing twice. See docs/imports.md.

    \b
    Example:
      dealflow import deals opportunities.csv --dry-run
      dealflow import invoices ledger.csv --date-format %m/%d/%Y
      dealflow import events log.jsonl
    """


@import_group.command(epilog=described(DEAL_FIELDS))
@import_options
@csv_options
@click.option(
    "--stage-map",
    multiple=True,
    metavar="VALUE=STAGE",
    help="A stage value of the file and the stage it means: a selling stage, won, lost or closed.",
)
@click.option(
    "--stage-date",
    multiple=True,
    metavar="STAGE=COLUMN",
    help="The column holding the day deals entered STAGE (a selling stage, won, lost or closed).",
)
@click.option(
    "--reason-map",
    multiple=True,
    metavar="VALUE=REASON",
    help="A lost reason of the file and the method's reason it means; other reasons become 'other'.",
)
@click.option("--id-prefix", default="", metavar="TEXT", help="Put before each source id to make the deal id.")
@pass_session
def deals(
    session: Session,
    run: ImportRun,
    csv: CsvReading,
    stage_map: tuple[str, ...],
    stage_date: tuple[str, ...],
    reason_map: tuple[str, ...],
    id_prefix: str,
) -> None:
    """Import opportunities from a CRM export (CSV): each row a deal, placed in its stage.

    Columns are found by their usual names (Opportunity Name, Account Name, Amount, Stage,
    Created Date, Close Date, Owner, ...) or named with --map. Each deal opens on its created
    date and enters its stage as the file dates it; won deals carry their amount, lost deals
    their reason. Its events say they were imported, and from which row.

    \b
    Example:
      dealflow import deals opportunities.csv --currency EUR --date-format %m/%d/%Y \\
        --stage-map "Prospecting=analysis" --stage-map "Proposal/Price Quote=value" \\
        --stage-map "Negotiation/Review=commitment" --dry-run
      dealflow import deals hubspot.csv --map id="Record ID" --stage-date won="Close Date" --skip-bad
    """
    from dealflow.imports.cells import Dates
    from dealflow.imports.csvsource import CsvFile
    from dealflow.imports.deal_reader import DealOptions, DealReader
    from dealflow.imports.deals import DealImport
    from dealflow.imports.mapping import Columns, pairs
    from dealflow.imports.stages import ReasonMap, StageMap, target

    rejected = rejects_path(run.file, run.rejects)
    source = CsvFile(run.file, encoding=csv.encoding, delimiter=csv.delimiter)
    columns = Columns(
        DEAL_FIELDS,
        source.header,
        mapped=pairs(csv.mapped, "--map", 'id="Opportunity ID"'),
        defaults=pairs(csv.defaults, "--default", "account=Unknown"),
        file=source.name,
    )
    dated = pairs(stage_date, "--stage-date", 'won="Close Date"')
    options = DealOptions(
        stage_map=StageMap(pairs(stage_map, "--stage-map", "Proposal=value")),
        reason_map=ReasonMap(pairs(reason_map, "--reason-map", '"Too expensive=price"')),
        stage_dates={target(stage, f"--stage-date {stage}={column}"): column for stage, column in dated.items()},
        dates=Dates(csv.date_format),
        currency=csv.currency,
        default_date=csv.default_date,
        id_prefix=id_prefix,
        decimal_comma=csv.decimal_comma,
    )
    run_import(session, source, DealImport(DealReader(columns, options), source.name), run, rejected)


@import_group.command(epilog=described(INVOICE_FIELDS))
@import_options
@csv_options
@click.option(
    "--id-prefix", default="", metavar="TEXT", help="Put before each deal id of the file, as the deals' import did."
)
@pass_session
def invoices(session: Session, run: ImportRun, csv: CsvReading, id_prefix: str) -> None:
    """Import a receivables ledger (CSV): each row an invoice, with its payment when settled.

    An invoice goes onto its won deal (the deal column), or, when it names none, onto its
    customer's ledger deal (one a customer and currency, in follow-up, opened by the import).
    A settled invoice is paid on its settled date (in full, unless a settled amount is given),
    so `ageing --as-of` shows it open until then; a disputed one gets a note.

    \b
    Example:
      dealflow import invoices ledger.csv --currency EUR --dry-run
      dealflow import invoices ar.csv --map invoice="Doc No" --map settled="Cleared On" --date-format %d.%m.%Y
    """
    from dealflow.imports.cells import Dates
    from dealflow.imports.csvsource import CsvFile
    from dealflow.imports.invoice_reader import InvoiceOptions, InvoiceReader
    from dealflow.imports.invoices import InvoiceImport
    from dealflow.imports.mapping import Columns, pairs

    rejected = rejects_path(run.file, run.rejects)
    source = CsvFile(run.file, encoding=csv.encoding, delimiter=csv.delimiter)
    columns = Columns(
        INVOICE_FIELDS,
        source.header,
        mapped=pairs(csv.mapped, "--map", 'invoice="Invoice No"'),
        defaults=pairs(csv.defaults, "--default", "customer=Unknown"),
        file=source.name,
    )
    options = InvoiceOptions(
        dates=Dates(csv.date_format),
        currency=csv.currency,
        default_date=csv.default_date,
        id_prefix=id_prefix,
        decimal_comma=csv.decimal_comma,
    )
    kind = InvoiceImport(InvoiceReader(columns, options), source.name, session.app)
    run_import(session, source, kind, run, rejected)


@import_group.command()
@import_options
@pass_session
def events(session: Session, run: ImportRun) -> None:
    """Import a dealflow event log (JSON Lines): each line replayed by the command that recorded it.

    The format is what `dealflow export events --format jsonl` writes: one event a line, as
    `history --json` shows it, with its deal's id. Each line is put to the method again; the
    event it records must be the line, so exporting again gives the same lines (but for when
    each was recorded and its position in the log). Lines the store already has are skipped.
    A script may give only what each command needs (deal, version, event, effective_on, actor
    and the event's fields), leaving out what the command works out (stage, action, state).

    \b
    Example:
      dealflow --db old.db export events --format jsonl > log.jsonl
      dealflow --db new.db import events log.jsonl
    """
    from dealflow.imports.eventlog import EventImport, revised_deals
    from dealflow.imports.jsonlines import JsonLinesFile

    rejected = rejects_path(run.file, run.rejects)
    source = JsonLinesFile(run.file)
    revised = revised_deals(source.records())
    run_import(session, source, EventImport(session.app, source.name, revised), run, rejected)
