"""The built book in a real browser: headless Chromium opens every page of _build/html.

One Chromium process (Debian's ``chromium``, installed by ``make test``; or the binary named
by the ``CHROMIUM`` environment variable) is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: no websocket library, no chromedriver). The pages are served
over HTTP from 127.0.0.1, as a web site would serve them, and every other host is unreachable
(``--host-resolver-rules``), so a page that needs the network to look right fails here.

On every page: the math is typeset by MathJax (no raw TeX left in the text), every image
loads, a notebook page's Colab button opens that page's notebook in the repository, and the
console shows no error. Screenshots of the table-of-contents pages land in
``_build/screenshots/``.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import yaml

from conftest import NOTEBOOK_DIRS, REPO

SCREENSHOTS = REPO / "_build" / "screenshots"
PAGE_TIMEOUT_S = 60

# Runs in the page after the load event: waits for MathJax's first typesetting and for every
# image, then reports what a reader would see.
INSPECT_PAGE = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await Promise.all([...document.images].map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done); img.addEventListener("error", done);
  })));
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && !parent.closest(skip) && parent.getClientRects().length) texts.push(node.textContent);
  }
  const math = [...document.querySelectorAll(".math")];
  return {
    url: location.href,
    title: document.title,
    math: math.length,
    untypeset: math.filter((m) => !m.querySelector("mjx-container")).map((m) => m.textContent.slice(0, 80)),
    mjx: document.querySelectorAll("mjx-container").length,
    // A TeX error shows as mjx-merror; an undefined macro as its name in red text.
    tex_errors: [...document.querySelectorAll("mjx-merror")].map((m) => m.getAttribute("data-mjx-error") || m.textContent)
      .concat([...document.querySelectorAll("mjx-container")].map((m) => m.textContent).filter((t) => /\\[A-Za-z]/.test(t))),
    text: texts.join(" "),
    images: [...document.images].map((img) => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
    colab: [...document.querySelectorAll("a[href^='https://colab.research.google.com']")].map((a) => a.href),
  };
})()
"""

# TeX a reader must never see: math delimiters, and backslash commands outside code.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\[A-Za-z]{2,}")


def chromium_binary() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    pytest.fail("no Chromium: `make test` installs Debian's chromium (apt-get install chromium), "
                "or set CHROMIUM to a Chrome/Chromium binary")


