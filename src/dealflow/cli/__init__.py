"""The click command line: the only layer that imports click; errors are converted here."""
