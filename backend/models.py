"""Every model module, imported so that the metadata Alembic compares against is complete."""
from backend import audit  # noqa: F401
from backend.org import models as org_models  # noqa: F401
