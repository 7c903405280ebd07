"""api_keys: the keys agencies' care-planning systems call the API with (portal/api);
api_idempotent_requests: the answers to changes sent with an Idempotency-Key, so a repeat
is answered the same and changes nothing; and on each audit event the key a change came
through (audit_events.api_key_id).

The column is added in place on both databases (SQLite allows a new column with a
reference and no default), so the audit trail's triggers, which refuse any change to an
event, stay as they are.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_keys_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_api_keys_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_api_keys_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_keys_token_hash")),
    )
    op.create_index(
        "ix_api_keys_provider_created", "api_keys", ["provider_id", "created_at"], unique=False
    )
    op.create_table(
        "api_idempotent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_idempotent_requests_api_key_id_api_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotent_requests")),
        sa.UniqueConstraint(
            "api_key_id",
            "idempotency_key",
            name=op.f("uq_api_idempotent_requests_api_key_id"),
        ),
    )
    op.create_index(
        "ix_api_idempotent_requests_key_created",
        "api_idempotent_requests",
        ["api_key_id", "created_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        # Alembic would copy the table to add a reference on SQLite; SQLite itself adds a
        # column with one in place.
        op.execute(
            "ALTER TABLE audit_events ADD COLUMN api_key_id INTEGER "
            "CONSTRAINT fk_audit_events_api_key_id_api_keys REFERENCES api_keys (id)"
        )
    else:
        op.add_column("audit_events", sa.Column("api_key_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_audit_events_api_key_id_api_keys"),
            "audit_events",
            "api_keys",
            ["api_key_id"],
            ["id"],
        )


# The audit trail's triggers on SQLite (migration 0022), made again after a rebuild.
SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER audit_events_no_{operation.lower()}
BEFORE {operation} ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: {operation} refused');
END
"""
    for operation in ("UPDATE", "DELETE")
]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column holding a reference only by rebuilding the table, which
        # takes the triggers with the old one: they are made again on the new.
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
        with op.batch_alter_table("audit_events") as batch:
            batch.drop_column("api_key_id")
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    else:
        op.drop_constraint(
            op.f("fk_audit_events_api_key_id_api_keys"), "audit_events", type_="foreignkey"
        )
        op.drop_column("audit_events", "api_key_id")
    op.drop_index("ix_api_idempotent_requests_key_created", table_name="api_idempotent_requests")
    op.drop_table("api_idempotent_requests")
    op.drop_index("ix_api_keys_provider_created", table_name="api_keys")
    op.drop_table("api_keys")
