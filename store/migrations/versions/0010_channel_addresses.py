"""People's and teams' addresses per channel, in their own tables

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 19:20:00

``people.slack_id`` and ``teams.slack_channel`` were Slack columns in the desk's core tables, so
every new channel (Microsoft Teams, a web chat, WhatsApp) would have added columns and touched
every layer. An address is now a row: ``person_channels`` (person, channel, address) and
``team_channels`` (team, channel, address). ``people.email`` moves too: it is the address the
email channel writes to and recognises senders by, so keeping it as a column as well would give
the same fact two places to disagree. The upgrade copies every existing value (Slack ids as
channel ``slack``, emails as channel ``email``, non-empty triage channels as team ``slack``)
before dropping the columns; the downgrade copies them back.

SQLite cannot drop a UNIQUE column in place, and rebuilding ``people`` the usual way (new table,
copy, drop, rename) leaves the foreign keys of every table that points at it broken at commit:
they are enforced, and that pragma cannot change inside the migration's transaction. So on SQLite
the checks are deferred, the rows are set aside, ``people`` is dropped and created again under its
own name, and the rows come back, which settles every deferred check before the commit. The
``teams`` column is not unique, so SQLite (3.35 or later) drops it in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

#: ``people`` after this revision, with or without the two address columns.
PEOPLE_COLUMNS = ("id", "name", "role", "team_code", "language", "timezone", "vip", "active",
                  "created_at")


def _people_table(name: str, *, with_addresses: bool) -> None:
    addresses = [
        sa.Column("slack_id", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
        sa.UniqueConstraint("slack_id", name=op.f("uq_people_slack_id")),
    ] if with_addresses else []
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team_code", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_code"], ["teams.code"],
                                name=op.f("fk_people_team_code_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        *addresses,
    )


def _rebuild_people_on_sqlite(*, with_addresses: bool) -> None:
    """``people`` again, with or without the address columns, on SQLite (see the docstring)."""
    columns = ", ".join(PEOPLE_COLUMNS)
    op.execute("PRAGMA defer_foreign_keys=ON")
    op.execute(f"CREATE TABLE _people_aside AS SELECT {columns} FROM people")
    op.drop_table("people")
    _people_table("people", with_addresses=with_addresses)
    op.execute(f"INSERT INTO people ({columns}) SELECT {columns} FROM _people_aside")
    op.drop_table("_people_aside")
    op.execute("PRAGMA defer_foreign_keys=OFF")


def upgrade() -> None:
    op.create_table(
        "person_channels",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_person_channels_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", "channel", name=op.f("pk_person_channels")),
        sa.UniqueConstraint("channel", "address", name="uq_person_channels_address"),
    )
    op.create_table(
        "team_channels",
        sa.Column("team_code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["team_code"], ["teams.code"],
                                name=op.f("fk_team_channels_team_code_teams")),
        sa.PrimaryKeyConstraint("team_code", "channel", name=op.f("pk_team_channels")),
    )
    op.execute("INSERT INTO person_channels (person_id, channel, address) "
               "SELECT id, 'slack', slack_id FROM people "
               "WHERE slack_id IS NOT NULL AND slack_id <> ''")
    op.execute("INSERT INTO person_channels (person_id, channel, address) "
               "SELECT id, 'email', email FROM people WHERE email IS NOT NULL AND email <> ''")
    op.execute("INSERT INTO team_channels (team_code, channel, address) "
               "SELECT code, 'slack', slack_channel FROM teams "
               "WHERE slack_channel IS NOT NULL AND slack_channel <> ''")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_people_on_sqlite(with_addresses=False)
    else:
        with op.batch_alter_table("people", schema=None) as batch_op:
            batch_op.drop_constraint("uq_people_slack_id", type_="unique")
            batch_op.drop_constraint("uq_people_email", type_="unique")
            batch_op.drop_column("slack_id")
            batch_op.drop_column("email")
    op.drop_column("teams", "slack_channel")


def downgrade() -> None:
    op.add_column("teams", sa.Column("slack_channel", sa.String(length=64), nullable=False,
                                     server_default=""))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_people_on_sqlite(with_addresses=True)
    else:
        with op.batch_alter_table("people", schema=None) as batch_op:
            batch_op.add_column(sa.Column("slack_id", sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
            batch_op.create_unique_constraint("uq_people_slack_id", ["slack_id"])
            batch_op.create_unique_constraint("uq_people_email", ["email"])
    for column, channel in (("slack_id", "slack"), ("email", "email")):
        op.execute(f"UPDATE people SET {column} = (SELECT address FROM person_channels pc "
                   f"WHERE pc.person_id = people.id AND pc.channel = '{channel}')")
    op.execute("UPDATE teams SET slack_channel = COALESCE((SELECT address FROM team_channels tc "
               "WHERE tc.team_code = teams.code AND tc.channel = 'slack'), '')")
    op.drop_table("team_channels")
    op.drop_table("person_channels")
