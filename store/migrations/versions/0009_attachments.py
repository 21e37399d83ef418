"""Attachments keep the bytes of files that arrive by mail

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30 17:00:00

A Slack file stays in Slack (``url``); a mail's attachment has nowhere else to live, so its
bytes are kept with the ticket in the database: a backup of the database is a backup of
everything, and a hostile file name is only ever a label, never a path.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("data")
