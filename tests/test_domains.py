"""Meta-tests: what each domain declares (backend/domains.py) shows up where it must — its routes in the
committed OpenAPI document and the authorization matrix, its settings and jobs in the README (tests/test_readme.py).
A throw-away domain that forgot those parts shows that each check fails for it."""
from __future__ import annotations

import json
import re

from flask.views import MethodView
from flask_smorest import Blueprint

import backend.api
from backend import create_app
from backend.config import ROOT
from backend.domains import DOMAINS
from backend.registry import Domain, Job, PointsItem, Setting, resolve
from tests.authz.test_matrix import MATRIX, id_endpoints
from tests.test_readme import (
    README,
    undocumented_jobs,
    undocumented_settings,
    unexplained_example_defaults,
    unexplained_points_items,
)

OPENAPI = ROOT / "openapi.json"


def registered_routes(app, domains: tuple[Domain, ...]) -> set[tuple[str, str]]:
    """(method, path as the API document writes it) of every route of the domains' blueprints in the app."""
    names = {resolve(blueprint).name for domain in domains for blueprint in domain.blueprints}
    routes = set()
    for rule in app.url_map.iter_rules():
        blueprint, _, view = rule.endpoint.partition(".")
        if blueprint in names and "." not in view:  # a nested blueprint (residents' HTML pages) is no API
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def undocumented_routes(app, domains: tuple[Domain, ...]) -> list[tuple[str, str]]:
    doc = json.loads(OPENAPI.read_text(encoding="utf-8"))
    documented = {(method.upper(), path) for path, operations in doc["paths"].items() for method in operations}
    return sorted(registered_routes(app, domains) - documented)


def test_every_route_of_every_domain_is_in_the_openapi_document(app):
    assert registered_routes(app, DOMAINS)
    missing = undocumented_routes(app, DOMAINS)
    assert not missing, f"regenerate openapi.json (make openapi): {missing}"


def test_every_blueprint_of_every_domain_is_registered(app):
    for domain in DOMAINS:
        for blueprint in domain.blueprints:
            assert resolve(blueprint).name in app.blueprints, blueprint


def undeclared_encrypted_columns(domains: tuple[Domain, ...]) -> list[str]:
    """Columns holding ciphertext (named *_encrypted) that no domain declares: `flask re-sign` would skip them,
    and retiring the old key would leave them unreadable."""
    from backend.db import Base

    declared = {resolve(column) for domain in domains for columns in (domain.encrypted or {}).values()
                for column in columns}
    declared_names = {f"{column.class_.__tablename__}.{column.key}" for column in declared}
    return sorted(f"{table.name}.{column.name}" for table in Base.metadata.tables.values()
                  for column in table.columns
                  if column.name.endswith("_encrypted") and f"{table.name}.{column.name}" not in declared_names)


def test_every_encrypted_column_is_declared_for_re_encryption(app):
    for domain in DOMAINS:
        for cipher in (domain.encrypted or {}):
            assert callable(resolve(cipher)), cipher
    assert not undeclared_encrypted_columns(DOMAINS), "declare them in the domain's Domain.encrypted"
    assert undeclared_encrypted_columns(tuple(d for d in DOMAINS if d.name != "orders")) == [
        "order_source.key_encrypted", "work_order.phone_encrypted"]


# A domain that declares a view, a job, an example-default setting and a points item, and documents none of them.
SCRATCH_BLP = Blueprint("scratch", __name__, url_prefix="/api/scratch", description="throw-away")


@SCRATCH_BLP.route("/things/<int:thing_id>")
class Thing(MethodView):
    @SCRATCH_BLP.response(200)
    def get(self, thing_id):
        """A thing"""
        return {}


SCRATCH = Domain(
    "scratch",
    blueprints=("tests.test_domains:SCRATCH_BLP",),
    jobs=(Job("scratch.tidy", {"hour": 1}, "tests.test_domains.Thing"),),
    settings=(Setting("SCRATCH_THINGS_PER_DAY", "7", int, "things a day", example_default=True),),
    points_items=(PointsItem("scratch_tidied", "整理", "次", "勤务实绩", "0.10", "2"),),
)


def test_a_domain_that_forgot_its_parts_fails_each_check(monkeypatch, tmp_path):
    monkeypatch.setattr(backend.api, "DOMAINS", (*DOMAINS, SCRATCH))  # its line in the list of domains
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.db'}", "SECRET_KEY": "test-secret",
                      "SCHEDULER_MODE": "off", "TESTING": True})
    readme = README.read_text(encoding="utf-8")

    assert undocumented_routes(app, (*DOMAINS, SCRATCH)) == [("GET", "/api/scratch/things/{thing_id}")]
    assert id_endpoints(app) - set(MATRIX) == {("GET", "/api/scratch/things/<int:thing_id>")}
    assert undocumented_settings((SCRATCH,), readme) == ["SCRATCH_THINGS_PER_DAY"]
    assert undocumented_jobs((SCRATCH,), readme) == ["scratch.tidy"]
    assert unexplained_example_defaults((SCRATCH,), readme) == ["SCRATCH_THINGS_PER_DAY"]
    assert unexplained_points_items((SCRATCH,), readme) == ["scratch_tidied"]
    app.extensions["db_engine"].dispose()
