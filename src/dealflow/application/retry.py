"""A lost race is retried here, not by the user: a command judged again on the deal as it now stands."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from dealflow.aggregates.errors import ConcurrentChange

LOST_RACE = "this deal was changed by someone else while you were recording: run the command again"
MANY_OPENED = "too many deals are being opened at once: run the command again"

# Measured with eight processes saving notes on one deal in a tight loop (a far harsher race than
# people at terminals: bench/bench_concurrency.py), on two loaded CPUs: 8 attempts pausing 5 ms
# doubling to 160 ms still lost 20 % of the notes on PostgreSQL (82 % without retrying); 10 attempts
# pausing 10 ms doubling to 320 ms lost 2-7 %, and at most about 1.6 s of pauses before giving up.
RACE_ATTEMPTS = 10
RACE_BACKOFF = 0.01  # seconds before the second attempt; doubled before each next one, up to the cap
RACE_BACKOFF_CAP = 0.32

Params = ParamSpec("Params")
Result = TypeVar("Result")


def retried(command: Callable[Params, Result]) -> Callable[Params, Result]:
    """Run a command (load, decide, save) again from a fresh load while its save loses a race
    (ConcurrentChange), up to RACE_ATTEMPTS times, after a jittered, doubling pause: what the user
    would do on being told to run it again, and as safe, since every attempt is judged anew against
    the deal as it now stands. So a refusal raised by an attempt is the fresh state's, and is final;
    only the last attempt's lost race reaches the user. Each attempt loads afresh, never reusing what
    a lost attempt loaded: a failed save has already collected that aggregate's pending events. The
    first attempt pays nothing extra: no pause, no read."""

    @functools.wraps(command)
    def attempts(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        for attempt in range(RACE_ATTEMPTS - 1):
            try:
                return command(*args, **kwargs)
            except ConcurrentChange:
                # jittered, so that writers who lost to each other do not meet again at the same moment
                time.sleep(min(RACE_BACKOFF_CAP, RACE_BACKOFF * 2**attempt) * random.uniform(0.5, 1.5))
        return command(*args, **kwargs)

    return attempts
