"""`dealflow export report`, the console script in a subprocess on a SQLite demo book, and the page it
writes opened in a real headless browser (Debian's chromium) with no network: every chart drawn as
plotly's SVG, a screenshot that is a picture and not a blank page, nothing in the console (no error,
no fetch the page's content security policy refused), and a hostile owner shown as text, never run.

Without chromium on PATH the browser tests skip, unless DEALFLOW_TEST_BROWSER=required (CI sets it),
when they fail: `make test` installs chromium where it can (`make browser`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import Dealflow

HOSTILE = "</script><script>alert(1)</script>"
CHARTS = ("chart-pipeline", "chart-movement-1", "chart-forecast-1", "chart-ageing")  # at least these, on the demo
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
DRAWN = {(0x1F, 0x5F, 0x99): "the first currency's bars", (0x3A, 0x9E, 0x6F): "a rise", (0xD9, 0x53, 0x4F): "a fall"}


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("DEALFLOW_TEST_BROWSER") == "required":
        pytest.fail("DEALFLOW_TEST_BROWSER=required but chromium is not on PATH: `make browser` installs it")
    pytest.skip("chromium is not on PATH, so the report page is not drawn: `make browser` installs it")


def browse(page: Path, *how: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on the page, in a profile of its own, every network request sent to a closed
    port; its log on stderr holds what the page wrote to the console (INFO:CONSOLE lines)."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0",
             *how, page.as_uri()],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip


class Dom(HTMLParser):
    """The elements of a page, each with its attributes and the ids of the chart <div>s it is inside,
    the text of each table cell and header, and the text outside scripts and styles."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.text: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, str | None]] = []  # tag, chart id
        self._heading = ""
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        charts = tuple(chart for _, chart in self._open if chart)
        self.elements.append((tag, found, charts))
        if tag in VOID:
            return
        chart = found.get("id") if tag == "div" and "chart" in (found.get("class") or "").split() else None
        self._open.append((tag, chart))
        if tag == "h3":
            self._heading = ""
        elif tag == "tr":
            self.tables.setdefault(self._heading, []).append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._heading][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if any(tag in ("script", "style") for tag, _ in self._open):
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        elif self._open and self._open[-1][0] == "h3":
            self._heading += data

    def table(self, name: str) -> list[dict[str, str]]:
        header, *rows = self.tables[name]
        return [dict(zip(header, row, strict=True)) for row in rows]


def png_pixels(data: bytes) -> Iterator[tuple[int, ...]]:
    """The pixels of an 8-bit RGB or RGBA PNG, decoded with the standard library (RFC 2083 filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, compressed, head = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            compressed.append(chunk)
    assert head is not None
    width, height, depth, colour, _, _, interlaced = head
    assert depth == 8 and colour in (2, 6) and not interlaced, f"a PNG this test does not decode: {head}"
    size = 3 if colour == 2 else 4
    raw, stride, prior = zlib.decompress(b"".join(compressed)), width * size, bytearray(width * size)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        unfilter(raw[start], line, prior, size)
        yield from (tuple(line[x : x + size]) for x in range(0, stride, size))
        prior = line


def unfilter(kind: int, line: bytearray, prior: bytearray, size: int) -> None:
    """Undo a scanline's filter in place: 0 none, 1 sub, 2 up, 3 average, 4 Paeth."""
    if kind == 2:
        line[:] = bytes((a + b) & 255 for a, b in zip(line, prior, strict=True))
        return
    for i in range(len(line) if kind else 0):
        left, up = line[i - size] if i >= size else 0, prior[i]
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        else:
            corner = prior[i - size] if i >= size else 0
            guess = left + up - corner
            near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
            line[i] = (line[i] + near[2]) & 255


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Dealflow:
    """The demo book, and a deal whose owner and account are markup."""
    cli = Dealflow(str(tmp_path_factory.mktemp("book") / "book.db"))
    ok(cli.run("demo"))
    account = 'Hostile <img src=x onerror="alert(2)"> Ltd'
    ok(cli.run("open", account, "--title", "</script>", "--value", "1000", "--currency", "EUR", "--owner", HOSTILE))
    return cli


@pytest.fixture(scope="module")
def page(book: Dealflow, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "book.html"
    ok(book.run("export", "report", "-o", path))
    return path


@pytest.fixture(scope="module")
def dom(page: Path) -> tuple[Dom, str]:
    """The page as the browser drew it, and what the browser logged."""
    done = browse(page, "--dump-dom")
    assert done.returncode == 0, done.stderr
    return Dom(done.stdout), done.stderr


@pytest.mark.slow
def test_every_chart_is_drawn_as_svg_with_its_bars(page: Path, dom: tuple[Dom, str]):
    written = [attrs["id"] for tag, attrs, _ in Dom(page.read_text(encoding="utf-8")).elements if tag == "div"]
    charts = [chart for chart in written if chart and chart.startswith("chart-")]
    assert set(CHARTS) <= set(charts)
    drawn, _ = dom
    for chart in charts:
        inside = [(tag, attrs) for tag, attrs, within in drawn.elements if chart in within]
        assert ("svg", "main-svg") in [(tag, attrs.get("class")) for tag, attrs in inside], f"{chart}: no plotly SVG"
        bars = [attrs for tag, attrs in inside if tag == "g" and attrs.get("class") == "point"]
        shapes = [
            attrs for tag, attrs in inside if tag == "path" and re.match(r"M[\d.]+,[\d.]+[HV]", attrs.get("d") or "")
        ]
        assert bars and shapes, f"{chart}: no bars drawn"


@pytest.mark.slow
def test_the_page_logs_nothing_and_links_nowhere(dom: tuple[Dom, str]):
    drawn, log = dom
    assert [line for line in log.splitlines() if "CONSOLE" in line] == []  # no error, nothing the policy refused
    links = [value for _, attrs, _ in drawn.elements for key, value in attrs.items() if key in ("src", "href")]
    assert [link for link in links if link and re.match(r"\s*(https?:)?//", link)] == []


@pytest.mark.slow
def test_the_screenshot_is_a_picture_in_the_charts_colours(page: Path, tmp_path: Path):
    shot = tmp_path / "page.png"
    done = browse(page, f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars")
    assert done.returncode == 0 and shot.exists(), done.stderr
    colours: dict[tuple[int, ...], int] = {}
    for pixel in png_pixels(shot.read_bytes()):
        colours[pixel[:3]] = colours.get(pixel[:3], 0) + 1
    total, white = sum(colours.values()), colours.get((255, 255, 255), 0)
    assert total == 1280 * 2400
    assert len(colours) > 100, f"{len(colours)} colours: a blank or flat page"
    assert (total - white) / total > 0.05, "less than 5 % of the page is not white"
    missing = [what for colour, what in DRAWN.items() if colours.get(colour, 0) < 200]
    assert missing == [], f"not drawn: {', '.join(missing)}"


@pytest.mark.slow
def test_a_hostile_owner_is_text_in_the_drawn_page_and_injects_nothing(book: Dealflow, tmp_path: Path):
    path = tmp_path / "owner.html"
    ok(book.run("export", "report", "-o", path, "--owner", HOSTILE))
    done = browse(path, "--dump-dom")
    drawn = Dom(done.stdout)
    assert [tag for tag, _, _ in drawn.elements].count("script") == 2  # plotly.js and the drawing script
    assert "img" not in [tag for tag, _, _ in drawn.elements]
    assert f"{HOSTILE} ({HOSTILE})" in "".join(drawn.text)
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    assert sum(int(row["deals"]) for row in drawn.table("stages")) == 1  # the one deal it owns


def test_the_owner_filter_counts_that_owners_deals_as_the_pipeline_does(book: Dealflow, tmp_path: Path):
    day = date.today() - timedelta(days=45)
    quarter_before = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) - timedelta(days=1)
    path = tmp_path / "ana.html"
    ok(book.run("export", "report", "-o", path, "--owner", "ana", "--as-of", day))
    shown = Dom(path.read_text(encoding="utf-8"))
    assert "ana (ana.garcia)" in "".join(shown.text)
    assert f"{quarter_before} to {day}" in "".join(shown.text)  # the movement: the quarter to date
    expected = json.loads(ok(book.run("pipeline", "--owner", "ana", "--as-of", day, "--json")))["stages"]
    assert [
        (row["currency"], row["stage"], int(row["deals"]), Decimal(row["value"].replace(",", "")))
        for row in shown.table("stages")
    ] == [(row["currency"], row["stage"], row["deals"], Decimal(row["value"])) for row in expected]
    assert any(row["deals"] for row in expected)


def test_a_file_not_ending_in_html_is_refused_and_nothing_is_written(book: Dealflow, tmp_path: Path):
    done = book.run("export", "report", "-o", tmp_path / "book.xlsx")
    assert done.returncode == 2 and ".html" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_from_after_to_is_refused(book: Dealflow, tmp_path: Path):
    done = book.run("export", "report", "-o", tmp_path / "book.html", "--from", "2026-06-30", "--to", "2026-03-31")
    assert done.returncode == 2 and "--from" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_same_book_gives_the_same_bytes(book: Dealflow, page: Path, tmp_path: Path):
    again = tmp_path / "again.html"
    ok(book.run("export", "report", "-o", again))
    assert again.read_bytes() == page.read_bytes()
