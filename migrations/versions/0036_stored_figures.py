"""stored_figures: the dashboard's monthly figures, counted once for each month that is over
and kept (portal.common.stored_figures), so the committee report reads them rather than
counting every package line. Empty here: `flask reports refresh` fills it, and until it
has, every figure is counted as it is read.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("figure", sa.String(length=60), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_figures")),
        sa.UniqueConstraint("figure", "month", name=op.f("uq_stored_figures_figure")),
    )
    op.create_index(
        "ix_stored_figures_topic_month", "stored_figures", ["topic", "month"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_stored_figures_topic_month", table_name="stored_figures")
    op.drop_table("stored_figures")
