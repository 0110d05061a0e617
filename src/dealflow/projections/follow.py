"""Keep the projections current as events arrive: catch up, wait for news, catch up again, until stopped.

PostgreSQL says when there is news: eventsourcing's recorder runs NOTIFY on its channel in every
transaction that inserts events, and the follower LISTENs on a connection of its own; it also looks
every `interval` seconds, in case a notification is ever missed. A SQLite file says nothing: the
follower looks every `interval` seconds.

A notification that arrives while the follower catches up waits on its connection and wakes the
next wait at once; the pending ones are taken before each catch-up, never after it, so none is lost.
A stop (SIGTERM, SIGINT) is a request, honoured between two batches and while waiting, never inside a
transaction. Tracking makes every batch exactly-once, so a successor of a killed follower resumes
from the stored positions.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Protocol

from dealflow.projections import tracking
from dealflow.storage import eventlog
from dealflow.storage.store import KEEPALIVES, Store, mask

if TYPE_CHECKING:
    import psycopg

    from dealflow.projections.runner import Projections

# A new event shows in the reports within half a second on a SQLite file; a look that finds nothing
# costs under a millisecond (measured: 0.7 ms on a laptop), so looking twice a second is cheap.
SQLITE_INTERVAL = 0.5
# On PostgreSQL the interval is only a safety net under NOTIFY.
POSTGRES_INTERVAL = 5.0
TICK = 0.2  # the longest an idle follower takes to notice a stop request
FIRST_RETRY = 0.5  # seconds before trying an unreachable store again; doubled each time, up to LAST_RETRY
LAST_RETRY = 10.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def default_interval(store: Store) -> float:
    return SQLITE_INTERVAL if store.is_sqlite else POSTGRES_INTERVAL


class StopRequest:
    """Set by SIGTERM or SIGINT (it is the signal handler); looked at between batches and while waiting."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, _signum: int, _frame: object) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        """Sleep for `seconds`, or less when a stop is requested meanwhile."""
        deadline = time.monotonic() + seconds
        while not self.requested and (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, TICK))


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """SIGTERM and SIGINT request a stop instead of interrupting whatever runs; restored afterwards."""
    stop = StopRequest()
    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Waiter(Protocol):
    def open(self) -> None: ...

    def wait(self, seconds: float, stop: StopRequest) -> None: ...

    def close(self) -> None: ...


class Poll:
    """A SQLite file sends no notifications: wait the whole interval, then look."""

    def open(self) -> None:
        pass

    def wait(self, seconds: float, stop: StopRequest) -> None:
        stop.sleep(seconds)

    def close(self) -> None:
        pass


class Listen:
    """A PostgreSQL connection of its own, autocommit, LISTENing on the recorder's channel."""

    def __init__(self, store: Store, channel: str) -> None:
        self.store = store
        self.channel = channel
        self.connection: psycopg.Connection[Any] | None = None

    def open(self) -> None:
        from psycopg.sql import SQL, Identifier

        self.close()
        self.connection = _connect(self.store)
        self.connection.execute(SQL("LISTEN {}").format(Identifier(self.channel)))

    def wait(self, seconds: float, stop: StopRequest) -> None:
        """Until a notification arrives or `seconds` pass; after a lost connection, reconnect and return
        at once, since what was notified meanwhile is lost."""
        if self.connection is None:
            self.open()
            return
        deadline = time.monotonic() + seconds
        while not stop.requested and (remaining := deadline - time.monotonic()) > 0:
            if self._notified(min(remaining, TICK)):
                self._drain()
                return

    def _notified(self, timeout: float) -> bool:
        assert self.connection is not None
        return any(True for _ in self.connection.notifies(timeout=timeout, stop_after=1))

    def _drain(self) -> None:
        """Take the notifications already pending: the catch-up that follows covers them all."""
        assert self.connection is not None
        for _ in self.connection.notifies(timeout=0):
            pass

    def close(self) -> None:
        if self.connection is not None:
            with suppress(Exception):  # a connection the server dropped may fail to close cleanly
                self.connection.close()
            self.connection = None


def _connect(store: Store) -> psycopg.Connection[Any]:
    """The store's server and database, named in pg_stat_activity as this follower's process; TCP
    keepalives notice a server that vanished without closing the connection."""
    import psycopg

    return psycopg.connect(
        **store.connect_args(),
        application_name=f"dealflow follow {os.getpid()}",
        **KEEPALIVES,
        autocommit=True,
    )


