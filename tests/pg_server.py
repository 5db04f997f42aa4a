"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl start`` on a temporary directory and a free
loopback port, once per session, stopped at the end. Each test gets a fresh database from ``new_database()``.

The server binaries come from ``pg_config --bindir``, /usr/lib/postgresql/*/bin or PATH (Debian:
``apt-get install -y postgresql-15``). ``initdb`` refuses to run as root, so under root the server runs as the
unprivileged ``nobody`` user (through ``runuser``) and the temporary directory is handed to it.
Durability is switched off (fsync, synchronous_commit, full_page_writes): the data is thrown away anyway.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

INSTALL = "apt-get install -y postgresql-15"


def bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres; fails with the install line when there is none."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(Path(out))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    raise RuntimeError(f"the PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with "
                       f"`{INSTALL}` (Debian) or put their folder on PATH")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1; ``url(db)`` names a database on it."""

    def __init__(self, root: Path) -> None:
        self.bin, self.root = bindir(), root
        self.data, self.port, self.user = root / "data", free_port(), "newsgraph"
        self._as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
            self._as = ["runuser", "-u", "nobody", "--"]
        self._ids = itertools.count(1)

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "--no-sync",
                  "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                  "-t", "60", "-o", opts, "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._ids)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')  # a name made here, not input: identifiers cannot be parameters
        return self.url(name)


@contextmanager
def throwaway_server(prefix: str = "newsgraph-pg-") -> Iterator[PgServer]:
    """A PostgreSQL server in a temporary folder, stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    server = PgServer(root)
    try:
        server.start()
        try:
            yield server
        finally:  # stopped also when the body fails, before its folder goes
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with throwaway_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty database on the session's server."""
    return pg_server.new_database()
