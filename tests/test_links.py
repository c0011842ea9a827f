"""Offline link check over the built book: every internal link and anchor resolves.

Every ``href``/``src`` (and a redirect page's target) in every page of ``_build/html`` that
points inside the book must name an existing file, and a ``#fragment`` must be an ``id`` (or
``name``) in the page it points at. External links are listed, never fetched.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("id", "name"):
            if attributes.get(name):
                self.ids.add(attributes[name])
        for name in LINK_ATTRIBUTES & attributes.keys():
            if attributes[name] is not None:
                self.links.append(attributes[name])
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            target = re.search(r"url=(.+)", attributes.get("content") or "", flags=re.I)
            if target:
                self.links.append(target.group(1).strip())


def parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def check_links(html_dir: Path) -> tuple[list[str], dict[str, int]]:
    """Return (problems, counts) for every page of `html_dir` but the theme's own fragments."""
    pages = {p.relative_to(html_dir).as_posix(): parse(p) for p in sorted(html_dir.rglob("*.html"))
             if not p.relative_to(html_dir).parts[0] == "_static"}
    problems = []
    counts = {"pages": len(pages), "internal": 0, "anchors": 0, "external": 0}
    for name, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                counts["external"] += 1
                continue
            path = unquote(parts.path)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), path)) if path else name
            if path.endswith("/"):
                target = posixpath.join(target, "index.html")
            if target.startswith("../") or target == "..":
                problems.append(f"{name}: {link} leaves the book")
                continue
            counts["internal"] += 1
            if not (html_dir / target).is_file():
                problems.append(f"{name}: {link} -> missing file {target}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.endswith(".html"):
                counts["anchors"] += 1
                ids = pages[target].ids if target in pages else parse(html_dir / target).ids
                if fragment not in ids:
                    problems.append(f"{name}: {link} -> no id {fragment!r} in {target}")
    return problems, counts


def test_every_internal_link_and_anchor_resolves(student_book):
    problems, counts = check_links(student_book)
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems)
    # The check saw a real book: pages, links between them and anchors inside them.
    assert counts["pages"] >= 5 and counts["internal"] > 100 and counts["anchors"] > 10, counts


def test_the_checker_finds_a_missing_file_a_missing_anchor_and_a_bad_redirect(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=gone.html" />')
    (tmp_path / "a.html").write_text(
        '<h1 id="top">A</h1><a href="#top">ok</a> <a href="sub/b.html#here">ok</a> <a href="#nowhere">bad</a>'
        ' <img src="img.png"> <a href="https://example.org/x">external</a> <a href="../../etc/passwd">out</a>')
    (tmp_path / "sub" / "b.html").write_text('<p id="here"></p><a href="../a.html#top?">bad</a><a href="../a.html?v=1">ok</a>')
    problems, counts = check_links(tmp_path)
    assert len(problems) == 5, problems
    assert {p.split(":")[0] for p in problems} == {"index.html", "a.html", "sub/b.html"}
    assert counts["external"] == 1
