"""inspections: the registry of regulated objects (kinds with their standard checklists, objects with encrypted
contacts), risk grades with their history, the grades' interval rules; conflicts of interest, plans, draws and
inspections

Revision ID: 0031
Revises: 0030
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)
GRADE = sa.Enum("high", "medium", "low", name="grade", native_enum=False, length=8)


def upgrade() -> None:
    op.create_table(
        "inspection_object_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_inspection_object_kind_district_id_district")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_object_kind")),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_inspection_object_kind_district_id_code")),
    )
    op.create_index(op.f("ix_inspection_object_kind_district_id"), "inspection_object_kind", ["district_id"])
    op.create_table(
        "inspection_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("licence_numbers", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("contact_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("contact_masked", sa.String(length=40), nullable=True),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("grid_cell", sa.String(length=32), nullable=True),
        sa.Column("grade", GRADE, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_inspection_object_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["kind_id"], ["inspection_object_kind.id"], name=op.f("fk_inspection_object_kind_id_inspection_object_kind")
        ),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_object_squad_id_squad")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_object")),
        sa.UniqueConstraint("district_id", "credit_code", name=op.f("uq_inspection_object_district_id_credit_code")),
    )
    for column in ("district_id", "kind_id", "squad_id", "grade"):
        op.create_index(op.f(f"ix_inspection_object_{column}"), "inspection_object", [column])
    op.create_table(
        "inspection_grade_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("grade_from", GRADE, nullable=True),
        sa.Column("grade_to", GRADE, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["inspection_object.id"], ondelete="CASCADE",
                                name=op.f("fk_inspection_grade_change_object_id_inspection_object")),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_grade_change_squad_id_squad")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_grade_change_changed_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_grade_change")),
    )
    for column in ("object_id", "squad_id"):
        op.create_index(op.f(f"ix_inspection_grade_change_{column}"), "inspection_grade_change", [column])
    op.create_table(
        "inspection_grade_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("grade", GRADE, nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("interval_months between 1 and 60", name=op.f("ck_inspection_grade_rule_interval_in_range")),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_inspection_grade_rule_district_id_district")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_grade_rule_created_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_grade_rule")),
        sa.UniqueConstraint("district_id", "grade", "effective_from",
                            name=op.f("uq_inspection_grade_rule_district_id_grade_effective_from")),
    )
    op.create_index(op.f("ix_inspection_grade_rule_district_id"), "inspection_grade_rule", ["district_id"])
    op.create_table(
        "inspection_exclusion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_inspection_exclusion_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_inspection_exclusion_officer_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["inspection_object.id"],
            ondelete="CASCADE",
            name=op.f("fk_inspection_exclusion_object_id_inspection_object"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["officer.id"], name=op.f("fk_inspection_exclusion_created_by_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_exclusion")),
        sa.UniqueConstraint("officer_id", "object_id", name=op.f("uq_inspection_exclusion_officer_id_object_id")),
    )
    for column in ("district_id", "officer_id", "object_id"):
        op.create_index(op.f(f"ix_inspection_exclusion_{column}"), "inspection_exclusion", [column])
    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("kind_ids", sa.JSON(), nullable=False),
        sa.Column("squad_ids", sa.JSON(), nullable=False),
        sa.Column("grades", sa.JSON(), nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"], name=op.f("fk_inspection_plan_district_id_district")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["officer.id"], name=op.f("fk_inspection_plan_created_by_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan")),
    )
    op.create_index(op.f("ix_inspection_plan_district_id"), "inspection_plan", ["district_id"])
    op.create_table(
        "inspection_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("superseded_at", UTC, nullable=True),
        sa.Column("drawn_by_id", sa.Integer(), nullable=False),
        sa.Column("drawn_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"], name=op.f("fk_inspection_draw_district_id_district")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["inspection_plan.id"], name=op.f("fk_inspection_draw_plan_id_inspection_plan")
        ),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["officer.id"], name=op.f("fk_inspection_draw_drawn_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_draw")),
    )
    for column in ("district_id", "plan_id"):
        op.create_index(op.f(f"ix_inspection_draw_{column}"), "inspection_draw", [column])
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("due", "done", "cancelled", name="inspectionstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["inspection_draw.id"], name=op.f("fk_inspection_draw_id_inspection_draw")
        ),
        sa.ForeignKeyConstraint(
            ["object_id"], ["inspection_object.id"], name=op.f("fk_inspection_object_id_inspection_object")
        ),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_squad_id_squad")),
        sa.ForeignKeyConstraint(["done_by_id"], ["officer.id"], name=op.f("fk_inspection_done_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    for column in ("draw_id", "object_id", "squad_id"):
        op.create_index(op.f(f"ix_inspection_{column}"), "inspection", [column])


def downgrade() -> None:
    op.drop_table("inspection")
    op.drop_table("inspection_draw")
    op.drop_table("inspection_plan")
    op.drop_table("inspection_exclusion")
    op.drop_table("inspection_grade_rule")
    op.drop_table("inspection_grade_change")
    op.drop_table("inspection_object")
    op.drop_table("inspection_object_kind")
