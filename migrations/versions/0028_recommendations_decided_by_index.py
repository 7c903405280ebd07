"""An index on who decided a recommendation and when (ix_recommendations_decided_by), for
a care manager's list of the recommendations they decided, newest first: no index served
that filter, so the list read every recommendation the council ever had.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 05:00:00

"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_recommendations_decided_by",
        "recommendations",
        ["decided_by_id", "decided_at", "id"],
    )


def downgrade():
    op.drop_index("ix_recommendations_decided_by", table_name="recommendations")
