"""Print-ready pages of the two forms and two letters: Chinese, A4, no outside resources."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from backend.db import LOCAL_TZ
from backend.supervision.findings.models import (
    NOTICE_NAMES,
    NOTICE_STATUS_NAMES,
    SEVERITY_NAMES,
    Notice,
    NoticeKind,
    Severity,
)
from backend.supervision.findings.queries import finding_types

# What each kind says before the problem, and what it calls the requirement.
WORDING = {
    NoticeKind.inform: ("经督察，发现存在以下问题：", "整改要求"),
    NoticeKind.supervise: ("经督察，下列问题需督办整改：", "督办要求"),
    NoticeKind.decision: ("经执法监督，发现存在以下问题：", "监督决定"),
    NoticeKind.suggestion: ("经执法监督，发现存在以下问题：", "监督建议"),
}

_env = Environment(loader=PackageLoader("backend.supervision.findings", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_env.filters["cn_date"] = lambda d: f"{d.year}年{d.month}月{d.day}日" if d else ""
_env.filters["cn_time"] = lambda m: f"{m.astimezone(LOCAL_TZ):%Y年%m月%d日 %H:%M}" if m else ""
_env.filters["local_day"] = lambda m: m.astimezone(LOCAL_TZ).date()


def render_notice(notice: Notice) -> str:
    """The notice as a print-ready HTML page."""
    finding = notice.finding
    lead, requirement_label = WORDING[notice.kind]
    return _env.get_template("notice.html").render(
        notice=notice, title=NOTICE_NAMES[notice.kind], lead=lead, requirement_label=requirement_label,
        recipient=notice.officer.name if notice.officer else notice.squad.name,
        recipient_squad=notice.squad.name, status=NOTICE_STATUS_NAMES[notice.status],
        district=notice.issued_by.district.name, finding=finding,
        finding_type=finding_types().get(finding.type_code, finding.type_code) if finding else None,
        severity=SEVERITY_NAMES[Severity(finding.severity)] if finding else None,
    )
