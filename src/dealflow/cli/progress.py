"""The one progress bar of the CLI: on stderr, so that standard output stays the data, and only for
work large enough to want one. Rebuild, import, export and the demo all draw it through `progress`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

Advance = Callable[..., None]  # advance(steps, item=None): `steps` more done, `item` the one in hand


@contextmanager
def progress(
    label: str,
    total: int | None,
    *,
    at_least: int = 0,
    every: int = 1,
    item_shown: Callable[[Any], str | None] | None = None,
) -> Iterator[Advance | None]:
    """A bar counting to `total`, moved by the `advance` it yields; None instead when there is less
    work than `at_least` (done before a bar would be worth drawing), so a caller skips the calls.

    `every`: the bar moves once that many steps have added up, because moving it costs more than a
    row of an export. `item_shown` words the item last given to `advance`."""
    if total is None or total < at_least:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, item_show_func=item_shown) as bar:
        if every == 1:
            yield bar.update
            return
        pending = 0

        def advance(steps: int, item: Any = None) -> None:
            nonlocal pending
            pending += steps
            if pending >= every:
                bar.update(pending, item)
                pending = 0

        yield advance
        bar.update(pending)  # what is left: click before 8.2 would not draw it
