"""Write a file whole or not at all: into a temporary file beside it, renamed on success."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dealflow.aggregates.errors import InvalidInput

if TYPE_CHECKING:
    from dealflow.storage.store import Store


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


def refuse_store(path: Path, store: Store, *, given: Path, option: str = "-o") -> None:
    """`path`, written for `option given`, must be neither the store nor a file SQLite keeps beside it,
    whatever it is called: by name through any symbolic link, or (a hard link) by inode."""
    for kept, suffix in store.files.items():
        if _same(path, kept):
            what = f"the store's {suffix} file" if suffix else "the store itself"
            if path == given:
                raise InvalidInput(f"{option} {given} is {what}: choose another file")
            raise InvalidInput(f"{option} {given} would write {path}, which is {what}: choose another {option}")


def refuse_store_stream(stream: IO[Any], store: Store) -> None:
    """Standard output must not be redirected into the store (`>> book.db`)."""
    try:
        out = os.fstat(stream.fileno())
    except (OSError, ValueError):  # no file behind it (a test runner's capture) or closed
        return
    for kept in store.files:
        with contextlib.suppress(OSError):
            if os.path.samestat(out, os.stat(kept)):
                raise InvalidInput(f"standard output goes into the store {store.file}: redirect it to another file")


def _same(path: Path, kept: Path) -> bool:
    try:
        return path.resolve() == kept.resolve() or os.path.samefile(path, kept)
    except (OSError, RuntimeError):  # one of them does not exist, or is a loop of links: not the same file
        return False


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
