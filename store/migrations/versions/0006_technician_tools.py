"""technician tools: aliases, followers, links, attachments, saved replies, article drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:12:48

``ticket_aliases`` keeps the keys a ticket had before its kind changed (INC-4 -> SEC-2);
``followers`` are employees with the same problem; ``ticket_links`` relates or merges tickets;
``attachments`` says where a ticket's files are; ``saved_replies`` holds the replies leads add at
run time (the desk's own are files in kb/replies); ``kb_drafts`` are articles drafted from solved
tickets waiting to be published.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('team', sa.String(length=16), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_saved_replies_created_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies')),
    sa.UniqueConstraint('slug', 'language', name='uq_saved_replies_slug')
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('mimetype', sa.String(length=128), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=255), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('added_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['people.id'], name=op.f('fk_attachments_added_by_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attachments_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('followers',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_followers_person_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_followers_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', 'person_id', name=op.f('pk_followers'))
    )
    op.create_table('kb_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('path', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_kb_drafts_created_by_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_kb_drafts_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_drafts'))
    )
    with op.batch_alter_table('kb_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_drafts_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_aliases',
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_aliases_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ticket_aliases'))
    )
    with op.batch_alter_table('ticket_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_aliases_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_links',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_ticket_links_actor_id_people')),
    sa.ForeignKeyConstraint(['other_id'], ['tickets.id'], name=op.f('fk_ticket_links_other_id_tickets')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_links_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', 'other_id', name=op.f('pk_ticket_links'))
    )


def downgrade() -> None:
    op.drop_table('ticket_links')
    with op.batch_alter_table('ticket_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_aliases_ticket_id'))

    op.drop_table('ticket_aliases')
    with op.batch_alter_table('kb_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_drafts_ticket_id'))

    op.drop_table('kb_drafts')
    op.drop_table('followers')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_ticket_id'))

    op.drop_table('attachments')
    op.drop_table('saved_replies')