class Chromium:
    """A headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile: Path):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--mute-audio", "--hide-scrollbars", "--force-device-scale-factor=1",
            "--window-size=1280,1100", f"--user-data-dir={profile}",
            # Only the local server answers: a page that fetches from the internet fails here.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--remote-debugging-pipe", "about:blank",
        ]
        # The protocol pipe must be the browser's fds 3 (commands in) and 4 (replies out);
        # bash moves them there (dash cannot name fds above 9).
        shell = f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write} {to_browser_read}<&- {from_browser_write}>&-'
        self._log = profile / "chromium.log"
        self._stderr = open(self._log, "wb")
        self.process = subprocess.Popen(
            ["bash", "-c", shell, chromium_binary(), *flags],
            pass_fds=(to_browser_read, from_browser_write),
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._messages: queue.Queue = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=self.session)

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._messages.put(json.loads(message))
        self._messages.put(None)

    def _receive(self) -> dict:
        message = self._messages.get(timeout=PAGE_TIMEOUT_S)
        if message is None:
            raise RuntimeError(f"Chromium closed the DevTools pipe; its log: {self._log}")
        return message

    def call(self, method: str, params: dict | None = None, session: str | None = None, events: list | None = None) -> dict:
        """Send one command and wait for its answer; events that arrive meanwhile go to `events`."""
        self._next_id += 1
        command = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        while True:
            message = self._receive()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            if events is not None:
                events.append(message)

    def visit(self, url: str, screenshot: Path | None = None) -> tuple[dict, list[dict]]:
        """Open `url`, wait for the load event, inspect the page; return the report and the events."""
        events: list[dict] = []
        navigation = self.call("Page.navigate", {"url": url}, session=self.session, events=events)
        assert "errorText" not in navigation, f"{url}: {navigation['errorText']}"
        while not any(e.get("method") == "Page.loadEventFired" for e in events):
            events.append(self._receive())
        result = self.call("Runtime.evaluate", {"expression": INSPECT_PAGE, "awaitPromise": True, "returnByValue": True},
                           session=self.session, events=events)
        assert "exceptionDetails" not in result, f"{url}: inspecting the page failed: {result['exceptionDetails']}"
        if screenshot is not None:
            shot = self.call("Page.captureScreenshot", {"format": "png"}, session=self.session, events=events)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        return result["result"]["value"], events

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, queue.Empty):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        self._stderr.close()


def console_errors(events: list[dict]) -> list[str]:
    """Uncaught exceptions, console.error/assert calls and failed loads, as readable lines."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = details.get("exception", {}).get("description", details.get("text", ""))
            errors.append(f"uncaught {description.splitlines()[0]} at {details.get('url', '')}:{details.get('lineNumber', 0) + 1}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            # The book declares no favicon; browsers ask the server root for one anyway.
            if not entry.get("url", "").endswith("/favicon.ico"):
                errors.append(f"{entry['text']} {entry.get('url', '')}".strip())
    return errors


def book_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the book but theme fragments and redirect stubs (checked by test_links)."""
    pages = []
    for page in sorted(html_dir.rglob("*.html")):
        relative = page.relative_to(html_dir)
        if relative.parts[0].startswith("_"):
            continue
        if re.search(r'<meta\s+http-equiv="refresh"', page.read_text(encoding="utf-8"), flags=re.I):
            continue
        pages.append(page)
    return pages


def toc_files() -> set[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files = {toc["root"]}
    for part in toc.get("parts", []):
        files.update(chapter["file"] for chapter in part.get("chapters", []))
    return files


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser_reports(student_book, tmp_path_factory) -> dict[str, tuple[dict, list[str]]]:
    """Open every page once; map its path (relative to _build/html) to (report, console errors)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(student_book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    shoot = toc_files()
    browser = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    reports = {}
    try:
        for page in book_pages(student_book):
            relative = page.relative_to(student_book).as_posix()
            url = f"http://127.0.0.1:{server.server_address[1]}/{relative}"
            screenshot = SCREENSHOTS / relative.replace("/", "__").replace(".html", ".png") if relative[:-5] in shoot else None
            report, events = browser.visit(url, screenshot)
            reports[relative] = (report, console_errors(events))
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
    return reports


def test_every_page_of_the_table_of_contents_was_opened(browser_reports):
    opened = {page[:-5] for page in browser_reports}
    assert toc_files() <= opened, f"pages never opened: {sorted(toc_files() - opened)}"
    assert {"genindex", "search"} <= opened
    assert all(report["title"] for report, _ in browser_reports.values())


def test_math_is_typeset_and_no_raw_tex_is_left(browser_reports):
    problems = []
    for page, (report, _) in browser_reports.items():
        if report["untypeset"]:
            problems.append(f"{page}: math not typeset by MathJax: {report['untypeset'][:3]}")
        if report["math"] and not report["mjx"]:
            problems.append(f"{page}: has math but no mjx-container")
        if report["tex_errors"]:
            problems.append(f"{page}: TeX errors: {report['tex_errors'][:3]}")
        text = " ".join(report["text"].split())
        raw = [text[max(0, m.start() - 40):m.end() + 40] for m in RAW_TEX.finditer(text)]
        if raw:
            problems.append(f"{page}: raw TeX in the visible text: " + " | ".join(f"...{r}..." for r in raw[:3]))
    assert not problems, "\n".join(problems)


def test_the_chapters_have_typeset_math(browser_reports):
    """Guards the check above: it must see math where the book surely has some."""
    for page, (report, _) in browser_reports.items():
        if page.startswith("chapters/") or page == "notation.html":
            assert report["mjx"] > 0, f"{page}: no math found at all"


def test_every_image_loads(browser_reports):
    broken = [f"{page}: {image['src']}" for page, (report, _) in browser_reports.items()
              for image in report["images"] if image["width"] == 0]
    assert not broken, "images that did not load:\n" + "\n".join(broken)


def test_colab_button_opens_the_pages_notebook_in_the_repository(browser_reports, book_config):
    repository = book_config["repository"]
    owner_repo = repository["url"].removeprefix("https://github.com/")
    base = f"https://colab.research.google.com/github/{owner_repo}/blob/{repository['branch']}/"
    problems = []
    for page, (report, _) in browser_reports.items():
        notebook = Path(page).with_suffix(".ipynb")
        if notebook.parts[0] in NOTEBOOK_DIRS and (REPO / notebook).is_file():
            if set(report["colab"]) != {base + notebook.as_posix()}:
                problems.append(f"{page}: Colab links {report['colab']}, expected {base + notebook.as_posix()}")
        elif report["colab"]:
            problems.append(f"{page} is not a notebook but links to Colab: {report['colab']}")
    assert not problems, "\n".join(problems)


def test_the_console_shows_no_errors(browser_reports):
    errors = [f"{page}: {error}" for page, (_, page_errors) in browser_reports.items() for error in page_errors]
    assert not errors, "browser console errors:\n" + "\n".join(errors)


def test_screenshots_were_kept(browser_reports):
    shots = sorted(SCREENSHOTS.glob("*.png"))
    assert len(shots) == len(toc_files())
    assert all(shot.stat().st_size > 10_000 for shot in shots)
