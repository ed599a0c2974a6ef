"""The console's browser tests' shared parts: one headless Chromium per module (other modules drive Chromium with
sync_playwright of their own, which cannot run while one is open), a local tile service, a person at a desk.

Screenshots go to TEST_ARTEFACTS_DIR (default tmp/artifacts/console, not committed). Pages are counted by the
API calls they make to render.
"""
from __future__ import annotations

import io
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from backend.config import ROOT
from backend.db import session
from backend.demo import DEMO_PASSWORD, DEMO_SENDER, load_demo
from backend.org.models import Officer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", ROOT / "tmp" / "artifacts")) / "console"
MAX_RENDER_CALLS = 3


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class TileServer(ThreadingHTTPServer):
    """The map's tile service on 127.0.0.1: a plain 256×256 PNG for any tile, each request remembered."""

    def __init__(self):
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (222, 230, 238)).save(buffer, "PNG")
        self.png, self.requested = buffer.getvalue(), []
        super().__init__(("127.0.0.1", 0), TileHandler)


class TileHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.server.png)))
        self.end_headers()
        self.wfile.write(self.server.png)

    def log_message(self, *args):
        pass


@pytest.fixture
def tiles(committed_app, monkeypatch):
    server = TileServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(committed_app.config, "CONSOLE_TILE_URL",
                        f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png")
    yield server
    server.shutdown()
    server.server_close()


class Desk:
    """A person at a desk: one browser page, the API calls it made, what its console reported as errors."""

    def __init__(self, page):
        self.page, self.calls, self.errors = page, [], []
        page.on("request", lambda r: self.calls.append(f"{r.method} {urlsplit(r.url).path}")
                if urlsplit(r.url).path.startswith("/api/") else None)
        # a script error or a CSP refusal (an answer the page handles, such as 422, is logged too: not counted)
        page.on("console", lambda m: self.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str) -> list[str]:
        """Open a console page and wait until it has rendered; the API calls it made to render."""
        self.calls.clear()
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return list(self.calls)

    def sign_in(self, badge_no: str, password: str = DEMO_PASSWORD) -> None:
        """Type badge and password on the sign-in page (the badge field has the focus) and press Enter."""
        keyboard = self.page.keyboard
        expect(self.page.get_by_label("工号")).to_be_focused()
        keyboard.type(badge_no)
        keyboard.press("Tab")
        keyboard.type(password)
        keyboard.press("Enter")

    def arrive(self, path: str, badge_no: str, most_calls: int = 3) -> None:
        """Open a page signed out, sign in there, and see it again: rendered with at most `most_calls` API calls."""
        self.open(path)
        self.sign_in(badge_no)
        expect(self.page).to_have_url(path)
        self.page.wait_for_load_state("networkidle")
        calls = self.open(path)
        assert len(calls) <= most_calls, calls

    def shot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def desk(browser, live_server_url, committed_app, tiles, monkeypatch):
    monkeypatch.setitem(committed_app.config, "NONSITE_SENDER_KEYS", f"{DEMO_SENDER}=demo-key")  # its camera alerts
    load_demo()
    session.commit()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=live_server_url)
    context.set_default_timeout(15000)
    yield Desk(context.new_page())
    context.close()


def officer_id(badge_no: str) -> int:
    return session.scalar(select(Officer.id).where(Officer.badge_no == badge_no))
