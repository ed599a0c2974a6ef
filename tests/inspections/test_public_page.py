"""一公开 as a public page in a real headless Chromium against a live server: a district's completed inspections,
filtered by result, kind and dates, paginated, in Chinese, with no inspector and no individual business owner in
the page's source, no script (the app's CSP), and a refused filter shown beside the form."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from backend.db import local_day, session
from backend.inspections import inspectors, plans, registry, results
from backend.inspections.credit_code import check_character
from backend.inspections.models import Inspection
from backend.org.models import Role
from tests.inspections.test_plans import _code
from tests.photos import coffee, encode

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
COMPANIES = 20
SHOP_OWNER, SHOP_NAME, SHOP_PHONE = "张三", "张三五金店", "13812345678"


def _individual(n: int) -> str:
    """A 个体工商户's credit code (GB 32100: 92…)."""
    first17 = f"92310106MA1{n:06d}"
    return first17 + check_character(first17)


def published_quarter(make, inspector_names=("王强", "赵敏")) -> dict:
    """A district with a building site and 20 companies and one individual business, all drawn this quarter and
    inspected today: the individual business and one company fail (photo, rectification pending), the rest pass;
    one company's inspection is dated 40 days ago."""
    district = make.district(name="静安区", code="jingan")
    squad = make.squad(district, name="南京西路中队")
    admin = make.officer(Role.district_admin, district=district)
    people = [make.officer(squad=squad, name=name) for name in inspector_names]
    first = local_day().replace(day=1)
    for n, officer in enumerate(people):
        inspectors.add_inspector(admin, officer_id=officer.id, certificate_no=f"3101062009{n}",
                                 valid_from=first - timedelta(days=1), valid_until=first + timedelta(days=400))
    shops = registry.create_kind(admin, code="street_shop", name="沿街商户", checklist=[{"item": "跨门营业"}])
    sites = registry.create_kind(admin, code="construction_site", name="建筑工地", checklist=[{"item": "围挡设置"}])
    names = {}
    for n in range(1, COMPANIES + 1):
        item = registry.create_object(admin, kind="street_shop", squad_id=squad.id, name=f"静安第{n}餐饮有限公司",
                                      credit_code=_code(n), licence_numbers=[], address=f"南京西路 {n} 号",
                                      lat=None, lng=None, contact_name="李经理", contact_phone="13900000000",
                                      grid_cell=None)
        names[item.id] = item.name
    shop = registry.create_object(admin, kind="street_shop", squad_id=squad.id, name=SHOP_NAME,
                                  credit_code=_individual(1), licence_numbers=[], address="南京西路 101 号",
                                  lat=None, lng=None, contact_name=SHOP_OWNER, contact_phone=SHOP_PHONE, grid_cell=None)
    site = registry.create_object(admin, kind="construction_site", squad_id=squad.id, name="静安一号工地",
                                  credit_code=_code(99), licence_numbers=[], address="南京西路 99 号", lat=None,
                                  lng=None, contact_name=None, contact_phone=None, grid_cell=None)
    plan = plans.create_plan(admin, name="本季度双随机检查", first_month=first, months=3, kind_ids=[], squad_ids=[],
                             grades=[])
    drawn = plans.draw(admin, plan.id, reason=None)
    failing = {shop.id, min(names)}
    for inspection in drawn.inspections:
        inspector = next(o for o in people if o.id == inspection.inspector_ids[0])
        item = "围挡设置" if inspection.object_id == site.id else "跨门营业"
        passed = inspection.object_id not in failing
        if not passed:
            results.add_photo(inspector, inspection.id, client_id=f"public-{inspection.id}", item=item,
                              data=encode(coffee()), content_type="image/jpeg", lat=31.2297, lng=121.4553)
        results.record_result(inspector, inspection.id, checklist=[{"item": item, "passed": passed,
                                                                    "note": f"经营者{SHOP_OWNER}在场"}],
                              rectify_by=None if passed else local_day() + timedelta(days=10))
    earlier = session.scalars(select(Inspection).where(Inspection.object_id == max(names))).one()
    earlier.done_at -= timedelta(days=40)
    session.commit()
    return dict(district=district, people=people, shop=shop, site=site, sites=sites, shops=shops, names=names,
                failing_company=names[min(names)], earlier=names[max(names)])


@pytest.fixture
def browser_page(live_server_url, committed_app):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=90_000)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                      base_url=live_server_url)
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.errors = []
        # a script error or a CSP refusal (not a missing favicon, nor an answer such as 422 the test asks for)
        page.on("console", lambda m: page.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


def _rows(page) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in page.locator("tbody tr").all()]


