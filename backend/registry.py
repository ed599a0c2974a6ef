"""What a domain contributes to the service, declared in its package: `DOMAIN = Domain(...)` in
`backend/<domain>/__init__.py`, listed once in `backend/domains.py`.

Everything here is a plain declaration (names and import strings), so that importing a domain package
imports nothing else: the app factory, Alembic's metadata, the scheduler, the CLI, the settings loader
and the API resolve the strings when they need them. Domain code never imports `backend.api`, hence
blueprints are strings such as "backend.api.duty:blp" that only the API layer imports.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

# A sweep covers no period: it runs at every firing (on the lease holder only) without the ledger,
# so it must be idempotent itself — the hourly overdue warnings are, through their own unique rows.
SWEEP = "sweep"


class Job(NamedTuple):
    """One scheduled job: a stable id, a cron trigger (Asia/Shanghai) and what to call (see backend.scheduler)."""

    id: str
    trigger: dict
    func: str | Callable
    period: str = "day"  # day | month | quarter | year: what one run covers; or SWEEP (see below)
    lag: int = 0  # a run in period P covers period P - lag (1: yesterday, last month ...)
    catch_up: bool = True  # False: after downtime only the latest period runs (e.g. a sync)
    executor: str = "default"  # a job that runs for minutes gets a thread of its own, so it delays no other


class Setting(NamedTuple):
    """One setting read from the environment: its default (as the environment would give it), its type,
    what it means, and whether the number is an example default the district sets (the source documents
    do not give it: a row of the README's "Where the numbers come from")."""

    name: str
    default: str
    type: type
    meaning: str = ""
    example_default: bool = False
    # "module:function" given the typed value: raises ValueError with a message for the district when the value
    # is refused (checked whenever the settings are parsed, hence at start), returns it otherwise
    check: str | None = None


class PointsItem(NamedTuple):
    """One item the daily records count (日记实) and its default scoring rule. The source documents give no
    weights: the rule is an example default the district confirms or replaces with its own version (a row of
    the README's "Where the numbers come from"; the domain's migration seeds it with `district_id` NULL).
    Numbers as text, as a setting's default."""

    code: str  # what a source's `Fact.item` says
    name: str
    unit: str
    category: str  # the rule's category (出勤纪律, 为民服务 …)
    per_unit: str  # points per unit, e.g. "-1.00"
    monthly_cap: str | None  # the most the item's points may amount to in a month, either way; None: no cap
    manual: bool = False  # also recorded by a leader by hand (backend.supervision.points.operations)


class TodayItem(NamedTuple):
    """Something an officer is to do, shown in their day (GET /api/duty/today/items): what a domain's
    `today_items` function yields. Duty lists them without knowing the domain."""

    kind: str  # the domain's word for it, e.g. "inspection"
    title: str  # in Chinese, as the officer reads it
    due_on: date | None  # the last day it may be done
    overdue: bool
    ref: str  # the domain's id of it
    path: str  # where the light app opens it (an API path)


@dataclass(frozen=True)
class Domain:
    """A domain's contribution. Module and object names are import strings ("package.module:attribute")."""

    name: str
    models: tuple[str, ...] = ()  # modules defining its tables (Alembic's metadata, the app's first query)
    blueprints: tuple[str, ...] = ()  # "backend.api.<module>:blp", in the order the API document lists them
    cli: tuple[str, ...] = ()  # click groups added to `flask`
    jobs: tuple[Job, ...] = ()  # in catch-up order
    settings: tuple[Setting, ...] = ()
    points_sources: tuple[str, ...] = ()  # modules whose `@source(...)` functions feed the daily records
    points_items: tuple[PointsItem, ...] = ()  # the items those sources yield, with their default rules
    # "module:function"s taking (officer, day) and yielding the TodayItems the officer has to do that day
    today_items: tuple[str, ...] = ()
    # "module:function"s giving a select of one column, an officer's id, a row per item they have in hand (a
    # complaint, an order they handle): who should take a new complaint or order counts them all
    work_in_hand: tuple[str, ...] = ()
    # "module:function"s giving a select of one column, an officer's id, a row per system account it keeps (a
    # camera's evidence chain): no person, so no list or count of people shows them (`backend.org.queries`)
    system_accounts: tuple[str, ...] = ()
    # storage folder -> the columns ("module:Model.column") whose records refer to its files (the orphan sweep);
    # none: a folder the domain no longer writes, whose files the sweep deletes once old
    stored_files: dict[str, tuple[str, ...]] | None = None
    # cipher ("module:function" giving the MultiFernet) -> the columns ("module:Model.column") it encrypts:
    # `flask re-sign` encrypts each again with the newest key before an old one is retired
    encrypted: dict[str, tuple[str, ...]] | None = None
    # Work orders it opens itself in the orders queue (`backend.orders.internal.open_order(name, …)`): the
    # function ("module:function", called with the order and its finishing event) told when one is finished
    internal_orders: str | None = None


def resolve(target: str):
    """The object an import string names: "package.module:attribute[.attribute]"."""
    module, _, path = target.partition(":")
    found = importlib.import_module(module)
    for name in path.split(".") if path else ():
        found = getattr(found, name)
    return found
