"""The weights of the council's annual re-ranking of providers (council_settings.
ranking_weight_*): how much a provider's CQC rating, QAF level, outcome results and returns
on time count towards its score. Whole numbers from 0 to 100, at least one above 0.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 10:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

WEIGHTS = (
    ("ranking_weight_cqc", "30"),
    ("ranking_weight_qaf", "30"),
    ("ranking_weight_outcomes", "20"),
    ("ranking_weight_outcome_returns", "10"),
    ("ranking_weight_capacity_returns", "10"),
)
BOUNDED = " AND ".join(f"{name} BETWEEN 0 AND 100" for name, _ in WEIGHTS)
SOME = " + ".join(name for name, _ in WEIGHTS) + " > 0"


def upgrade():
    with op.batch_alter_table("council_settings", schema=None) as batch_op:
        for name, default in WEIGHTS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), server_default=default, nullable=False)
            )
        batch_op.create_check_constraint(
            op.f("ck_council_settings_ranking_weights"), f"{BOUNDED} AND {SOME}"
        )


def downgrade():
    with op.batch_alter_table("council_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_council_settings_ranking_weights"), type_="check")
        for name, _ in reversed(WEIGHTS):
            batch_op.drop_column(name)
