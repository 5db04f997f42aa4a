"""Reading inputs: bytes -> text (any common encoding), files, directories, stdin, JSON and JSONL records; each
bad input becomes one ``InputError`` that names it and says why."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from newsgraph.errors import InputError
from newsgraph.read import decode_bytes, detect_kind, expand_paths, read_path, read_sources

ARTICLE = ("Officials said the \u201cdeal\u201d was \u2013 in their words \u2013 a caf\u00e9 compromise that "
           "would cost \u20ac5 billion. \u201cWe\u2019re happy,\u201d the minister said.")


def _errors(path: str, max_bytes: int = 1_000_000) -> list[str]:
    return [r.error.reason for r in read_path(path, max_bytes=max_bytes) if r.error is not None]


@pytest.mark.parametrize(("text", "encoding"), [
    (ARTICLE, "utf-8"),
    (ARTICLE, "cp1252"),
    ("Jos\u00e9 Pe\u00f1a dijo en S\u00e3o Paulo que la econom\u00eda crecer\u00e1 este a\u00f1o.", "latin-1"),
    ("Ministerpr\u00e4sident M\u00fcller sagte, die Verhandlungen seien schwierig gewesen.", "cp1252"),
    ("\u041c\u043e\u0441\u043a\u0432\u0430 \u0437\u0430\u044f\u0432\u0438\u043b\u0430, \u0447\u0442\u043e "
     "\u043f\u0435\u0440\u0435\u0433\u043e\u0432\u043e\u0440\u044b \u043f\u0440\u043e\u0434\u043e\u043b\u0436"
     "\u0430\u0442\u0441\u044f \u043d\u0430 \u0441\u043b\u0435\u0434\u0443\u044e\u0449\u0435\u0439 "
     "\u043d\u0435\u0434\u0435\u043b\u0435.", "cp1251"),
    (ARTICLE, "utf-16"),
])
def test_decodes_common_encodings(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding), "page.txt") == text


def test_utf8_byte_order_mark_is_dropped() -> None:
    assert decode_bytes(b"\xef\xbb\xbf" + ARTICLE.encode(), "x") == ARTICLE


def test_declared_latin1_is_read_as_windows_1252() -> None:
    html = b'<html><head><meta charset="iso-8859-1"></head><body><p>\x93Quoted\x94 caf\xe9</p></body></html>'
    assert "\u201cQuoted\u201d caf\u00e9" in decode_bytes(html, "page.html")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty input"),
    (b"  \n\t\r\n ", "empty input"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary data"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(200), "binary data"),
])
def test_refuses_what_is_not_text(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        decode_bytes(data, "in.bin")
    assert info.value.source == "in.bin" and info.value.reason.startswith(reason)
    assert str(info.value).startswith("in.bin: ")


@pytest.mark.parametrize(("text", "kind"), [
    ("<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html"),
    ("<!-- saved page -->\n<html lang='en'><p>x</p></html>", "html"),
    ("<div><p>One</p><p>Two</p><p>Three</p><p>Four</p></div>", "html"),
    ("Headline\n\nLONDON: A page that mentions a <p> tag once is still text.", "text"),
])
def test_kind_comes_from_the_content(text: str, kind: str) -> None:
    assert detect_kind(text) == kind


def test_directories_are_walked_in_order_skipping_hidden_and_non_pages(tmp_path: Path) -> None:
    names = ["b.txt", "a.html", "sub/c.jsonl", "README.md", "photo.png", ".hidden.txt", ".git/x.txt", "d",
             "feed.xml", "crawl.warc.gz"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in expand_paths([str(tmp_path)])]
    assert found == ["a.html", "b.txt", "crawl.warc.gz", "d", "feed.xml", "sub/c.jsonl"]
    explicit = str(tmp_path / "README.md")
    assert list(expand_paths([explicit, "-"])) == [explicit, "-"]


def test_missing_file_and_too_large_file(tmp_path: Path) -> None:
    assert _errors(str(tmp_path / "nope.txt")) == ["no such file or directory"]
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 1000)
    [reason] = _errors(str(big), max_bytes=1000)
    assert reason.startswith("too large") and "--max-bytes" in reason


def test_jsonl_records_are_named_by_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "Headline\n\nBody.", "url": "https://a.example/1", "published": "2023-10-13"}),
        "",
        json.dumps({"html": "<html><body><p>Hi</p></body></html>", "url": "https://a.example/2"}),
        "{not json",
        json.dumps({"title": "no body"}),
        json.dumps(["a list"]),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    results = list(read_path(str(path), max_bytes=10_000))
    assert [r.source for r in results] == [f"{path}:{n}" for n in (1, 3, 4, 5, 6)]
    first, second = results[0].document, results[1].document
    assert first is not None and (first.kind, first.url, first.published) == ("text", "https://a.example/1",
                                                                               "2023-10-13")
    assert second is not None and second.kind == "html"
    reasons = [r.error.reason for r in results[2:] if r.error]
    assert reasons[0].startswith("invalid JSON line") and "column" in reasons[0]
    assert reasons[1] == "JSON record has no 'text' or 'html' string"
    assert reasons[2].startswith("a JSON record must be an object")


def test_json_array_and_single_object(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(json.dumps([{"text": "one"}, {"text": "two"}]))
    assert [r.source for r in read_path(str(array), max_bytes=10_000)] == [f"{array}#1", f"{array}#2"]
    single = tmp_path / "s.json"
    single.write_text(json.dumps({"text": "one", "date": "2024-01-02"}))
    [result] = read_path(str(single), max_bytes=10_000)
    assert result.source == str(single) and result.document is not None
    assert result.document.published == "2024-01-02"
    broken = tmp_path / "b.json"
    broken.write_text('[{"text": "one"},')
    [bad] = read_path(str(broken), max_bytes=10_000)
    assert bad.error is not None and bad.error.reason.startswith("invalid JSON")


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode("cp1252"))))
    [result] = read_path("-", max_bytes=10_000)
    assert result.source == "-" and result.document is not None and result.document.content == ARTICLE


def test_one_bad_input_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "1-empty.txt").write_bytes(b"")
    (tmp_path / "2-good.txt").write_text("Headline\n\nBody text.", encoding="utf-8")
    (tmp_path / "3-binary.txt").write_bytes(bytes(range(256)))
    results = list(read_sources([str(tmp_path)], max_bytes=10_000))
    assert [(Path(r.source).name, r.document is not None) for r in results] == [
        ("1-empty.txt", False), ("2-good.txt", True), ("3-binary.txt", False)]


def test_a_directory_with_no_pages_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("not a page")
    [result] = read_sources([str(tmp_path)], max_bytes=10_000)
    assert result.source == str(tmp_path) and result.error is not None
    assert result.error.reason.startswith("no pages in this directory")
