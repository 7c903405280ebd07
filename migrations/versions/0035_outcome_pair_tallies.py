"""Table F for the same people quarter to quarter: outcome_pair_tallies, kept as returns
come in (portal.outcomes.tallies), filled here from the returns already submitted or
accepted: for each person with a return handed in in a quarter and in the quarter before,
each outcome and measure that applied in both, and whether it was met in each.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# The same counts portal.outcomes.tallies keeps, for every pair handed in so far. The
# statements are built from constants only (nothing from outside is put into them).
_COLUMNS = "period_id, provider_id, quadrant, code, pairs, met_before, met_now, improved, declined"
# Each quarter's return with the same person's in the quarter before (the nearest by start).
_PAIRS = (
    "WITH neighbours AS (SELECT p.id, (SELECT q.id FROM reporting_periods q "
    "WHERE q.kind = p.kind AND q.start_date < p.start_date ORDER BY q.start_date DESC LIMIT 1) "
    "AS previous_id FROM reporting_periods p WHERE p.kind = 'outcomes'), "
    "pairs AS (SELECT b.id AS before_id, n.id AS now_id, n.period_id, n.provider_id, s.quadrant "
    "FROM outcome_returns n JOIN neighbours ON neighbours.id = n.period_id "
    "JOIN outcome_returns b ON b.service_user_id = n.service_user_id "
    "AND b.period_id = neighbours.previous_id "
    "JOIN service_users s ON s.id = n.service_user_id "
    "WHERE n.status IN ('submitted', 'accepted') AND b.status IN ('submitted', 'accepted')) "
)
_KEY = "pairs.period_id, pairs.provider_id, pairs.quadrant"


def _figures(before_met: str, now_met: str) -> str:
    return (
        f"COUNT(*), SUM(CASE WHEN {before_met} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {now_met} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT ({before_met}) AND {now_met} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {before_met} AND NOT ({now_met}) THEN 1 ELSE 0 END)"
    )


# An outcome's figures for each pair: its measures answered in both returns, side by side.
_PER_PAIR = (
    f"SELECT {_KEY}, SUBSTR(a.measure, 1, 1) AS outcome, "  # noqa: S608
    "SUM(CASE WHEN b.result <> 'not_applicable' THEN 1 ELSE 0 END) AS applied_before, "
    "SUM(CASE WHEN b.result = 'met' THEN 1 ELSE 0 END) AS met_before, "
    "SUM(CASE WHEN a.result <> 'not_applicable' THEN 1 ELSE 0 END) AS applied_now, "
    "SUM(CASE WHEN a.result = 'met' THEN 1 ELSE 0 END) AS met_now "
    "FROM pairs JOIN outcome_answers b ON b.return_id = pairs.before_id "
    "JOIN outcome_answers a ON a.return_id = pairs.now_id AND a.measure = b.measure "
    f"GROUP BY pairs.now_id, {_KEY}, SUBSTR(a.measure, 1, 1)"
)
_GROUP = "period_id, provider_id, quadrant"


_MEASURE_FIGURES = _figures("b.result = 'met'", "a.result = 'met'")
_OUTCOME_FIGURES = _figures("met_before = applied_before", "met_now = applied_now")
BACKFILL = [
    f"INSERT INTO outcome_pair_tallies ({_COLUMNS}) {_PAIRS}"  # noqa: S608
    f"SELECT {_KEY}, a.measure, {_MEASURE_FIGURES} "
    "FROM pairs JOIN outcome_answers b ON b.return_id = pairs.before_id "
    "JOIN outcome_answers a ON a.return_id = pairs.now_id AND a.measure = b.measure "
    "WHERE b.result <> 'not_applicable' AND a.result <> 'not_applicable' "
    f"GROUP BY {_KEY}, a.measure",
    f"INSERT INTO outcome_pair_tallies ({_COLUMNS}) {_PAIRS}"  # noqa: S608
    f"SELECT {_GROUP}, outcome, {_OUTCOME_FIGURES} FROM ({_PER_PAIR}) per_pair "
    f"WHERE applied_before > 0 AND applied_now > 0 GROUP BY {_GROUP}, outcome",
    f"INSERT INTO outcome_pair_tallies ({_COLUMNS}) {_PAIRS}"  # noqa: S608
    f"SELECT {_KEY}, 'returns', COUNT(*), 0, 0, 0, 0 FROM pairs GROUP BY {_KEY}",
]


def upgrade():
    op.create_table(
        "outcome_pair_tallies",
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
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("met_before", sa.Integer(), nullable=False),
        sa.Column("met_now", sa.Integer(), nullable=False),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["reporting_periods.id"],
            name=op.f("fk_outcome_pair_tallies_period_id_reporting_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_outcome_pair_tallies_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_pair_tallies")),
        sa.UniqueConstraint(
            "period_id",
            "provider_id",
            "quadrant",
            "code",
            name=op.f("uq_outcome_pair_tallies_period_id"),
        ),
    )
    op.create_index(
        "ix_outcome_pair_tallies_period_code",
        "outcome_pair_tallies",
        [
            "period_id",
            "code",
            "provider_id",
            "quadrant",
            "pairs",
            "met_before",
            "met_now",
            "improved",
            "declined",
        ],
        unique=False,
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    op.drop_table("outcome_pair_tallies")
