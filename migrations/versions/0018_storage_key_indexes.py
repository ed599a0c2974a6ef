"""files: the columns that refer to stored files are indexed, for the nightly orphan sweep's look-ups
(community photos, duty selfies, course materials, drill attempt images; evidence keys already were)

Revision ID: 0018
Revises: 0017
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (("complaint_photo", "storage_key"), ("duty_check", "selfie_key"),
           ("training_course_material", "file_key"), ("training_drill_attempt", "image_key"))


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
