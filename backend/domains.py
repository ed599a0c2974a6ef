"""The one ordered list of what makes up the service; the app factory, Alembic's metadata, the scheduler,
the CLI, the settings loader and the API walk it. Adding a domain: its package (with `DOMAIN`), its
migration, and one line below (see CONTRIBUTING.md).

The order is the API document's order of tags and the scheduler's catch-up order (a domain's jobs run
after those of the domains it reads: points after duty, training, community, cases and findings).
The shared pieces that are no domain (database, storage, keys, audit, scheduler, outbox) come first and
last; their settings are in backend/config.py, read before any domain is.
"""
from __future__ import annotations

from backend.registry import SWEEP, Domain, Job, Setting, resolve

CORE = Domain(
    "core",
    models=("backend.audit", "backend.scheduler"),
    blueprints=("backend.api.health:blp", "backend.api.downloads:blp"),
    cli=("backend.scheduler:scheduler_cli",),
    jobs=(Job("files.sweep_orphans", {"hour": 4, "minute": 10}, "backend.files.sweep_orphan_files",
              period=SWEEP),),  # files left by failed commits
    settings=(Setting("DOWNLOAD_LINK_SECONDS", "300", int, "a signed download link (POST /api/downloads/links) "
                      "opens its file for this many seconds", example_default=True),),
)

OUTBOX = Domain(
    "outbox",
    models=("backend.outbox",),
    blueprints=("backend.api.outbox.views:blp",),
    jobs=(Job("outbox.deliver", {"minute": "*"}, "backend.outbox.deliver", period=SWEEP,
              executor="outbox"),),  # every queued message (text cards), with retries; an outage delays no other job
)

# The desk console: pages that are clients of the API above (no domain of its own; its map's tile service).
CONSOLE = Domain(
    "console",
    blueprints=("backend.api.console:blp",),
    settings=(Setting("CONSOLE_TILE_URL", "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                      "&style=8&x={x}&y={y}&z={z}", str,
                      "map tiles of the desk console (GCJ-02, as the stored coordinates; e.g. the district's own)"),),
)

# Each domain, by its declaration ("package:DOMAIN").
DECLARATIONS = (
    "backend.org:DOMAIN",
    "backend.wechat:DOMAIN",
    "backend.community:DOMAIN",
    "backend.orders:DOMAIN",
    "backend.evidence:DOMAIN",
    "backend.duty:DOMAIN",
    "backend.training:DOMAIN",
    "backend.supervision.findings:DOMAIN",
    "backend.supervision.cases:DOMAIN",
    "backend.nonsite:DOMAIN",
    "backend.inspections:DOMAIN",  # its grade rules read non-site cases
    "backend.supervision.points:DOMAIN",
    "backend.training:DRILLS",
    "backend.cityreports:DOMAIN",  # reads every domain above
)

DOMAINS: tuple[Domain, ...] = (CORE, *(resolve(declaration) for declaration in DECLARATIONS), OUTBOX, CONSOLE)
