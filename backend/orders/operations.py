"""What changes orders' sources: district administrators configure where orders come from."""
from __future__ import annotations

from backend.community.models import Category
from backend.db import session
from backend.errors import Conflict, Invalid
from backend.geo import COORD_SYSTEMS
from backend.orders.intake import seal_source_key
from backend.orders.models import INBOUND_ONLY, OrderSource, SourceKind, Status
from backend.org.models import Officer, Squad
from backend.org.roles import DISTRICT_ADMINS, require
from backend.org.scope import get_visible

MIN_KEY_CHARS = 32


def create_source(*, actor: Officer, name: str, title: str, kind: str, key: str, squad_id: int,
                  callback_url: str | None, coord_system: str, category_map: dict, status_map: dict,
                  internal: bool = False, pull_url: str | None = None) -> OrderSource:
    """A platform the district takes orders from (its name is the inbound URL's last part); with a `pull_url`,
    the `orders.pull` job also polls its list."""
    require(actor, DISTRICT_ADMINS)
    squad = get_visible(Squad, squad_id, actor, what="中队")
    if len(key) < MIN_KEY_CHARS:
        raise Invalid(f"来源密钥至少 {MIN_KEY_CHARS} 个字符", code="key_too_short")
    if coord_system not in COORD_SYSTEMS:
        raise Invalid("坐标系只能是 gcj02 或 wgs84", code="bad_coord_system")
    unknown = sorted({str(v) for v in category_map.values()} - {c.value for c in Category})
    if unknown:
        raise Invalid(f"类别映射指向未知类别：{'、'.join(unknown)}", code="bad_category_map")
    unknown = sorted({str(v) for v in status_map.values()} - {s.value for s in Status} - INBOUND_ONLY)
    if unknown:
        raise Invalid(f"状态映射指向未知状态：{'、'.join(unknown)}", code="bad_status_map")
    if session.query(OrderSource.id).filter_by(name=name).first():
        raise Conflict("来源名称已被使用", code="source_name_taken")
    source = OrderSource(district_id=squad.district_id, squad_id=squad.id, name=name, title=title,
                         kind=SourceKind(kind), key_encrypted=seal_source_key(key), callback_url=callback_url,
                         coord_system=coord_system, category_map=category_map, status_map=status_map, active=True,
                         internal=internal, pull_url=pull_url)
    session.add(source)
    session.flush()
    return source
