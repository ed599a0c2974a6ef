"""The README documents every setting the service reads, with its default, every scheduled job, and every
example default in "Where the numbers come from": walking what each domain declares (backend/domains.py)."""
from __future__ import annotations

from backend.config import CORE_SETTINGS, ROOT
from backend.domains import DOMAINS
from backend.registry import Domain

README = ROOT / "README.md"


def section(readme: str, title: str) -> str:
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def undocumented_settings(domains: tuple[Domain, ...], readme: str) -> list[str]:
    """Declared settings without a row in the README's settings table, or without their default there."""
    table = section(readme, "Settings")
    missing = []
    for setting in (*CORE_SETTINGS, *(setting for domain in domains for setting in domain.settings)):
        default = setting.default
        if f"| `{setting.name}` |" not in table:
            missing.append(setting.name)
        elif default and not default.startswith(str(ROOT)) and "sqlite" not in default and f"`{default}`" not in table:
            missing.append(f"{setting.name} (default {default})")
    return missing


def undocumented_jobs(domains: tuple[Domain, ...], readme: str) -> list[str]:
    table = section(readme, "Scheduled jobs")
    return [job.id for domain in domains for job in domain.jobs if f"| `{job.id}` |" not in table]


def unexplained_example_defaults(domains: tuple[Domain, ...], readme: str) -> list[str]:
    """Example-default settings without their row (name and default) in "Where the numbers come from"."""
    rows = section(readme, "Where the numbers come from").splitlines()
    return [setting.name for domain in domains for setting in domain.settings if setting.example_default
            and not any(row.startswith(f"| `{setting.name}`") and f"| `{setting.default}` |" in row for row in rows)]


def unexplained_points_items(domains: tuple[Domain, ...], readme: str) -> list[str]:
    """Points items whose default rule has no row (per unit, cap, labelled an example default) in "Where the
    numbers come from"."""
    rows = section(readme, "Where the numbers come from").splitlines()
    return [item.code for domain in domains for item in domain.points_items if not any(
        row.startswith(f"| scoring rule `{item.code}` {item.name}（{item.category}） |")
        and f"| `{item.per_unit}` per {item.unit}, cap `{item.monthly_cap}` a month |" in row
        and "example default the district sets" in row for row in rows)]


def test_every_setting_is_documented_with_its_default():
    missing = undocumented_settings(DOMAINS, README.read_text(encoding="utf-8"))
    assert not missing, f"add these to README.md's settings table, with their default: {missing}"


def test_every_scheduled_job_is_documented():
    missing = undocumented_jobs(DOMAINS, README.read_text(encoding="utf-8"))
    assert not missing, f"add these to README.md's table of scheduled jobs: {missing}"


def test_every_example_default_has_its_row_in_where_the_numbers_come_from():
    missing = unexplained_example_defaults(DOMAINS, README.read_text(encoding="utf-8"))
    assert not missing, f'add these to README.md\'s "Where the numbers come from", with their default: {missing}'


def test_every_points_item_has_its_default_rule_in_where_the_numbers_come_from():
    missing = unexplained_points_items(DOMAINS, README.read_text(encoding="utf-8"))
    assert not missing, f'add the default rules of these points items to "Where the numbers come from": {missing}'
