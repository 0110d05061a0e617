"""A PostgreSQL server of the tests' own, to stop and start at will (never the shared one).

`temporary_cluster()` runs initdb into a fresh temporary folder, starts the server with pg_ctl on a
free port of 127.0.0.1 (its unix socket in that folder) and removes it all at the end. Local (unix
socket) connections are trusted, for the tests' own admin connection; TCP connections need the
password of the role `dealer`, so that the URLs the CLI is given carry a password the server checks.
The binaries are found at run time: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
Run as root, the server runs as the `postgres` OS user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import psycopg

USER = "dealer"
PASSWORD = "S3cretPw"
DATABASE = "dealflow"
SERVER_USER = "postgres"  # the OS user that runs the server when the tests run as root
NO_BINARIES = "no initdb and pg_ctl in `pg_config --bindir`, /usr/lib/postgresql/*/bin or on the PATH"
# the admin connection through the unix socket is trusted; the CLI's, over TCP, must give the password
INITDB_OPTIONS = ("-E", "UTF8", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256")
TIMEOUT = 120  # seconds for initdb and for the server to start or stop, on a busy machine


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are, or None."""
    found = shutil.which("pg_config")
    if found:
        result = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and (bindir / "initdb").exists():
            return bindir
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major_version(initdb: str) -> int:
    version = Path(initdb).parent.parent.name
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    bindir: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, schema: str | None = None) -> str:
        query = f"?schema={schema}" if schema else ""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}{query}"

    def fresh_url(self) -> str:
        """The URL of a new schema of the `dealer` role: a store of one test's own."""
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as admin:
            admin.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION {USER}')
        return self.url(schema)

    def admin(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        """A superuser connection through the unix socket (trusted): the tests' own, never the CLI's."""
        import psycopg

        return psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname=DATABASE, autocommit=autocommit
        )

    def start(self) -> None:
        # fsync off: the tests stop the server, never the machine, so what it wrote survives without it
        options = f"-p {self.port} -k {shlex.quote(str(self.folder))} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "immediate") -> None:
        self._pg_ctl("stop", "-m", mode)

    def is_running(self) -> bool:
        return self.tool(self.bindir / "pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def _pg_ctl(self, *args: str) -> None:
        command, *rest = args
        self.tool(self.bindir / "pg_ctl", command, "-D", str(self.data), "-w", "-t", str(TIMEOUT), *rest)

    def tool(self, program: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = _as_server_user([str(program), *args])
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT + 30, check=False)
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program.name} {' '.join(args)} failed: {result.stderr.strip()}\n{log}")
        return result


def _as_server_user(command: list[str]) -> list[str]:
    """The command, run as the server's OS user when the tests run as root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVER_USER, "--", *command]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def require_bindir() -> Path:
    """The binaries, or a skip (no server for the tests at all) or a failure (PostgreSQL tests asked for)."""
    bindir = postgres_bindir()
    if bindir is None:
        _cannot(f"there are {NO_BINARIES}")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            _cannot(f"run as root, they need the OS user {SERVER_USER!r} to run the server, and there is none")
    return bindir


def _cannot(why: str) -> NoReturn:
    if os.environ.get("DEALFLOW_TEST_POSTGRES_URL"):
        pytest.fail(f"DEALFLOW_TEST_POSTGRES_URL is set, so the PostgreSQL tests must run, but {why}")
    pytest.skip(f"the tests that stop a PostgreSQL server of their own cannot make one: {why}")


@contextmanager
def temporary_cluster() -> Iterator[Cluster]:
    """A running server in a temporary folder, stopped and removed at the end."""
    bindir = require_bindir()
    folder = Path(tempfile.mkdtemp(prefix="dealflow-pg-"))  # short: a unix socket's path is at most 107 bytes
    try:
        if os.geteuid() == 0:
            server = pwd.getpwnam(SERVER_USER)
            os.chown(folder, server.pw_uid, server.pw_gid)
        cluster = Cluster(bindir, folder, free_port())
        _initdb(cluster)
        cluster.start()
        try:
            _create_role_and_database(cluster)
            yield cluster
        finally:
            if cluster.is_running():
                cluster.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _initdb(cluster: Cluster) -> None:
    cluster.tool(cluster.bindir / "initdb", "-D", str(cluster.data), "-U", "postgres", *INITDB_OPTIONS)


def _create_role_and_database(cluster: Cluster) -> None:
    import psycopg

    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            admin = psycopg.connect(host=str(cluster.folder), port=cluster.port, user="postgres", dbname="postgres")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with admin:
        admin.autocommit = True
        admin.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        admin.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")
