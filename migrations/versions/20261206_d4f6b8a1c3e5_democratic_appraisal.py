"""Democratic appraisal (民主评议党员).

appraisal_rounds (one per organisation, side and period, over a ballot box of kind "appraisal"),
appraisal_participants (fixed when the round is set up), appraisal_self (self-appraisals) and
appraisal_grades (the organisation's grades, appended). All tables start empty.

Revision ID: d4f6b8a1c3e5
Revises: a1c3e5b7d9f2
Create Date: 2026-12-06 23:59:00
"""

import sqlalchemy as sa
from alembic import op

from school.db import UTCDateTime

revision = "d4f6b8a1c3e5"
down_revision = "a1c3e5b7d9f2"
branch_labels = None
depends_on = None

_GRADE = "grade IN ('优秀', '合格', '基本合格', '不合格')"


def upgrade() -> None:
    op.create_table(
        "appraisal_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("side IN ('home', 'host')", name=op.f("ck_appraisal_rounds_side")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_appraisal_rounds_year")),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_boxes.id"],
            name=op.f("fk_appraisal_rounds_box_id_ballot_boxes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_appraisal_rounds_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_appraisal_rounds_org_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_rounds")),
        sa.UniqueConstraint("box_id", name=op.f("uq_appraisal_rounds_box_id")),
    )
    with op.batch_alter_table("appraisal_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appraisal_rounds_org_id"), ["org_id"], unique=False)

    op.create_table(
        "appraisal_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_appraisal_participants_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            name=op.f("fk_appraisal_participants_round_id_appraisal_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_participants")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_appraisal_participants_round_id_member_id")
        ),
    )
    with op.batch_alter_table("appraisal_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appraisal_participants_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appraisal_participants_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "appraisal_self",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_GRADE, name=op.f("ck_appraisal_self_grade")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_appraisal_self_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            name=op.f("fk_appraisal_self_round_id_appraisal_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_self")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_appraisal_self_round_id_member_id")
        ),
    )
    with op.batch_alter_table("appraisal_self", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appraisal_self_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appraisal_self_round_id"), ["round_id"], unique=False)

    op.create_table(
        "appraisal_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("graded_by_id", sa.Integer(), nullable=False),
        sa.Column("graded_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_GRADE, name=op.f("ck_appraisal_grades_grade")),
        sa.ForeignKeyConstraint(
            ["graded_by_id"],
            ["users.id"],
            name=op.f("fk_appraisal_grades_graded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_appraisal_grades_member_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["appraisal_rounds.id"],
            name=op.f("fk_appraisal_grades_round_id_appraisal_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_grades")),
    )
    with op.batch_alter_table("appraisal_grades", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appraisal_grades_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appraisal_grades_round_id"), ["round_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appraisal_grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_grades_round_id"))
        batch_op.drop_index(batch_op.f("ix_appraisal_grades_member_id"))
    op.drop_table("appraisal_grades")
    with op.batch_alter_table("appraisal_self", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_self_round_id"))
        batch_op.drop_index(batch_op.f("ix_appraisal_self_member_id"))
    op.drop_table("appraisal_self")
    with op.batch_alter_table("appraisal_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_participants_round_id"))
        batch_op.drop_index(batch_op.f("ix_appraisal_participants_member_id"))
    op.drop_table("appraisal_participants")
    with op.batch_alter_table("appraisal_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_rounds_org_id"))
    op.drop_table("appraisal_rounds")
