"""The dealflow application: commands in, deal ids and deals out (`DealflowApp`).

`base` opens the store and saves, `queries` answers, `commands` decides and records, `retry` runs
a command again when its save loses a race."""

from dealflow.application.commands import SNAPSHOT_EVERY, DealflowApp
from dealflow.application.retry import RACE_ATTEMPTS, retried

__all__ = ["RACE_ATTEMPTS", "SNAPSHOT_EVERY", "DealflowApp", "retried"]
