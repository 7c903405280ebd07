"""The council's smallest comparable sample (council_settings.smallest_comparable_sample,
30 returns unless a commissioner changes it): outcome figures from fewer returns are
flagged as too small to compare, and no change is reported between them.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 08:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("council_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "smallest_comparable_sample", sa.Integer(), server_default="30", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_council_settings_smallest_comparable_sample"),
            "smallest_comparable_sample BETWEEN 1 AND 1000",
        )


def downgrade():
    with op.batch_alter_table("council_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_council_settings_smallest_comparable_sample"), type_="check"
        )
        batch_op.drop_column("smallest_comparable_sample")
