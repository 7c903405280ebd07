"""Refused sign-ins counted per email address typed (failed_sign_ins), so a lockout after
repeated failures holds across every worker and instance, and an administrator can see
and lift it.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-04 23:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "failed_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_sign_ins")),
        sa.UniqueConstraint("email", name=op.f("uq_failed_sign_ins_email")),
    )


def downgrade():
    op.drop_table("failed_sign_ins")
