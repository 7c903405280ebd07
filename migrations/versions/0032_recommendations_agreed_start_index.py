"""An index on a recommendation's status and agreed start (ix_recommendations_status_
agreed_start): "Do reductions hold?" reads the reductions approved to start in a financial
year, however many years of decisions the council holds.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 09:00:00

"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_recommendations_status_agreed_start",
        "recommendations",
        ["status", "agreed_start_date"],
    )


def downgrade():
    op.drop_index("ix_recommendations_status_agreed_start", table_name="recommendations")
