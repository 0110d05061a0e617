"""dealflow: run B2B deals by a disciplined sales method, with an audited history."""

__version__ = "0.1.0"  # read by the build (pyproject: dynamic version), so start-up never reads metadata
