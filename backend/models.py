"""Every model module of every domain (backend/domains.py), imported so that the metadata Alembic compares
against, and the app's first query, see every table."""
import importlib

from backend.domains import DOMAINS

for _module in (module for domain in DOMAINS for module in domain.models):
    importlib.import_module(_module)
