"""CI accuracy gate of the HTML path: newsgraph's own figures on the public extraction corpora must stay at or
above the floors pinned in benchmarks/extraction_floors.json (measured figures minus a noise margin).

Corpora (full sets, read from shared/data/extraction): ScrapingHub article-extraction-benchmark (181 pages,
shingle F1), Fundus evaluation (80 English articles, ROUGE-LSum), htmldate evaluation sets (995 dated pages,
day accuracy). The peers are not run here (benchmarks/extraction.py compares against them). After an
intended change: ``.venv/bin/python benchmarks/extraction.py --write-floors`` (``--allow-lower`` to lower one).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _systems  # noqa: E402

FLOORS = json.loads((BENCHMARKS / "extraction_floors.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def figures(shared: Path) -> dict[str, float]:
    return _systems.newsgraph_figures(shared)


def test_floors_file_covers_every_figure_with_its_margin() -> None:
    assert set(FLOORS["floors"]) == set(_systems.FIGURES)
    for name, floor in FLOORS["floors"].items():
        assert floor == pytest.approx(FLOORS["measured"][name] - FLOORS["margins"][name], abs=1e-3)


@pytest.mark.parametrize("corpus", sorted(_systems.CORPORA))
def test_corpus_is_the_one_the_floors_were_measured_on(shared: Path, corpus: str) -> None:
    from _metrics import corpus_hash

    found = corpus_hash(shared / _systems.CORPORA[corpus])
    assert found == FLOORS["corpus_sha256"][corpus], (
        f"the {corpus} corpus under {shared / _systems.CORPORA[corpus]} changed (sha256 {found}); re-measure "
        "with `.venv/bin/python benchmarks/extraction.py --write-floors` and commit the new floors")


@pytest.mark.parametrize("figure", _systems.FIGURES)
def test_figure_is_at_or_above_its_floor(figures: dict[str, float], figure: str) -> None:
    floor = FLOORS["floors"][figure]
    assert figures[figure] >= floor, (
        f"{figure} fell to {figures[figure]:.4f}, below its floor {floor} (measured {FLOORS['measured'][figure]} "
        "when pinned): an extraction regression; see `.venv/bin/python benchmarks/extraction.py --dump out.json`")
