"""The built theory page in a real browser (headless Debian Chromium through Playwright): math
typeset, every asset served with status 200 from the loopback server, nothing requested from
anywhere else, and no traceback, warning or progress-bar debris in the text."""

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.book import HTML, ROOT, chromium, require

pytestmark = pytest.mark.book

PAGE = "notebooks/01_theory.html"
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
SCREENSHOT = ROOT / "book" / "_build" / "screenshot_01_theory.png"
CHROMIUM = chromium() or "chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server():
    require((HTML / PAGE).exists(), f"{HTML / PAGE} not built: run `make book` first")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_theory_page_in_chromium(server):
    require(chromium() is not None, "no Chromium found (set CHROMIUM, or `make browser` installs Debian's as root)")
    playwright = pytest.importorskip("playwright.sync_api")
    requests, responses = [], {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: responses.__setitem__(r.url, r.status))
        page.goto(f"{server}/{PAGE}", wait_until="networkidle")
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 5", timeout=20000)
        typeset = page.eval_on_selector_all("mjx-container", "els => els.length")
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.naturalWidth])")
        text = page.inner_text("main")
        page.screenshot(path=str(SCREENSHOT), full_page=False)
        browser.close()

    assert typeset > 5
    outside = [u for u in requests if not u.startswith(server) and not u.startswith("data:")]
    assert not outside, f"requests outside the loopback server: {outside}"
    bad = {u: s for u, s in responses.items() if s != 200 and not u.endswith("favicon.ico")}
    assert not bad, f"assets not served with 200: {bad}"
    figures = [src for src, width in images if "_images/" in src]
    assert len(figures) >= 4 and all(width > 0 for src, width in images if "_images/" in src)
    for debris in ("Traceback", "Warning", "WARNING", "it/s]", "cell/s]", "%|"):
        assert debris not in text, f"{debris!r} on the page"
    assert re.search(r"log2", text) or "−0.585" in text or "-0.585" in text
    assert SCREENSHOT.stat().st_size > 20_000


def test_no_code_line_is_wider_than_the_page(server):
    """On every chapter, at a laptop and a desktop width, no code block scrolls sideways (the
    folded plotting code counts: it is on the page once unfolded)."""
    require(chromium() is not None, "no Chromium found (set CHROMIUM, or `make browser` installs Debian's as root)")
    playwright = pytest.importorskip("playwright.sync_api")
    wide = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for width in (1280, 1024):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for chapter in CHAPTERS:
                page.goto(f"{server}/notebooks/{chapter}.html", wait_until="networkidle")
                page.eval_on_selector_all("details", "els => els.forEach(e => { e.open = true; })")
                blocks = page.eval_on_selector_all(
                    "div.cell_input pre", "els => els.map(e => [e.scrollWidth, e.clientWidth])")
                assert blocks, f"{chapter}: no code cells found"
                wide += [(width, chapter, i) for i, (scroll, client) in enumerate(blocks)
                         if scroll > client + 1]
            page.close()
        browser.close()
    assert not wide, f"code blocks wider than the page (viewport, chapter, block): {wide}"


def test_solutions_are_folded_until_clicked(server):
    """The theory page's exercises: each solution (sphinx-exercise, class dropdown) is hidden
    when the page loads and opens when its toggle is clicked."""
    require(chromium() is not None, "no Chromium found (set CHROMIUM, or `make browser` installs Debian's as root)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{server}/{PAGE}", wait_until="networkidle")
        exercises = page.locator("div.exercise").count()
        solutions = page.locator("div.solution")
        content = solutions.first.locator("section#solution-content")
        hidden = [solutions.nth(i).locator("section#solution-content").is_visible()
                  for i in range(solutions.count())]
        solutions.first.locator("button.toggle-button").click()
        content.wait_for(state="visible", timeout=5000)
        opened = content.is_visible()
        browser.close()
    assert exercises >= 3 and len(hidden) == exercises
    assert not any(hidden), "a solution is visible before its toggle is clicked"
    assert opened
