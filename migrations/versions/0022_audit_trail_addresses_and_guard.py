"""The audit trail keeps where each event came from (ip_address), has indexes for the
administrator's viewer's filters, and refuses every UPDATE and DELETE of its rows by
triggers, so not even the application's own database role can rewrite it (on SQLite too,
where whoever holds the file could drop the trigger: it guards against the portal's own
code, not against that).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

GUARD_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

GUARD_TRIGGER = """
CREATE TRIGGER audit_events_append_only
BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""

# TRUNCATE fires no row trigger: a statement trigger refuses it too.
TRUNCATE_TRIGGER = """
CREATE TRIGGER audit_events_no_truncate
BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
"""


# A later migration that rebuilds audit_events on SQLite (batch mode's copy and move) drops
# these triggers with the old table, and must make them again.
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


def upgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("ip_address", sa.String(length=45), nullable=True))
    op.create_index("ix_audit_events_actor_occurred", "audit_events", ["actor_id", "occurred_at"])
    op.create_index("ix_audit_events_action_occurred", "audit_events", ["action", "occurred_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_FUNCTION)
        op.execute(GUARD_TRIGGER)
        op.execute(TRUNCATE_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    op.drop_index("ix_audit_events_action_occurred", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_occurred", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("ip_address")
