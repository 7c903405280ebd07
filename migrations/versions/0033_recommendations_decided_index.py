"""An index on a recommendation's status, kind and when it was decided
(ix_recommendations_status_kind_decided), for the contract dashboard's hours released: the
reductions approved in a year or a quarter, read by their decision's date; no index served
it, so each dashboard read every approved recommendation the council ever had.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 10:30:00

"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_recommendations_status_kind_decided",
        "recommendations",
        ["status", "kind", "decided_at"],
    )


def downgrade():
    op.drop_index("ix_recommendations_status_kind_decided", table_name="recommendations")
