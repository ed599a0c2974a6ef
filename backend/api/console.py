"""The desk console (管理端): HTML pages under /console/ whose scripts call the same JSON API as every client.

The pages hold no rule of their own: each is a template naming its script module (console/static/js), and the
script asks the API for what it shows and sends what people do to the API, showing the API's refusals beside
the fields. The map's tile service comes from CONSOLE_TILE_URL (its origin is added to the page's img-src).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, redirect, render_template, send_from_directory, url_for
from flask.views import MethodView

from backend.api.boundary import Blueprint
from backend.api.headers import allow_image_origin
from backend.community.models import STATUS_NAMES
from backend.config import ROOT, settings
from backend.duty.models import DUTY_TYPE_NAMES
from backend.orders.models import STATUS_NAMES as ORDER_STATUS_NAMES
from backend.org.models import ROLE_NAMES, Role
from backend.org.roles import (
    CITY_ADMINS,
    CITY_STAFF,
    CREDIT_PROGRESS_READERS,
    DISTRICT_ADMINS,
    LEGAL_REVIEWERS,
    NONSITE_REPORT_READERS,
    OBSERVERS,
    SQUAD_MANAGERS,
    SUPERVISING_STAFF,
    TOWN_INDEX_READERS,
    TRAINING_STAFF,
)
from backend.supervision.points.appraisal import RATING_NAMES
from backend.wechat.login import qr_login_offered

CONSOLE_DIR = ROOT / "console"
# page name -> its title; the page's script is static/js/<name>.js
PAGES = {"login": "登录", "board": "今日勤务", "posts": "点位围栏", "roster": "周排班", "complaints": "诉件与工单",
         "points": "月积分审核", "appraisal": "季度与年度", "training": "培训",
         "supervision": "督察", "notices": "通知与整改", "admin": "人员与工作室", "staff": "人员与时限",
         "city": "全市报表",
         "courses": "课程与直播", "exams": "试卷与成绩", "calendar": "工作日历", "rules": "积分规则",
         "nonsite": "非现场月报"}
# the menu: its sections (a drop-down each; a section of one page is a plain link) and their pages, in this order.
# One row at 1366 px for every role; the first page a role is offered in this order is where a page it does not
# use sends it.
MENU = {"勤务": ("board", "posts", "roster"), "诉件与工单": ("complaints",),
        "考核": ("points", "appraisal", "rules"), "督察": ("supervision", "notices"),
        "培训": ("training", "courses", "exams"), "报表": ("city", "nonsite"),
        "设置": ("admin", "staff", "calendar")}
# page name -> (who is offered it, who sees its write controls), from the sets the API checks
# (backend/org/roles.py): a page a role cannot use is not in its menu, and opening it goes to the first page
# it can; observers (city staff, 街镇 leaders) see the pages of the work they follow, without write controls.
PAGE_ROLES: dict[str, tuple[frozenset[Role], frozenset[Role]]] = {
    "board": (SQUAD_MANAGERS | SUPERVISING_STAFF | OBSERVERS, SQUAD_MANAGERS),
    "posts": (SQUAD_MANAGERS | OBSERVERS, SQUAD_MANAGERS),
    "roster": (SQUAD_MANAGERS | OBSERVERS, SQUAD_MANAGERS),
    "complaints": (SQUAD_MANAGERS | SUPERVISING_STAFF | OBSERVERS, SQUAD_MANAGERS),
    "points": (SQUAD_MANAGERS | SUPERVISING_STAFF | OBSERVERS, SQUAD_MANAGERS),
    "appraisal": (SQUAD_MANAGERS | OBSERVERS, SQUAD_MANAGERS),
    "training": (CREDIT_PROGRESS_READERS, TRAINING_STAFF),
    "supervision": (SUPERVISING_STAFF | CITY_STAFF, SUPERVISING_STAFF),
    "notices": (SUPERVISING_STAFF | CITY_STAFF, SUPERVISING_STAFF),
    "admin": (DISTRICT_ADMINS | CITY_ADMINS, DISTRICT_ADMINS),
    "staff": (DISTRICT_ADMINS, DISTRICT_ADMINS),
    "city": (TOWN_INDEX_READERS, frozenset()),
    "courses": (TRAINING_STAFF | CITY_STAFF, TRAINING_STAFF),
    "exams": (TRAINING_STAFF, frozenset()),  # papers' item statistics: the trainers' tool, not the observers'
    "calendar": (DISTRICT_ADMINS | LEGAL_REVIEWERS | CITY_STAFF, DISTRICT_ADMINS),
    "rules": (SQUAD_MANAGERS | SUPERVISING_STAFF | CITY_STAFF, DISTRICT_ADMINS),
    "nonsite": (NONSITE_REPORT_READERS, frozenset()),  # counts only: observers read it as the squads do
}
# a control of a page (its element's data-roles) -> who is offered it, where fewer than the page's writers may use it
CONTROL_ROLES: dict[str, frozenset[Role]] = {
    "credit_requirements": DISTRICT_ADMINS,  # the district's yearly credit hours: its administrators set them
    "districts": CITY_ADMINS,  # adding a district and its first administrator
}
# the pages that show one district's settings: a city role picks the district first (they belong to none)
DISTRICT_PAGES = {"calendar", "rules"}
# the pages that load Leaflet, and those that load Chart.js
MAPS = {"board", "posts", "complaints"}
CHARTS = {"points", "appraisal", "training", "supervision", "city", "nonsite"}

blp = Blueprint("console", __name__, url_prefix="/console", template_folder=str(CONSOLE_DIR / "templates"),
                description="管理端页面（HTML；页面脚本调用本接口文档中的接口）")


def _roles_of(page: str) -> tuple[frozenset[Role], frozenset[Role]]:
    """Who is offered `page` and who sees its write controls; a page not in the map yet: everyone, observers
    reading only (the API refuses their writes anyway)."""
    return PAGE_ROLES.get(page, (frozenset(Role), frozenset(Role) - OBSERVERS))


def _page(name: str) -> Response:
    tile_url = settings().CONSOLE_TILE_URL
    tiles = urlsplit(tile_url)
    allow_image_origin(f"{tiles.scheme}://{tiles.netloc}")
    response = Response(render_template(
        "console.html", page=name, title=PAGES[name], pages=PAGES, menu=MENU, tile_url=tile_url, maps=MAPS,
        charts=CHARTS,
        complaint_statuses={status.value: label for status, label in STATUS_NAMES.items()},
        order_statuses={status.value: label for status, label in ORDER_STATUS_NAMES.items()},
        duty_types={duty_type.value: label for duty_type, label in DUTY_TYPE_NAMES.items()},
        ratings=RATING_NAMES,
        roles={role.value: label for role, label in ROLE_NAMES.items()},
        offered={page: " ".join(sorted(role.value for role in _roles_of(page)[0])) for page in PAGES},
        writers=" ".join(sorted(role.value for role in _roles_of(name)[1])),
        controls={control: " ".join(sorted(role.value for role in who)) for control, who in CONTROL_ROLES.items()},
        city_roles=" ".join(sorted(role.value for role in CITY_STAFF)),
        district_page=name in DISTRICT_PAGES,
        wechat_qr=name == "login" and qr_login_offered()))
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.route("/", endpoint="home")
class Home(MethodView):
    @blp.doc(summary="管理端首页（转到今日勤务）")
    @blp.response(302)
    def get(self):
        return redirect(url_for("console.page", name="board"))


@blp.route("/<any(" + ", ".join(PAGES) + "):name>", endpoint="page")
class Page(MethodView):
    @blp.doc(summary="管理端页面（HTML）：" + " / ".join(f"{name} {title}" for name, title in PAGES.items()))
    @blp.response(200, content_type="text/html")
    def get(self, name):
        return _page(name)


@blp.route("/static/<path:filename>", endpoint="static")
class Static(MethodView):
    @blp.doc(summary="管理端页面的脚本、样式与地图、图表库（随代码发布的文件）")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, filename):
        response = send_from_directory(CONSOLE_DIR / "static", filename, max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response
