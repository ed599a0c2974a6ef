"""Pages of a SELECT for flask-smorest's @blp.paginate(), and the list view every API module shares."""
from sqlalchemy import Select, func, select

from backend.api.security import auth_required, current_actor
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


def listing(blp, query, filter_schema, schema, summary: str, *roles):
    """A paginated GET of `query(actor, *url_ids, **filters)`, the filters read from the query string (none when
    `filter_schema` is None), open to `roles` (anyone signed in when none are given); `summary` is what the
    OpenAPI document says of it."""
    def get(self, *filters, pagination_parameters, **ids):
        return page_of(query(current_actor(), *ids.values(), **(filters[0] if filters else {})), pagination_parameters)

    get.__doc__ = summary
    get = blp.paginate()(get)
    get = blp.response(200, schema(many=True))(get)
    if filter_schema is not None:
        get = blp.arguments(filter_schema, location="query")(get)
    return auth_required(blp, *roles)(get)
