"""Pull mode: the `orders.pull` job reads a source's list from where the last run stopped (the cursor is kept in
the database), a few pages a run, each order once even when it was pushed too; a list that is down, slow, unsigned
or garbage fails the run with the reason on the source, the cursor kept, and the next run goes on."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from backend.db import session
from backend.orders.models import OrderSource, WorkOrder
from backend.scheduler import JOBS, SUCCEEDED, run_job
from tests.orders.conftest import an_order, register, send

PULL = next(job for job in JOBS if job.id == "orders.pull")


@pytest.fixture
def listing(client, make, admin, squad, platform, app, monkeypatch):
    """A source that offers only a list, read two orders a page, at most two pages a run."""
    monkeypatch.setitem(app.config, "ORDERS_PULL_PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "ORDERS_PULL_MAX_PAGES", 2)
    monkeypatch.setitem(app.config, "ORDERS_PULL_TIMEOUT_SECONDS", 1)
    return register(client, make, admin, squad, platform, pull_url=platform.list_url)


def taken(source) -> list[str]:
    return list(session.scalars(select(WorkOrder.source_order_id).where(WorkOrder.source_id == source["id"])
                                .order_by(WorkOrder.id)))


def state(source) -> OrderSource:
    found = session.get(OrderSource, source["id"])
    session.refresh(found)
    return found


def test_the_list_is_read_from_its_cursor_a_few_pages_a_run_each_order_once(app, client, platform, listing):
    listed = [an_order() for _ in range(5)]
    platform.listed = listed[:3]
    assert send(client, platform, listing, listed[1]).status_code == 201  # also pushed, before the poll

    assert run_job(app, PULL, None) == SUCCEEDED
    assert platform.list_requests == [None, "2"]  # two pages: the run reads no more than it may
    assert taken(listing) == [listed[1]["order_id"], listed[0]["order_id"], listed[2]["order_id"]]
    assert (state(listing).pull_cursor, state(listing).pull_error) == ("3", None)

    platform.listed = listed  # two more arrive; the next run (a restart in between: all it has is the cursor)
    session.expire_all()
    assert run_job(app, PULL, None) == SUCCEEDED
    assert platform.list_requests[2:] == ["3"]
    assert taken(listing)[3:] == [listed[3]["order_id"], listed[4]["order_id"]]
    assert send(client, platform, listing, listed[4]).status_code == 200  # pushed after the poll: the same order
    assert session.scalar(select(func.count()).select_from(WorkOrder)) == 5


@pytest.mark.parametrize("misbehave, error", [
    ({"up": False}, "HTTP 503"),
    ({"slow": 1.5}, "不可达：ReadTimeout"),
    ({"garbage": b"<html>502 Bad Gateway</html>"}, "不是 JSON"),
    ({"garbage": b'{"orders": "none", "has_more": false}'}, "格式不对"),
    ({"answer_key": "someone-else-signing-this-list-0123456789"}, "签名"),
])
def test_a_failing_list_fails_the_run_keeps_the_cursor_and_the_next_run_goes_on(app, client, platform, listing,
                                                                                misbehave, error):
    listed = [an_order() for _ in range(3)]
    platform.listed = listed[:2]
    run_job(app, PULL, None)
    assert state(listing).pull_cursor == "2"
    platform.listed = listed
    for name, value in misbehave.items():
        setattr(platform, name, value)
    run_job(app, PULL, None)
    failed = state(listing)
    assert failed.pull_cursor == "2" and error in failed.pull_error, failed.pull_error
    assert taken(listing) == [o["order_id"] for o in listed[:2]]

    time.sleep(misbehave.get("slow", 0))  # the slow answer is sent in the meantime, to nobody
    platform.reset()
    platform.listed = listed
    run_job(app, PULL, None)
    assert (state(listing).pull_cursor, state(listing).pull_error) == ("3", None)
    assert taken(listing) == [o["order_id"] for o in listed]


def test_a_listed_order_that_would_be_refused_is_named_and_skipped(app, platform, listing):
    good, bad, hostile = an_order(), an_order(category="Z9999"), an_order(order_id="\ud800", place="\x00")
    platform.listed = [bad, hostile, good]
    assert run_job(app, PULL, None) == SUCCEEDED
    assert taken(listing) == [good["order_id"]]
    assert f"{bad['order_id']}：unknown_category；?：invalid_text" in state(listing).pull_error
