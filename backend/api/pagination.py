"""Pages of a SELECT for flask-smorest's @blp.paginate()."""
from sqlalchemy import Select, func, select

from backend.db import session


def page_of(stmt: Select, pagination) -> list:
    """One page of `stmt`; sets the total so flask-smorest writes the X-Pagination header."""
    pagination.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (pagination.page - 1) * pagination.page_size
    return list(session.scalars(stmt.offset(offset).limit(pagination.page_size)))
