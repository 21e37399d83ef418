"""Web pages: one-time sign-in links, and the index the dashboard reads tickets by

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 15:20:00

``sign_in_links`` keeps only the SHA-256 of each link's token (never the token), who it signs in,
when it expires and when it was used (single use). ``ix_tickets_created_at``, ``_resolved_at`` and
``_closed_at`` serve the reports and the web dashboard, which select tickets by when they were
opened, resolved or closed (``python -m bench.web`` shows what they buy on 100,000 tickets).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_sign_in_links_person_id_people")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sign_in_links")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_tickets_resolved_at", ["resolved_at"], unique=False)
        batch_op.create_index("ix_tickets_closed_at", ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_closed_at")
        batch_op.drop_index("ix_tickets_resolved_at")
        batch_op.drop_index("ix_tickets_created_at")
    op.drop_table("sign_in_links")
