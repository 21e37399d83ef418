"""Learned phrasings: employees' messages an article answered, evidence for the FAQ matcher

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learned_phrasings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("folded", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_learned_phrasings_person_id_people")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_learned_phrasings_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_phrasings")),
        sa.UniqueConstraint("article_id", "folded", name="uq_learned_article_text"),
    )
    with op.batch_alter_table("learned_phrasings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_phrasings_article_id"), ["article_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learned_phrasings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learned_phrasings_article_id"))
    op.drop_table("learned_phrasings")
