"""SLA sweep: tickets.sla_next_at and the indexes the timed jobs read

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:50:00

``sla_next_at`` is when the sweep next has something to check for a ticket (warning or breach),
so each sweep reads only the tickets that are due, however many are open. Active tickets that
exist before this revision are due at once: the first sweep works out their next check.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_next_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_tickets_sla_next_at"), ["sla_next_at"], unique=False)
        batch_op.create_index("ix_tickets_status_paused", ["status", "paused_at"], unique=False)
        batch_op.create_index("ix_tickets_status_resolved", ["status", "resolved_at"], unique=False)
    op.execute(
        "UPDATE tickets SET sla_next_at = created_at "
        "WHERE status IN ('new', 'open', 'in_progress') AND paused_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_resolved")
        batch_op.drop_index("ix_tickets_status_paused")
        batch_op.drop_index(batch_op.f("ix_tickets_sla_next_at"))
        batch_op.drop_column("sla_next_at")
