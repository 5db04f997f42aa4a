"""``newsgraph analyze`` through the real CLI (in-process with typer's runner, and as a subprocess for the
progress bar and a 1,000-page directory) and through ``newsgraph.analyze_paths``: formats, stdin, bad inputs,
exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsgraph import AnalyzeOptions, Article, InputError, analyze_paths
from newsgraph.cli import app, exit_code
from newsgraph.understand.layout import parse_layout

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PAGES = ROOT / "tests" / "fixtures" / "pages"
BAD = ROOT / "tests" / "fixtures" / "bad"
NEWSGRAPH = [sys.executable, "-m", "newsgraph"]  # the installed command, without depending on PATH
EXAMPLE_SOURCES = sorted([*(str(p) for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".html")),
                          *(f"{EXAMPLES / '10-feed.jsonl'}:{n}" for n in (1, 2, 3))])
runner = CliRunner()

CP1252_PAGE = ("Ministers agree \u201cfragile\u201d deal on fishing quotas\n\n"
               "BRUSSELS \u2014 European ministers agreed early on Wednesday on fishing quotas for next year after "
               "talks that ran through the night, in what one of them called a \u201cfragile but fair\u201d "
               "compromise worth about \u20ac2 billion to the fleets.\n\n"
               "\u201cNobody got everything they wanted, and that\u2019s how you know it\u2019s a deal,\u201d "
               "said the fisheries minister of the country holding the rotating presidency.\n")


def _run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, ["analyze", *args], input=stdin)


def _bad_inputs(tmp: Path) -> dict[str, str]:
    """Bad inputs, written into ``tmp``: source -> a word its error must hold."""
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with (tmp / "huge.txt").open("wb") as f:  # 50 MB, over the 20 MB default limit
        f.write(b"All work and no play. " * (50_000_000 // 22))
    return {
        str(tmp / "empty.txt"): "empty input",
        str(tmp / "binary.txt"): "binary data",
        str(tmp / "huge.txt"): "too large",
        str(BAD / "no-article.html"): "no article",
        str(BAD / "listing.txt"): "no article",
        str(BAD / "german.txt"): "language 'de' is not analysed",
        str(BAD / "spanish.txt"): "language 'es' is not analysed",
        str(tmp / "missing.txt"): "no such file",
    }


def test_exit_codes() -> None:
    assert (exit_code(3, 0), exit_code(3, 1), exit_code(0, 2), exit_code(0, 0)) == (0, 1, 126, 0)


def test_examples_as_json() -> None:
    result = _run(str(EXAMPLES), "--no-nlp", "--format", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert sorted(r["source"] for r in records) == EXAMPLE_SOURCES  # README.md is not a page
    assert all(r["headline"] and len(r["paragraphs"]) >= 3 and r["language"] == "en" for r in records)
    by_source = {r["source"]: r for r in records}
    html = by_source[str(EXAMPLES / "03-israel-evacuation-order.html")]
    assert html["headline"] == "Israel tells a million Gaza residents to move south within 24 hours"
    assert html["authors"] == ["Daniel Ross"] and html["dateline"]["place"] == "Jerusalem"
    assert html["paragraphs"][0]["text"].startswith("Israel's military on Friday told")
    feed = by_source[f"{EXAMPLES / '10-feed.jsonl'}:1"]
    assert feed["url"] == "https://riverside-gazette.example/business/2023/10/20/port-strike"
    assert feed["published"] == "2023-10-20T08:00:00+01:00"
    assert by_source[f"{EXAMPLES / '10-feed.jsonl'}:2"]["published"] == "2023-10-14"
    assert "text" not in html


def test_jsonl_and_text_formats() -> None:
    files = [str(EXAMPLES / "01-putin-bishkek-wire.txt"), str(EXAMPLES / "10-feed.jsonl")]
    jsonl = _run(*files, "--no-nlp", "-f", "jsonl")
    assert jsonl.exit_code == 0
    lines = jsonl.stdout.splitlines()
    assert [json.loads(line)["source"] for line in lines] == [files[0], *(f"{files[1]}:{n}" for n in (1, 2, 3))]
    text = _run(*files, "--no-nlp", "-f", "text")
    assert text.exit_code == 0
    assert text.stdout.count("\n== ") + text.stdout.startswith("== ") == 4
    assert f"== {files[0]}\nheadline:   Putin warns Israel" in text.stdout
    assert "dateline:   Bishkek, Kyrgyzstan" in text.stdout and "authors:    Anna Petrova, Mark Delaney" in text.stdout


def test_stdin_is_read_with_dash(seed_text: str) -> None:
    result = _run("-", "--no-nlp", stdin=seed_text)
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["source"] == "-"
    assert record["headline"] == "Putin cautions Israel that ground attack on Gaza would be unacceptable"


def test_unknown_format_is_a_usage_error() -> None:
    assert _run(str(EXAMPLES), "--format", "xml").exit_code == 2


def test_bad_inputs_get_one_line_each_and_the_rest_go_on(tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    (tmp_path / "cp1252.txt").write_bytes(CP1252_PAGE.encode("cp1252"))
    good = [str(tmp_path / "cp1252.txt"), str(EXAMPLES / "07-berlin-marathon.txt")]
    result = _run(*bad, *good, "--no-nlp", "-f", "jsonl")
    assert result.exit_code == 1
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == good
    errors = result.stderr.splitlines()
    assert errors[-1] == f"2 analyzed, {len(bad)} failed"
    assert len(errors) == len(bad) + 1
    for source, reason in bad.items():
        [line] = [e for e in errors if e.startswith(f"error: {source}: ")]
        assert reason in line


def test_non_utf8_text_is_decoded_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.txt"
    path.write_bytes(CP1252_PAGE.encode("cp1252"))
    result = _run(str(path), "--no-nlp", "-f", "json")
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["headline"] == "Ministers agree \u201cfragile\u201d deal on fishing quotas"
    assert record["dateline"] == {"place": "Brussels", "country": "Belgium"}
    assert "\u20ac2 billion" in record["paragraphs"][0]["text"]
    assert record["paragraphs"][1]["text"].startswith("\u201cNobody got everything")


def test_all_inputs_bad_exits_126(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = _run(str(tmp_path / "empty.txt"), str(BAD / "german.txt"), "--no-nlp")
    assert result.exit_code == 126
    assert json.loads(result.stdout) == []
    assert result.stderr.splitlines()[-1] == "0 analyzed, 2 failed"


def test_analyze_paths_returns_errors_as_values(tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    good = str(EXAMPLES / "05-peskov-briefing.txt")
    items = list(analyze_paths([*bad, good], options=AnalyzeOptions(nlp=False)))
    errors = {i.source: i.reason for i in items if isinstance(i, InputError)}
    articles = [i for i in items if isinstance(i, Article)]
    assert errors.keys() == bad.keys()
    assert all(bad[source] in reason for source, reason in errors.items())
    assert [a.source for a in articles] == [good] and articles[0].headline is not None


def _generate_pages(folder: Path, count: int) -> None:
    """``count`` distinct pages made by varying the layout fixtures: a numbered headline, swapped paragraphs."""
    texts = [p.read_bytes().decode("utf-8") for p in sorted(PAGES.iterdir())]
    templates = [(t, parse_layout(t).headline) for t in texts]
    folder.mkdir()
    for i in range(count):
        text, headline = templates[i % len(templates)]
        assert headline is not None
        text = f"{text[:headline.end]} ({i}){text[headline.end:]}"
        paras = text.split("\n\n")
        if len(paras) > 5 and i % 3 == 0:
            paras[-1], paras[-2] = paras[-2], paras[-1]
        (folder / f"page-{i:04d}.txt").write_bytes("\n\n".join(paras).encode("utf-8"))


def test_a_thousand_pages_in_one_process_with_a_progress_bar(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    _generate_pages(folder, 1000)
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TERM": "xterm", "COLUMNS": "100"}  # a terminal, as Rich sees it
    proc = subprocess.run([*NEWSGRAPH, "analyze", str(folder), "--no-nlp", "-f", "jsonl"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 1000
    assert sorted(r["source"] for r in records) == sorted(str(p) for p in folder.iterdir())
    assert len({r["headline"] for r in records}) == 1000
    assert "analyzing" in proc.stderr and "1000/1000" in proc.stderr  # the bar, drawn on stderr only


def test_quiet_draws_no_bar_even_on_a_terminal() -> None:
    pages = [str(p) for p in sorted(PAGES.iterdir())[:3]]
    terminal = {"TTY_COMPATIBLE": "1", "TERM": "xterm"}
    loud = runner.invoke(app, ["analyze", *pages, "--no-nlp"], env=terminal)
    quiet = runner.invoke(app, ["analyze", *pages, "--no-nlp", "--quiet"], env=terminal)
    assert loud.exit_code == quiet.exit_code == 0
    assert loud.stderr != "" and quiet.stderr == ""  # the bar's terminal codes, or nothing at all
    assert [r["source"] for r in json.loads(quiet.stdout)] == pages == [r["source"] for r in json.loads(loud.stdout)]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "text"])
def test_sources_are_named_as_given(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = _run("examples/07-berlin-marathon.txt", "./examples/09-comet-sample.txt", "--no-nlp", "-f", fmt)
    assert result.exit_code == 0
    for source in ("examples/07-berlin-marathon.txt", "./examples/09-comet-sample.txt"):
        assert (f'"source": "{source}"' if fmt != "text" else f"== {source}\n") in result.stdout
