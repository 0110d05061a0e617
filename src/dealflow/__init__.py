"""dealflow: run B2B deals by a disciplined sales method, with an audited history."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dealflow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
