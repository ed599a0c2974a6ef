"""全市报表 at the console, on the demo (a district whose two squads work under two 街镇): the district administrator
reads the district's month as a chart and a table, the 街镇 index with its example-default weights labelled, and
downloads the Excel; a month before the service's years is refused beside the field; a 街镇 leader sees only their
街镇's index; the city administrator reads the district too."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from backend.db import session
from backend.org.models import District

INDEX_LABELS = "Chart.getChart(document.getElementById('town-chart')).data.labels"
DISTRICT_LABELS = "Chart.getChart(document.getElementById('district-chart')).data.labels"


def test_the_district_administrator_reads_the_month_and_downloads_it(desk):
    name = session.scalar(select(District.name).where(District.code == "JA"))
    session.rollback()  # the test's read must not hold SQLite's lock while the server signs the person in
    page = desk.page
    desk.arrive("/console/city", "JA0001")
    expect(page.locator("#districts tbody tr")).to_have_count(1)
    expect(page.locator("#districts tbody tr").first).to_contain_text(name)
    assert page.evaluate(DISTRICT_LABELS) == [name]
    assert sorted(page.evaluate(INDEX_LABELS)) == ["南京西路街道办事处", "静安寺街道办事处"]
    expect(page.locator("#weights")).to_contain_text("示例默认值")
    expect(page.locator("#towns tbody tr")).to_have_count(2)
    desk.shot("city-1-district-month-and-town-index")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="导出 Excel").click()
    assert downloading.value.suggested_filename.startswith("city-report-")

    page.get_by_label("月份").fill("1999-12")  # before the years the service keeps
    page.get_by_role("button", name="查看").click()
    expect(page.locator('[data-error-for="month"]')).not_to_be_empty()
    assert not desk.errors, desk.errors


def test_a_town_leader_sees_only_their_town_and_the_city_every_district(desk):
    page = desk.page
    desk.arrive("/console/city", "JA5001")
    page.wait_for_function(f"() => {INDEX_LABELS}.length === 1")
    assert page.evaluate(INDEX_LABELS) == ["静安寺街道办事处"]
    expect(page.locator("#districts-card")).to_be_hidden()  # the districts' report is not theirs
    expect(page.get_by_role("button", name="导出 Excel")).to_be_hidden()
    desk.shot("city-2-town-leader")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))

    desk.arrive("/console/city", "SH0001")
    expect(page.locator("#districts tbody tr", has_text="静安区城管执法局")).to_have_count(1)
    assert not desk.errors, desk.errors
