"""Load test of the web reader: many concurrent connections on loopback, bounded in time.

    .venv/bin/python benchmarks/load.py [--db PATH] [--connections 200] [--seconds 60] [--workers 2] [--threads 2]
                                        [--postgres]

Serves a corpus (``--db``; else one built from ``examples/`` with every language stage) with uvicorn on a free
127.0.0.1 port and runs ``wrk`` (Debian package ``wrk``) against it: ``--connections`` keep-alive connections for
``--seconds`` seconds over a fixed mix of pages (home, article, search, speaker, and the JSON API for each),
cycled in order. Prints requests/s, p50/p95/p99 latency and the non-2xx and socket error counts.

``--workers 1`` runs the server as ``newsgraph serve`` does (one uvicorn process); more workers run uvicorn's
``--workers`` with ``app_from_env`` below as the app factory (each worker opens the same SQLite file read-only).
``--postgres`` serves the same corpus from PostgreSQL instead: copied row for row into a throwaway server (as the
tests do), each worker reading through its own pool of connections.
There is no peer here: the figures are an absolute capacity check (no errors, bounded tail latency), not a speed
comparison. Only the loopback interface is used, and wrk stops after ``--seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
DB_ENV = "NEWSGRAPH_LOAD_DB"
# wrk's Lua hooks: cycle through the paths; print the percentiles at the end (wrk's --latency table has no p95).
# summary.errors.status counts the responses that are not 2xx or 3xx.
LUA = """
local paths, i = {%s}, 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d seconds=%%.3f p50=%%d p95=%%d p99=%%d max=%%d connect=%%d read=%%d "
    .. "write=%%d timeout=%%d status=%%d\\n", summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def app_from_env() -> object:
    """The app for uvicorn's ``--factory`` (each worker process calls it): the corpus named by $NEWSGRAPH_LOAD_DB."""
    from newsgraph.serve.app import create_app

    return create_app(os.environ[DB_ENV])


def build(db: Path) -> None:
    from newsgraph.ingest import ingest
    from newsgraph.store import open_store

    store = open_store(db)
    try:
        report = ingest([str(ROOT / "examples")], store)
    finally:
        store.close()
    print(f"built {db}: {report.ingested} articles from examples/", file=sys.stderr)


def paths(db: Path) -> list[str]:
    """The request mix: each page kind over several articles, speakers and queries, as HTML and as JSON."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM articles ORDER BY seq LIMIT 8")]
        names = [r[0] for r in con.execute("SELECT name FROM speakers ORDER BY id LIMIT 4")]
        words = [r[0] for r in con.execute("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 4")]
    out = ["/", "/api/home"]
    out += [p for i in ids for p in (f"/article/{i}", f"/api/articles/{i}")]
    out += [p for n in names for p in (f"/speaker/{quote(n)}", f"/api/speakers/{quote(n)}")]
    out += [p for w in [*words, "strike", "gaza"] for p in (f"/search?q={quote(w)}", f"/api/search?q={quote(w)}")]
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path | str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, DB_ENV: str(db), "PYTHONPATH": str(ROOT / "src")}
    if workers == 1:
        cmd = [sys.executable, "-m", "newsgraph", "serve", "--db", str(db), "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "benchmarks"), "--factory", "load:app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError as exc:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}) before listening") from exc
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not listen within 60 s")


def check_paths(port: int, mix: list[str]) -> None:
    """Every path answers 200 before the load (a 404 in the mix would count as errors, not as load)."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        bad = [(p, r.status_code) for p in mix if (r := client.get(p)).status_code != 200]
    if bad:
        raise SystemExit(f"these paths do not answer 200: {bad}")


def run_wrk(port: int, mix: list[str], connections: int, seconds: int, threads: int) -> dict[str, float]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA % ", ".join(f'"{p}"' for p in mix))
    try:
        done = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                               "-s", fh.name, f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                              timeout=seconds + 60, check=True)
    finally:
        os.unlink(fh.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="corpus SQLite file (default: built from examples/)")
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--postgres", action="store_true", help="serve the corpus from PostgreSQL (a throwaway server)")
    args = ap.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp(prefix="newsgraph-load-")) / "examples.db"
        build(db)
    mix = paths(db)
    port = free_port()
    with contextlib.ExitStack() as stack:
        store: Path | str = db
        if args.postgres:
            sys.path.insert(0, str(ROOT / "tests"))
            from web_support import postgres_copy

            store = stack.enter_context(postgres_copy(db))
        server = start_server(store, port, args.workers)
        try:
            check_paths(port, mix)
            r = run_wrk(port, mix, args.connections, args.seconds, args.threads)
        finally:
            server.terminate()
            server.wait(timeout=30)
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"server: uvicorn, {args.workers} worker(s), {backend}; wrk: {args.threads} threads, "
          f"{args.connections} connections, "
          f"{args.seconds} s, {len(mix)} paths (home, article, search, speaker; HTML and /api)")
    print(f"requests/s  {r['requests'] / r['seconds']:.0f}   ({r['requests']:.0f} requests)")
    print(f"latency ms  p50 {r['p50'] / 1e3:.1f}   p95 {r['p95'] / 1e3:.1f}   p99 {r['p99'] / 1e3:.1f}   "
          f"max {r['max'] / 1e3:.1f}")
    print(f"non-2xx     {r['status']:.0f}   socket errors {errors:.0f} (connect {r['connect']:.0f}, "
          f"read {r['read']:.0f}, write {r['write']:.0f}, timeout {r['timeout']:.0f})")


if __name__ == "__main__":
    main()
