"""Shared test fixtures. The evaluation data and the seed page live in the workplace's ``shared/`` folder,
beside the checkout; NEWSGRAPH_SHARED names it explicitly."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsgraph.evaluate.data import shared_root
from pg_server import pg_server, pg_url  # noqa: F401  (fixtures: a real PostgreSQL server)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_dir() -> Path:
    return shared_root("seed")


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def scrapinghub_html(shared: Path) -> list[str]:
    """The HTML of the ScrapingHub article-extraction pages, in the order of their ids."""
    root = shared / "data" / "extraction" / "scrapinghub-article-extraction-benchmark" / "html"
    return [gzip.decompress(p.read_bytes()).decode("utf-8") for p in sorted(root.glob("*.html.gz"))]


@pytest.fixture(scope="session")
def seed_text(shared: Path) -> str:
    return (shared / "seed" / "putin-gaza-2023-10-13.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A local Ray instance for one test module (2 CPUs, loopback only), shut down after it."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'newsgraph[ray]'")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield ray
    ray.shutdown()