def waiter_for(projections: Projections) -> Waiter:
    store = projections.app.store
    if store.is_sqlite:
        return Poll()
    return Listen(store, eventlog.channel(projections.app))


def lowest_position(projections: Projections) -> int:
    """The lowest position of the projections: every event up to it is in all of them."""
    with projections.reading() as connection:
        found = tracking.positions(connection)
    return min((found[p.name].position for p in projections.projections if p.name in found), default=0)


def unreachable(error: BaseException) -> bool:
    """The store cannot be reached just now (the server down or restarting, the network cut, a file
    locked too long), as opposed to a fault that trying again would only repeat."""
    from eventsourcing import persistence
    from sqlalchemy import exc

    kinds: tuple[type[BaseException], ...] = (
        exc.OperationalError,
        exc.InterfaceError,
        persistence.OperationalError,
        persistence.InterfaceError,
    )
    with suppress(ImportError):  # psycopg is installed with the postgres extra only
        import psycopg

        kinds += (psycopg.OperationalError, psycopg.InterfaceError)
    return isinstance(error, kinds) or (isinstance(error, exc.DBAPIError) and error.connection_invalidated)


def describe(error: BaseException) -> str:
    """The error's first line, any URL in it with its password masked."""
    lines = str(error).strip().splitlines()
    return mask(lines[0]) if lines else type(error).__name__


class Follower:
    """Catches the projections up, then again whenever there may be news, until a stop is requested."""

    def __init__(
        self,
        projections: Projections,
        *,
        interval: float,
        stop: StopRequest,
        say: Callable[[str], None],
        quiet: bool = False,
    ) -> None:
        self.projections = projections
        self.interval = interval
        self.stop = stop
        self.say = say
        self.quiet = quiet
        self.waiter = waiter_for(projections)
        self.position = 0
        self.retry = FIRST_RETRY
        self.down = False

    def run(self) -> int:
        """Follow until stopped; returns the position where it stopped. A store that cannot be reached
        at the start raises, as in every command; later, the follower says so once and tries again."""
        try:
            self.waiter.open()  # before the first catch-up: what is recorded during it wakes the first wait
            self.catch_up()
            self.position = lowest_position(self.projections)
            if not self.quiet and not self.stop.requested:
                self.say(self.starting_line())
            while not self.stop.requested:
                self.follow_once()
            return self.stopped_at()
        finally:
            self.waiter.close()

    def starting_line(self) -> str:
        store = self.projections.app.store
        how = (
            f"looking for new events every {self.interval:g} s"
            if store.is_sqlite
            else f"notified of new events, and looking every {self.interval:g} s regardless"
        )
        return f"following {store.display} from event {self.position}: {how}; stop with Ctrl-C or SIGTERM"

    def follow_once(self) -> None:
        """One wait and the catch-up after it, or one failed attempt and the pause before the next."""
        try:
            self.waiter.wait(self.interval, self.stop)
            self.catch_up()
        except Exception as error:
            if not unreachable(error):
                raise
            self.forget_connections()
            self.lost(error)
            return
        if self.down:
            self.down, self.retry = False, FIRST_RETRY
            self.say(f"dealflow: the store {self.projections.app.store.display} answers again; following")

    def catch_up(self) -> None:
        """Catch up until a catch-up finds nothing new, so that nothing is left for the next wake-up."""
        while not self.stop.requested:
            read = self.projections.catch_up(stopping=lambda: self.stop.requested)
            if read == 0:
                return
            self.position = lowest_position(self.projections)
            if not self.quiet:
                self.say(f"caught up to event {self.position} (+{read})")

    def forget_connections(self) -> None:
        """Close the listening connection and the projections' pooled ones: after a failure they may be
        dead, and a dead one handed out again would fail the first attempt after the store is back."""
        self.waiter.close()
        self.projections.engine.dispose()

    def lost(self, error: BaseException) -> None:
        """Say once that the store cannot be reached, then pause a little longer after each failure."""
        if not self.down:
            self.down = True
            store = self.projections.app.store
            self.say(
                f"dealflow: cannot reach the store {store.display}: {describe(error)}; "
                f"trying again every {LAST_RETRY:g} s at most until it answers"
            )
        self.stop.sleep(self.retry)
        self.retry = min(self.retry * 2, LAST_RETRY)

    def stopped_at(self) -> int:
        """Where the projections stand now (another process may have moved them); the last position
        seen when the store cannot be reached."""
        try:
            return lowest_position(self.projections)
        except Exception as error:
            if not unreachable(error):
                raise
            return self.position