def test_the_public_sees_results_filters_and_pages_without_personal_data(browser_page, make):
    data = published_quarter(make)
    page = browser_page
    answer = page.goto("/api/inspections/public/jingan")
    assert answer.status == 200
    assert "script-src 'self' 'nonce-" in answer.headers["content-security-policy"]
    assert page.locator("header h1").inner_text() == "静安区城管执法检查结果公示"
    assert page.locator("[data-total]").inner_text() == "共 22 条，第 1 / 2 页"
    first = _rows(page)
    assert len(first) == 20
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    assert page.locator("[data-total]").inner_text() == "共 22 条，第 2 / 2 页"
    everything = first + _rows(page)
    assert len(everything) == 22 and page.get_by_role("link", name="下一页").count() == 0
    today = local_day().strftime("%Y年%m月%d日")
    assert ["个体工商户（名称不公开）", "沿街商户", today, "不合格", "整改中"] in everything
    assert [data["failing_company"], "沿街商户", today, "不合格", "整改中"] in everything
    assert ["静安一号工地", "建筑工地", today, "合格", "—"] in everything

    # the filter: failed ones only (the form keeps the choice, the pages keep the filter)
    page.select_option("select[name=result]", "fail")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**result=fail**")
    assert page.locator("select[name=result]").input_value() == "fail"
    assert sorted(row[0] for row in _rows(page)) == sorted([data["failing_company"], "个体工商户（名称不公开）"])
    page.select_option("select[name=result]", "")
    page.select_option("select[name=kind_id]", label="建筑工地")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(f"**kind_id={data['sites'].id}**")
    assert [row[0] for row in _rows(page)] == ["静安一号工地"]
    page.select_option("select[name=kind_id]", "")
    page.fill("input[name=date_to]", str(local_day() - timedelta(days=1)))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**date_to=**")
    assert [row[0] for row in _rows(page)] == [data["earlier"]]

    # no inspector, no owner, no contact, no credit code or address anywhere in what the page sends
    for path in ("/api/inspections/public/jingan", "/api/inspections/public/jingan?page=2",
                 "/api/inspections/public/jingan/results?page_size=100"):
        source = page.goto(path).text()
        personal = [SHOP_OWNER, SHOP_NAME, SHOP_PHONE, "138****5678", "李经理", "13900000000", "南京西路 101 号",
                    data["shop"].credit_code, *(o.name for o in data["people"]), *(o.badge_no for o in data["people"])]
        assert [text for text in personal if text in source] == [], path
        assert "<script" not in source
    assert page.errors == []


def test_a_bad_filter_is_refused_on_the_page_in_chinese_with_the_form_kept(browser_page, make):
    published_quarter(make)
    page = browser_page
    for query, words in (("date_from=2027-02-30", "检查日期自"), ("result=maybe", "检查结果"),
                         ("kind_id=99999999999999999999", "对象类型"), ("page=0", "页码"),
                         (f"date_from={local_day()}&date_to={local_day() - timedelta(days=1)}", "晚于截止日")):
        answer = page.goto(f"/api/inspections/public/jingan?{query}")
        assert answer.status == 422, query
        assert words in page.locator("[data-error]").inner_text(), query
        assert page.get_by_role("button", name="筛选").count() == 1
    missing = page.goto("/api/inspections/public/nowhere")
    assert missing.status == 404 and "区局不存在" in page.locator("[data-error]").inner_text()
    assert page.goto("/api/inspections/public/jingan?page=999").status == 200
    assert page.locator("[data-total]").inner_text() == "共 22 条，第 999 / 2 页"


def test_the_feed_and_the_page_name_no_individual_business_and_filter_by_result(client, make):
    published_quarter(make)
    feed = client.get("/api/inspections/public/jingan/results", query_string={"result": "fail"})
    assert feed.status_code == 200
    assert sorted(row["object_name"] for row in feed.json) == ["个体工商户（名称不公开）", "静安第1餐饮有限公司"]
    assert client.get("/api/inspections/public/jingan/results", query_string={"result": "x"}).status_code == 422
    for hostile in ("date_to=%ED%A0%80", "date_to=%00", "date_from=9999-12-31", "page=" + "9" * 30, "kind_id=-1"):
        answer = client.get(f"/api/inspections/public/jingan?{hostile}")
        assert answer.status_code in (400, 422) and answer.mimetype == "text/html", hostile
    assert date.fromisoformat(feed.json[0]["inspected_on"]) == local_day()
