"""The book builds cleanly (from scratch, warnings as errors) and its pages are complete."""

from __future__ import annotations

import re

from conftest import REPO


def chapter_pages(html_dir):
    return sorted((html_dir / "chapters").glob("*.html"))


def test_every_chapter_has_a_page(student_book):
    pages = {p.stem for p in chapter_pages(student_book)}
    assert pages == {p.stem for p in (REPO / "chapters").glob("*.ipynb")}


def test_math_is_served_with_the_book_not_from_a_cdn(student_book):
    for page in chapter_pages(student_book):
        html = page.read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', html, flags=re.I)
        assert [s.split("?")[0] for s in scripts] == ["../_static/mathjax/tex-chtml.js"], f"{page.name}: {scripts}"
        assert (student_book / "_static" / "mathjax" / "tex-chtml.js").is_file()
        assert not re.search(r"https?://[^\"']*(cdn|jsdelivr)[^\"']*mathjax", html, flags=re.I)


def test_colab_link_points_at_the_notebook_in_the_repository(student_book, book_config):
    owner_repo = book_config["repository"]["url"].removeprefix("https://github.com/")
    branch = book_config["repository"]["branch"]
    for page in chapter_pages(student_book):
        html = page.read_text(encoding="utf-8")
        expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/chapters/{page.stem}.ipynb"
        assert expected in html, f"{page.name} has no Colab link to its notebook"


def test_figures_have_alt_text_captions_and_files(student_book):
    for page in chapter_pages(student_book):
        html = page.read_text(encoding="utf-8")
        figures = re.findall(r"<figure.*?</figure>", html, flags=re.S)
        for figure in figures:
            assert "<figcaption" in figure, f"{page.name}: a figure without caption"
            for alt, src in re.findall(r'<img alt="([^"]*)" src="([^"]+)"', figure):
                assert len(alt) > 20, f"{page.name}: figure {src} has no real alt text"
                assert (page.parent / src).resolve().is_file(), f"{page.name}: missing image {src}"


def test_no_notebook_failed_during_the_build(student_book):
    reports = student_book / "reports"
    assert not reports.exists() or not any(reports.iterdir())
