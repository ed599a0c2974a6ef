"""Pages of a SELECT for flask-smorest's @blp.paginate()."""
from sqlalchemy import Select, func, select

from backend.db import session


def page_of(stmt: Select, pagination) -> list:
    """One page of `stmt` (its objects, or its rows where it selects several columns); sets the total so
    flask-smorest writes the X-Pagination header."""
    pagination.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = session.execute(stmt.offset((pagination.page - 1) * pagination.page_size).limit(pagination.page_size))
    return list(page.scalars() if len(stmt.column_descriptions) == 1 else page)
