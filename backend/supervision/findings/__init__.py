"""Supervision findings (督察) and the two forms and two letters (两单两书)."""
from backend.registry import SWEEP, Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "findings",
    models=("backend.supervision.findings.models",),
    blueprints=("backend.api.supervision.findings:blp",),
    jobs=(Job("supervision.notice_overdue", {"minute": 15}, "backend.supervision.findings.jobs.hourly", period=SWEEP),),
    settings=(
        Setting("SUPERVISION_FINDING_TYPES", "uniform:着装不规范,badge:未按规定亮证,language:执法用语不文明,"
                "absence:脱岗离岗,recording:未全程记录,procedure:执法程序不规范,other:其他", str,
                "code:名称,… of supervision findings"),
        Setting("SUPERVISION_FINDING_URL", "https://localhost/app/supervision/findings/{id}", str,
                "light-app page of a finding"),
        Setting("SUPERVISION_NOTICE_URL", "https://localhost/app/supervision/notices/{id}", str,
                "light-app page of a notice"),
    ),
    points_sources=("backend.supervision.findings.points",),
    points_items=(
        PointsItem("finding_severity", "督察发现问题（按严重程度计）", "级", "督察", "-1.00", "20"),
    ),
)
