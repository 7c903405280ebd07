"""Recommendations keep the London calendar days from sending to the decision
(recommendations.decision_days), worked out for those already decided.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 04:00:00

"""

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")

recommendations = sa.table(
    "recommendations",
    sa.column("id", sa.Integer),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("decided_at", sa.DateTime(timezone=True)),
    sa.column("decision_days", sa.Integer),
)


def _london_date(moment):
    # Stored moments are UTC; SQLite gives them back without their zone.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LONDON).date()


def upgrade():
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("decision_days", sa.Integer(), nullable=True))
    connection = op.get_bind()
    decided = connection.execute(
        sa.select(
            recommendations.c.id, recommendations.c.submitted_at, recommendations.c.decided_at
        )
        .where(
            recommendations.c.submitted_at.is_not(None), recommendations.c.decided_at.is_not(None)
        )
        .order_by(recommendations.c.id)
    ).all()
    days = [
        {"key": id_, "days": (_london_date(decided_at) - _london_date(submitted_at)).days}
        for id_, submitted_at, decided_at in decided
    ]
    if days:
        connection.execute(
            recommendations.update()
            .where(recommendations.c.id == sa.bindparam("key"))
            .values(decision_days=sa.bindparam("days")),
            days,
        )


def downgrade():
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_column("decision_days")
