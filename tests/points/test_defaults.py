"""Numbers the source documents do not give are labelled as example defaults the district sets: in the
API (rules, parameters) and in the README's "Where the numbers come from", kept in step with the code."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from backend.community.deadlines import DEFAULT_DEADLINES
from backend.config import EXAMPLE_DEFAULTS, ROOT, SETTINGS
from backend.db import session
from backend.domains import DOMAINS
from backend.org.models import Role
from backend.supervision.points.catalogue import DEFAULT_RULES, ITEMS
from backend.supervision.points.models import ScoringRule
from tests.test_readme import unexplained_points_items

ASSUMPTION = "example default the district sets"


def numbers_table() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where the numbers come from", 1)[1].split("\n## ", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split(" | ")]
            for line in section.splitlines() if line.startswith("| ") and not line.startswith("| number |")]


def row_for(label: str) -> list[str]:
    [row] = [row for row in numbers_table() if row[0].startswith(label)]
    return row


def test_every_example_default_has_its_row_with_its_value():
    for name in EXAMPLE_DEFAULTS:
        what, value, source = row_for(f"`{name}`")
        assert value == f"`{SETTINGS[name].default}`", name
        assert ASSUMPTION in source, name
    assert unexplained_points_items(DOMAINS, (ROOT / "README.md").read_text(encoding="utf-8")) == []
    for category, (hours, days) in DEFAULT_DEADLINES.items():
        what, value, source = row_for(f"complaint deadline `{category.value}`")
        assert value == f"accept within `{hours}` h, resolve within `{days}` d" and ASSUMPTION in source, category


def test_each_points_item_is_declared_once_and_its_default_rule_is_the_one_the_migrations_seeded():
    codes = [item.code for domain in DOMAINS for item in domain.points_items]
    assert sorted(codes) == sorted(ITEMS) and len(DEFAULT_RULES) == len(ITEMS)
    seeded = session.execute(select(ScoringRule.item, ScoringRule.category, ScoringRule.points_per_unit,
                                    ScoringRule.monthly_cap).where(ScoringRule.district_id.is_(None))).all()
    assert sorted(tuple(row) for row in seeded) == sorted(DEFAULT_RULES)
    assert all(isinstance(per_unit, Decimal) for _item, _category, per_unit, _cap in DEFAULT_RULES)


def test_the_table_names_no_setting_that_is_gone_and_quotes_the_seeds_it_cites():
    seeds = "".join(path.read_text(encoding="utf-8") for path in (ROOT.parent / "shared" / "seeds").glob("*.txt")) \
        if (ROOT.parent / "shared" / "seeds").is_dir() else None
    for what, _value, source in numbers_table():
        named = re.match(r"`([A-Z_]+)`", what)
        if named:
            assert named.group(1) in EXAMPLE_DEFAULTS, f"{named.group(1)} is not an example-default setting"
        if source.startswith("law: "):  # a number the law sets (not ours, not the seeds'): names its article
            assert re.search(r"art\. \d+", source), f"row {what!r} cites no article of the law"
        elif ASSUMPTION not in source:
            quote = re.search(r'"(.+?)"', source)
            assert quote, f"row {what!r} is neither an assumption nor quotes a source document"
            if seeds is not None:
                assert quote.group(1) in seeds, f"{quote.group(1)!r} is not in the source documents"


def test_rules_and_parameters_say_they_are_example_defaults(client, make):
    admin = make.officer(Role.district_admin)
    assert client.post("/api/points/rules", headers=make.headers(admin), json={
        "item": "late", "category": "出勤纪律", "points_per_unit": "-2", "monthly_cap": "8",
        "effective_from": "2027-01-01"}).status_code == 201
    rules = client.get("/api/points/rules", headers=make.headers(admin)).json
    defaults = [rule for rule in rules if rule["district_id"] is None]
    assert len(defaults) == len(DEFAULT_RULES)
    assert {(rule["source"], rule["source_note"]) for rule in defaults} == {
        ("example_default", "示例默认值：源文件未规定此数值，由区局确认或修改")}
    [own] = [rule for rule in rules if rule["district_id"] is not None]
    assert own["source"] == "district"

    parameters = client.get("/api/points/parameters", headers=make.headers(admin)).json
    assert {p["name"] for p in parameters} == {name for name in EXAMPLE_DEFAULTS if name.startswith("POINTS_")}
    assert all(p["source"] == "example_default" and "示例默认值" in p["note"] and p["meaning"] for p in parameters)
    assert {p["name"]: p["value"] for p in parameters}["POINTS_RATING_BONUS"] == "excellent:2,good:1,fair:0,poor:-2"
