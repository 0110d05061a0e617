"""Write a file whole or not at all: into a temporary file beside it, renamed on success."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dealflow.aggregates.errors import InvalidInput


def check_writable(target: Path) -> Path:
    """`target`'s folder, which must exist and take new files; `target` must not be a folder."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InvalidInput(f"cannot write {target}: it is a folder; give a file name, e.g. {target / 'export.xlsx'}")
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {target}: folder {folder} does not exist; create it or choose another -o")
    if not os.access(folder, os.W_OK):
        raise InvalidInput(f"cannot write {target}: folder {folder} is not writable; choose another -o path")
    return folder


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path in the target's folder; becomes `target` only if the block succeeds."""
    folder = check_writable(target)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # as any new file (mkstemp makes it owner-only)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back (one thread)
    os.umask(mask)
    return mask
