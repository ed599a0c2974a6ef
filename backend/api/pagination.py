"""Pages of a SELECT for flask-smorest's @blp.paginate()."""
from sqlalchemy import Select, func, select

from backend.db import session


def page_of(stmt: Select, pagination) -> list:
    """One page of `stmt` (its objects, or its rows where it selects several columns); sets the total so
    flask-smorest writes the X-Pagination header. A page past the last is empty, however large its number."""
    pagination.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (pagination.page - 1) * pagination.page_size
    if offset >= pagination.item_count:
        return []
    page = session.execute(stmt.offset(offset).limit(pagination.page_size))
    return list(page.scalars() if len(stmt.column_descriptions) == 1 else page)
