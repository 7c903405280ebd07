"""Table F's counts, kept as returns come in: outcome_tallies, filled from the returns
already submitted or accepted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:58:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The same counts portal.outcomes.tallies keeps, for every return handed in so far. The
# statements are built from constants only (nothing from outside is put into them).
_COUNTED = "r.status IN ('submitted', 'accepted')"
_FROM = (
    "FROM outcome_answers a JOIN outcome_returns r ON r.id = a.return_id "
    f"JOIN service_users s ON s.id = r.service_user_id WHERE {_COUNTED}"
)
BACKFILL = [
    "INSERT INTO outcome_tallies (period_id, provider_id, quadrant, code, met, sample) "
    "SELECT r.period_id, r.provider_id, s.quadrant, a.measure, "
    "SUM(CASE WHEN a.result = 'met' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN a.result <> 'not_applicable' THEN 1 ELSE 0 END) "
    f"{_FROM} GROUP BY r.period_id, r.provider_id, s.quadrant, a.measure",
    "INSERT INTO outcome_tallies (period_id, provider_id, quadrant, code, met, sample) "  # noqa: S608
    "SELECT period_id, provider_id, quadrant, outcome, "
    "SUM(CASE WHEN applied > 0 AND met = applied THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN applied > 0 THEN 1 ELSE 0 END) FROM ("
    "SELECT r.id, r.period_id, r.provider_id, s.quadrant, SUBSTR(a.measure, 1, 1) AS outcome, "
    "SUM(CASE WHEN a.result <> 'not_applicable' THEN 1 ELSE 0 END) AS applied, "
    "SUM(CASE WHEN a.result = 'met' THEN 1 ELSE 0 END) AS met "
    f"{_FROM} GROUP BY r.id, r.period_id, r.provider_id, s.quadrant, SUBSTR(a.measure, 1, 1)"
    ") per_return GROUP BY period_id, provider_id, quadrant, outcome",
    "INSERT INTO outcome_tallies (period_id, provider_id, quadrant, code, met, sample) "  # noqa: S608
    "SELECT r.period_id, r.provider_id, s.quadrant, 'returns', 0, COUNT(*) "
    "FROM outcome_returns r JOIN service_users s ON s.id = r.service_user_id "
    f"WHERE {_COUNTED} GROUP BY r.period_id, r.provider_id, s.quadrant",
]


def upgrade():
    op.create_table(
        "outcome_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column(
            "quadrant",
            sa.Enum(
                "east",
                "west",
                "central",
                "south",
                name="quadrant",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["reporting_periods.id"],
            name=op.f("fk_outcome_tallies_period_id_reporting_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_outcome_tallies_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_tallies")),
        sa.UniqueConstraint(
            "period_id",
            "provider_id",
            "quadrant",
            "code",
            name=op.f("uq_outcome_tallies_period_id"),
        ),
    )
    op.create_index(
        "ix_outcome_tallies_period_code",
        "outcome_tallies",
        ["period_id", "code", "provider_id", "quadrant", "met", "sample"],
        unique=False,
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    op.drop_table("outcome_tallies")
