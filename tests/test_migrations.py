"""The migrations and the models agree, on whichever database the suite runs."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.db import Base
from backend.migrate import alembic_config, not_a_partition


def test_one_linear_history(database_url):
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_models_match_the_migrated_database(_transaction):
    context = MigrationContext.configure(_transaction, opts={"compare_type": True, "render_as_batch": True,
                                                              "include_name": not_a_partition(_transaction)})
    assert compare_metadata(context, Base.metadata) == []
