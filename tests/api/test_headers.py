"""Security headers (CSP, no framing, nosniff) that leave the pages working, and a request id of a checked shape."""
from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.community.signing import office_path
from backend.db import session, utcnow
from backend.org.models import Role
from backend.training.live.screen import screen_url

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _html_pages(make) -> dict[str, str]:
    """The resident's report page, the classroom screen and the API docs, by name."""
    squad = make.squad()
    office = make.office(squad)
    trainer = make.officer(Role.trainer, district=squad.district)
    live_class = make.live_class(trainer, utcnow(), utcnow() + timedelta(hours=1))
    screen = urlsplit(screen_url(live_class))
    return {"resident": office_path(office.code, 1), "classroom": f"{screen.path}?{screen.query}", "docs": "/api/docs"}


def test_html_pages_refuse_framing_and_foreign_scripts_and_json_is_not_sniffed(client, make):
    for name, path in _html_pages(make).items():
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/html", name
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self' 'nonce-" in policy, name
        assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    for response in (client.get("/api/health"), client.get("/api/no-such-thing")):
        assert response.is_json and response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_pages_work_under_their_policy_in_a_browser(browser, live_server_url, make):
    pages = _html_pages(make)
    session.commit()
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.goto(live_server_url + pages["resident"])
    page.click("#locate")  # the page's inline script runs (it answers, whether or not a position is found)
    page.wait_for_function("() => document.getElementById('locate-hint').textContent !== ''")
    injected = page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.body.appendChild(s); return window.injected === 1; }"
    )
    assert injected is False  # a script slipped into the page (say through a stored reply) does not run
    page.goto(live_server_url + pages["classroom"])
    page.wait_for_function("() => document.querySelector('#qr').naturalWidth > 100")
    page.goto(live_server_url + pages["docs"])
    page.wait_for_selector(".opblock", timeout=30_000)  # Swagger UI drew the operations
    assert len(refused) == 1 and "inline script" in refused[0]  # only the slipped-in one


def _audited_request_id() -> str:
    return session.scalars(select(AuditEntry.request_id).order_by(AuditEntry.id.desc())).first()


def test_a_well_formed_request_id_is_kept_and_any_other_replaced(client):
    given = "5f0c6bde-8a4e-4f6b-9d43-2f0e7b6a1c9e.retry-1"
    kept = client.post("/api/auth/login", json={"badge_no": "nobody", "password": "x"}, headers={"X-Request-Id": given})
    assert kept.headers["X-Request-Id"] == given == kept.json["request_id"] == _audited_request_id()
    for hostile in ("x" * 65, "../../etc/passwd", "<script>alert(1)</script>", "伪造的请求号", "a b", "id;drop"):
        response = client.post("/api/auth/login", json={"badge_no": "nobody", "password": "x"},
                               headers={"X-Request-Id": hostile})
        ours = response.headers["X-Request-Id"]
        assert ours != hostile and len(ours) == 32 and ours.isalnum()
        assert response.json["request_id"] == ours == _audited_request_id()
