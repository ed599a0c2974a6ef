"""org: the legal reviewer (法制审核员), district staff without a squad, who reviews non-site cases.

The role column is a plain string; only the check that squad members have a squad names the roles.

Revision ID: 0070
Revises: 0068
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0070"
down_revision: str | Sequence[str] | None = "0068"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_officer_squad_member_has_squad"


def _check(roles: str) -> None:
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.create_check_constraint(op.f(CHECK), f"role in ({roles}) or squad_id is not null")


def upgrade() -> None:
    _check("'district_admin', 'supervisor', 'trainer', 'legal_reviewer'")


def downgrade() -> None:
    _check("'district_admin', 'supervisor', 'trainer'")
