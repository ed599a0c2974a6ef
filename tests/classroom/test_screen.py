"""The classroom big screen in a real headless Chromium against a live server: it updates by itself."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect, sync_playwright

from backend.config import ROOT
from backend.db import session, utcnow
from backend.org.models import Role
from backend.training.live.classes import join_signature
from tests.drills.scenarios import STANDARD_PATH, drill_body

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", ROOT / "instance" / "test-artefacts"))


@pytest.fixture
def big_screen(live_server_url):
    """A 1920×1080 page, as on the classroom's TV, in a fresh Chromium profile."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        context.set_default_timeout(15000)
        yield context.new_page()
        browser.close()


def _bar_counts(page) -> list[int]:
    return [int(c) for c in page.locator("#chart rect").evaluate_all("rs => rs.map(r => r.dataset.count)")]


def test_screen_counts_trainees_and_draws_the_answers_as_they_come(big_screen, live_server_url, committed_app, make):
    api = committed_app.test_client()
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    trainees = [make.officer(squad=squad, name=name) for name in ("张伟", "李娜", "王强")]
    now = utcnow()
    live_class = make.live_class(trainer, now - timedelta(minutes=5), now + timedelta(hours=2),
                                 title="城管执法规范化培训", classroom="静安区局智慧教室")
    bank = make.question_bank(trainer)
    question = make.question(bank, options=["亮证", "告知", "劝离", "罚款"], answer=[0],
                             stem="执法人员到达现场后首先应当做什么？")
    session.commit()
    trainer_headers = make.headers(trainer)
    link = api.get(f"/api/training/live-classes/{live_class.id}/screen", headers=trainer_headers)
    assert link.status_code == 200 and link.json["url"].startswith(f"{live_server_url}/classroom/{live_class.id}?key=")

    page = big_screen
    page.goto(link.json["url"])
    expect(page.locator("#title")).to_have_text("城管执法规范化培训")
    expect(page.locator("#present")).to_have_text("0")
    expect(page.locator("#quiz-stem")).to_have_text("暂无测验")
    page.wait_for_function("() => { const img = document.querySelector('#qr'); "
                           "return img.complete && img.naturalWidth > 100; }")  # the signed join code
    shown = page.locator("#qr").get_attribute("data-code")
    assert shown == join_signature(live_class.id)
    expect(page.locator("#join-hint")).to_contain_text(
        f"每 {committed_app.config['TRAINING_JOIN_CODE_SECONDS']} 秒更换"
    )

    headers = [make.headers(t) for t in trainees]
    for h in headers:
        joined = api.post(f"/api/training/live-classes/{live_class.id}/join", headers=h,
                          json={"sig": join_signature(live_class.id)})
        assert joined.status_code == 200
    expect(page.locator("#present")).to_have_text("3")  # without reloading

    pushed = api.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=trainer_headers,
                      json={"question_id": question.id, "seconds": 120})
    assert pushed.status_code == 201
    quiz_id = pushed.json["id"]
    expect(page.locator("#quiz-stem")).to_have_text("执法人员到达现场后首先应当做什么？")
    expect(page.locator("#chart rect")).to_have_count(4)
    assert _bar_counts(page) == [0, 0, 0, 0]

    for h, answer in zip(headers, ([0], [0], [2]), strict=False):
        answered = api.post(f"/api/training/quizzes/{quiz_id}/answers", headers=h, json={"answer": answer})
        assert answered.status_code == 201
    page.wait_for_function("() => [...document.querySelectorAll('#chart rect')]"
                           ".map(r => r.dataset.count).join() === '2,0,1,0'")  # without reloading
    expect(page.locator("#quiz-summary")).to_contain_text("已作答 3 人 / 在线 3 人")
    widths = page.locator("#chart rect").evaluate_all("rs => rs.map(r => +r.getAttribute('width'))")
    assert widths[0] > widths[2] > widths[1]  # the bars are drawn to scale

    drill = api.post("/api/training/drills", headers=trainer_headers, json=drill_body()).json["id"]
    attempt = api.post(f"/api/training/drills/{drill}/attempts", headers=headers[1],
                       json={"path": STANDARD_PATH, "live_class_id": live_class.id})
    assert attempt.status_code == 201
    expect(page.locator("#leaderboard li")).to_have_count(1)
    expect(page.locator("#leaderboard li").first).to_contain_text("李娜")
    expect(page.locator("#leaderboard li").first).to_contain_text("100 分")

    window = timedelta(seconds=committed_app.config["TRAINING_JOIN_CODE_SECONDS"])
    with time_machine.travel(utcnow() + 2 * window):  # the code rotates: the screen shows the new one by itself
        expect(page.locator("#qr")).not_to_have_attribute("data-code", shown)
        page.wait_for_function("() => document.querySelector('#qr').naturalWidth > 100")
        at_home = make.headers(make.officer(squad=squad))
        photographed = api.post(
            f"/api/training/live-classes/{live_class.id}/join", headers=at_home, json={"sig": shown}
        )
        assert photographed.status_code == 403 and "已过期" in photographed.json["message"]

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "classroom-screen.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    # readable from the back of the room: the head count is huge, the question large
    assert page.locator("#present").evaluate("n => parseFloat(getComputedStyle(n).fontSize)") >= 96
    assert page.locator("#quiz-stem").evaluate("n => parseFloat(getComputedStyle(n).fontSize)") >= 30


def test_a_wrong_screen_key_shows_a_chinese_message(big_screen, live_server_url, committed_app, make):
    trainer = make.officer(Role.trainer)
    now = utcnow()
    live_class = make.live_class(trainer, now, now + timedelta(hours=1))
    session.commit()
    big_screen.goto(f"{live_server_url}/classroom/{live_class.id}?key=forged")
    expect(big_screen.locator("#alert")).to_contain_text("大屏链接无效")
    state = committed_app.test_client().get(f"/classroom/{live_class.id}/state?key=forged")
    assert state.status_code == 404 and state.json["error"] == "not_found"
    assert committed_app.test_client().get(f"/classroom/{live_class.id}/state").status_code == 422
