"""Do reductions hold? reduction_checkpoints: each approved reduction's weekly minutes on
its agreed start, at 91 days and at 365 days (once that day has come), and the verdict at
each, worked out from the package lines for every reduction already approved.

The backfill is the rule portal.recommendations.checkpoints keeps, in plain SQL for each
database, as seen on today's London date; `flask reductions checkpoints` fills the later
checkpoints night by night.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 10:00:00

"""

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

CHECKPOINTS = (91, 365)
VERDICTS = ("held", "went_back_up", "ended", "not_yet_known")

# A line's weekly minutes: calls x minutes x carers x the days set in its mask.
_DAYS = " + ".join(f"((l.days_of_week >> {n}) & 1)" for n in range(7))
WEEKLY = f"l.calls_per_day * l.minutes_per_call * l.carers_per_call * ({_DAYS})"


def _minutes_on(day: str) -> str:
    return (
        f"(SELECT COALESCE(SUM({WEEKLY}), 0) FROM package_lines l "  # noqa: S608 (constants)
        f"WHERE l.service_user_id = r.service_user_id AND l.start_date <= {day} "
        f"AND (l.end_date IS NULL OR l.end_date >= {day}))"
    )


def _backfill(dialect: str) -> str:
    def after(days: int) -> str:
        if dialect == "sqlite":
            return f"date(r.agreed_start_date, '+{days} days')"
        return f"(r.agreed_start_date + {days})"

    inner = [
        "r.id AS recommendation_id",
        "r.provider_id",
        "r.service_user_id",
        "r.agreed_start_date",
        f"{_minutes_on('r.agreed_start_date')} AS weekly_minutes_agreed",
    ]
    outer = [
        "recommendation_id",
        "provider_id",
        "service_user_id",
        "agreed_start_date",
        "weekly_minutes_agreed",
    ]
    for days in CHECKPOINTS:
        day = after(days)
        minutes = f"weekly_minutes_{days}"
        inner += [
            f"{day} AS checkpoint_{days}_on",
            f"CASE WHEN {day} <= :today THEN {_minutes_on(day)} END AS {minutes}",
        ]
        outer += [
            f"checkpoint_{days}_on",
            minutes,
            f"CASE WHEN {minutes} IS NULL THEN 'not_yet_known' WHEN {minutes} = 0 THEN 'ended' "
            f"WHEN {minutes} > weekly_minutes_agreed THEN 'went_back_up' ELSE 'held' END",
        ]
    columns = outer[:5]
    for days in CHECKPOINTS:
        columns += [f"checkpoint_{days}_on", f"weekly_minutes_{days}", f"verdict_{days}"]
    return (
        f"INSERT INTO reduction_checkpoints ({', '.join(columns)}) "  # noqa: S608 (constants)
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM recommendations r "
        "WHERE r.status = 'approved' AND r.kind = 'reduce' "
        "AND r.agreed_start_date IS NOT NULL) f"
    )


def upgrade():
    def verdict(name: str) -> sa.Enum:
        # Each column its own CHECK constraint name.
        return sa.Enum(*VERDICTS, name=name, native_enum=False, create_constraint=True, length=40)

    op.create_table(
        "reduction_checkpoints",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("service_user_id", sa.Integer(), nullable=False),
        sa.Column("agreed_start_date", sa.Date(), nullable=False),
        sa.Column("weekly_minutes_agreed", sa.Integer(), nullable=False),
        sa.Column("checkpoint_91_on", sa.Date(), nullable=False),
        sa.Column("weekly_minutes_91", sa.Integer(), nullable=True),
        sa.Column("verdict_91", verdict("verdict_91"), nullable=False),
        sa.Column("checkpoint_365_on", sa.Date(), nullable=False),
        sa.Column("weekly_minutes_365", sa.Integer(), nullable=True),
        sa.Column("verdict_365", verdict("verdict_365"), nullable=False),
        sa.CheckConstraint(
            "weekly_minutes_agreed >= 0",
            name=op.f("ck_reduction_checkpoints_weekly_minutes_agreed_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_reduction_checkpoints_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_reduction_checkpoints_recommendation_id_recommendations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_user_id"],
            ["service_users.id"],
            name=op.f("fk_reduction_checkpoints_service_user_id_service_users"),
        ),
        sa.PrimaryKeyConstraint("recommendation_id", name=op.f("pk_reduction_checkpoints")),
    )
    op.create_index(
        "ix_reduction_checkpoints_91",
        "reduction_checkpoints",
        ["checkpoint_91_on", "provider_id", "verdict_91"],
    )
    op.create_index(
        "ix_reduction_checkpoints_365",
        "reduction_checkpoints",
        ["checkpoint_365_on", "provider_id", "verdict_365"],
    )
    op.create_index(
        op.f("ix_reduction_checkpoints_service_user_id"),
        "reduction_checkpoints",
        ["service_user_id"],
    )
    bind = op.get_bind()
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    backfill = sa.text(_backfill(bind.dialect.name)).bindparams(
        sa.bindparam("today", value=today, type_=sa.Date())
    )
    bind.execute(backfill)


def downgrade():
    op.drop_table("reduction_checkpoints")
