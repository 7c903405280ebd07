"""Signed-in sessions held on the server (user_sessions): the cookie carries only a random
token, so signing out or a timeout ends the session wherever the cookie was copied. An
audit event may name no record (a refused sign-in with an email no account has).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "signed_out",
                "idle",
                "expired",
                "account_inactive",
                name="session_end",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("UPDATE audit_events SET entity_id = 0 WHERE entity_id IS NULL")
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
