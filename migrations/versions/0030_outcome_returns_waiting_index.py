"""An index on a return's status, quarter, provider and when it was handed in
(ix_outcome_returns_waiting), for the council's queue of returns to accept: it reads only
the returns waiting, grouped by quarter and provider, the oldest first, and What needs
you counts them, however many returns were accepted before.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 08:00:00

"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outcome_returns_waiting",
        "outcome_returns",
        ["status", "period_id", "provider_id", "submitted_at"],
    )


def downgrade():
    op.drop_index("ix_outcome_returns_waiting", table_name="outcome_returns")
