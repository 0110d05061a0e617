"""The two passes of an import on each real store: repeats found across chunks, a bad row that stops
everything before a write, and a crash part-way whose re-run completes the import."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.aggregates.errors import InvalidInput
from dealflow.application import DealflowApp
from dealflow.imports import runner
from dealflow.imports.cells import Dates
from dealflow.imports.csvsource import CsvFile
from dealflow.imports.deal_reader import DealOptions, DealReader
from dealflow.imports.deals import DealImport
from dealflow.imports.fields import DEAL_FIELDS
from dealflow.imports.mapping import Columns
from dealflow.imports.outcome import Outcome
from dealflow.imports.scratch import Scratch
from dealflow.imports.stages import ReasonMap, StageMap

HEADER = "Deal ID,Deal Name,Company,Amount,Currency,Stage,Created Date,Close Date\n"


def deals_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def rows(count: int) -> list[str]:
    return [f"D{n},Deal {n},Account {n % 7},{1000 + n},EUR,{'won' if n % 3 else 'value'},2025-01-0{1 + n % 9},"
            f"2025-02-1{n % 10}" for n in range(count)]  # fmt: skip


def importing(app: DealflowApp, path: Path, **options) -> runner.Import:
    source = CsvFile(path)
    columns = Columns(DEAL_FIELDS, source.header, mapped={}, defaults={}, file=source.name)
    reader = DealReader(columns, DealOptions(stage_map=StageMap({}), reason_map=ReasonMap({}), stage_dates={},
                                             dates=Dates()))  # fmt: skip
    return runner.Import(app, source, DealImport(reader, source.name), "ana", **options)


class FailingDisk(DealflowApp):
    """A store whose disk fails after `saves` saves, as a crash part-way through an import would."""

    def __init__(self, store: str, saves: int) -> None:
        self.saves_left = saves  # each instance its own count: a test that runs on each store crashes on each
        super().__init__(store)

    def save(self, *objects, **kwargs):
        if self.saves_left == 0:
            raise OSError("disk full")
        self.saves_left -= 1
        return super().save(*objects, **kwargs)


class CtrlC(DealflowApp):
    """A store whose user presses Ctrl-C during the third save: before its commit, or just after it
    (while the projections are told, say), which the import must not take for a save lost."""

    def __init__(self, store: str, *, after_commit: bool) -> None:
        self.saves_left = 2
        self.after_commit = after_commit
        super().__init__(store)

    def save(self, *objects, **kwargs):
        if self.saves_left == 0:
            if self.after_commit:
                super().save(*objects, **kwargs)
            raise KeyboardInterrupt
        self.saves_left -= 1
        return super().save(*objects, **kwargs)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CHUNK", 10)


def test_a_crash_part_way_leaves_whole_chunks_and_running_again_completes_the_rest(tmp_path, store_url):
    path = deals_file(tmp_path, rows(45))
    crashing = FailingDisk(store_url, saves=2)

    with pytest.raises(OSError, match="disk full"):
        importing(crashing, path).run()
    crashing.close()
    app = DealflowApp(store_url)
    saved = len(list(app.deal_ids()))
    summary = importing(app, path).run()

    assert saved == 20  # two chunks of ten, each whole
    assert (summary.outcomes[Outcome.ALREADY], summary.outcomes[Outcome.IMPORTED]) == (20, 25)
    assert len(list(app.deal_ids())) == 45
    app.close()


@pytest.mark.parametrize(("after_commit", "saved"), [(False, 20), (True, 30)])
def test_ctrl_c_during_a_save_counts_its_chunk_only_if_the_store_holds_it(tmp_path, store_url, after_commit, saved):
    path = deals_file(tmp_path, rows(45))
    app = CtrlC(store_url, after_commit=after_commit)

    with pytest.raises(runner.Interrupted) as interrupted:
        importing(app, path).run()

    assert str(interrupted.value) == (
        f"import of deals.csv interrupted after {saved} of 45 deals were saved; run the same command again to "
        "import the rest (deals already imported are skipped)"
    )
    assert len(list(app.deal_ids())) == saved
    app.close()


def test_a_repeat_in_a_later_chunk_is_found_and_a_conflicting_one_stops_the_import_before_any_write(tmp_path, app):
    same = [*rows(25), rows(25)[3]]
    other = [*rows(25), rows(25)[3].replace("Deal 3", "Deal three")]

    summary = importing(app, deals_file(tmp_path, same), dry_run=True).run()
    with pytest.raises(InvalidInput, match=r"deals.csv:27: its id is also on line 5, with other values"):
        importing(app, deals_file(tmp_path, other)).run()

    assert summary.outcomes[Outcome.DUPLICATE] == 1 and summary.outcomes[Outcome.IMPORTED] == 25
    assert app.event_count() == 0


def test_a_bad_row_far_into_the_file_stops_the_import_before_anything_is_written(tmp_path, app):
    bad = rows(30)
    bad[24] = bad[24].replace(",EUR,", ",EURO,")

    with pytest.raises(InvalidInput, match=r"deals.csv:26: column 'Currency': currency 'EURO' is not an ISO 4217 code"):
        importing(app, deals_file(tmp_path, bad)).run()

    assert app.event_count() == 0


def test_the_scratch_file_tells_first_sightings_from_repeats():
    with Scratch() as scratch:
        assert scratch.first_seen([("a", 1, "x"), ("b", 2, "y")]) == {}
        assert scratch.first_seen([("c", 3, "z"), ("a", 4, "x")]) == {"a": (1, "x")}
        scratch.keep([(2, "y", "row 2"), (1, "x", "row 1")])
        assert list(scratch.kept(1)) == [[(1, "x", "row 1")], [(2, "y", "row 2")]]
