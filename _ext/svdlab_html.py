"""Small fixes to the HTML pages of the book, found by tests/test_browser.py.

Sphinx 7.4 lists an inline script twice when an extension adds it after the builder
started (``app.add_js_file(None, body=...)``: the builder keeps it once under the name
``None`` and once under ``''``).  sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way,
and the second copy throws ``SyntaxError: Identifier 'THEBE_JS_URL' has already been
declared`` in every reader's console.  Fixed upstream in Sphinx 8.2
(sphinx-doc/sphinx#13402); Jupyter Book 1 needs Sphinx < 8, so each page drops the copy.
"""

from __future__ import annotations

from typing import Any


def _drop_duplicate_scripts(app, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
