"""PostgreSQL restarted while an ingest writes to it: the store reconnects with a bounded backoff, replays the
transaction it lost, and the run finishes with exactly the rows of a clean run.

The restart needs a server of its own (the session's server is shared by the other tests), on a fixed port so
the ingest's URL stays valid across the restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_gen import synthetic
from pg_server import PgServer, throwaway_server
from test_ingest import RUN, write_jsonl
from test_ingest_postgres import _count, pg_dump

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for one test, which the test may stop and start again."""
    with throwaway_server("newsgraph-pg-restart-") as server:
        yield server


def _pg_ctl(server: PgServer, action: str) -> None:
    """Stop (fast: every session is ended) or start the server again with the options of its first start."""
    opts = (f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={server.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
    extra = ["-m", "fast"] if action == "stop" else ["-l", str(server.root / "server.log"), "-o", opts]
    server._run(str(server.bin / "pg_ctl"), "-D", str(server.data), "-w", "-t", "60", *extra, action)


def test_ingest_survives_a_server_restart_with_exactly_the_rows_of_a_clean_run(
        tmp_path: Path, own_pg_server: PgServer, pg_server: PgServer) -> None:
    n = 200
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic(n, seed=23))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    url = own_pg_server.new_database()
    proc = subprocess.Popen([sys.executable, "-c", RUN, url, str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _count(url) < 30 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the ingest ended before the restart: " + proc.communicate()[1][-2000:]
        # fast shutdown ends every session (the ingest's connection gets AdminShutdown); a pause while the
        # server is down makes the client meet refused connections as well
        before_stop = _count(url)
        _pg_ctl(own_pg_server, "stop")
        time.sleep(1.5)
        running = proc.poll() is None
        _pg_ctl(own_pg_server, "start")
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert 30 <= before_stop < n, f"not stopped mid-ingest ({before_stop} of {n} articles stored)"
    assert running and proc.returncode == 0, "the ingest died with the server: " + err[-3000:]
    assert out.split() == [str(n), "0", "0"], (out, err[-2000:])
    clean_url = pg_server.new_database()
    subprocess.run([sys.executable, "-c", RUN, clean_url, str(corpus)], env=env, capture_output=True, check=True)
    restarted, clean = pg_dump(url), pg_dump(clean_url)
    assert len(clean["articles"]) == n
    for table in clean:
        assert restarted[table] == clean[table], f"table {table} differs after the restart"

