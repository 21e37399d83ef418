"""Indexes for the lookups every conversation turn makes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:00:00

Two lookups ran on every message and had no index of their own, so their cost grew with the
desk's history instead of with one person's:

- the person's most recent conversation awaiting an answer (every top-level DM asks, to know
  whether it answers a question asked in another thread): it scanned every conversation of the
  channel; ``ix_conversations_person_recent`` (person, last change) finds it directly;
- the ticket of a thread (every reply in a thread and every file shared there asks): it scanned
  every ticket; ``ix_tickets_thread`` (channel, thread ref) finds it directly.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_person_recent", "conversations",
                    ["person_id", "updated_at"])
    op.create_index("ix_tickets_thread", "tickets", ["channel", "channel_ref"])


def downgrade() -> None:
    op.drop_index("ix_tickets_thread", table_name="tickets")
    op.drop_index("ix_conversations_person_recent", table_name="conversations")
